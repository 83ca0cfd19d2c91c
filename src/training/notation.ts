/**
 * The course's layer notation: `INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10`.
 *   INPUT HxWxD   an image (height x width x depth), or INPUT N for a vector
 *   CONVf-n       f x f convolution with n filters, stride 1, padding that keeps the size
 *                 (P = (f - 1)/2; an even f rounds P down and the side shrinks by one)
 *   CONVf-n-Ss    the same with stride s
 *   POOLk         k x k max-pool with stride k
 *   FC-n          fully connected layer with n outputs (flattens a feature map first)
 *   RELU, BN, DROPOUT[p]   activations, batch norm, dropout
 * Items are separated by commas (or arrows); case does not matter.
 */
import { type LayerSpec, type ModelSummary, summarize, SummaryError } from './summary';

export interface ParsedNotation {
  input: number[];
  layers: LayerSpec[];
  names: string[];
}

export function looksLikeNotation(text: string): boolean {
  return /^\s*input\b/i.test(text);
}

export function parseNotation(text: string): ParsedNotation {
  const items = text
    .split(/,|->|→/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new SummaryError('empty layer notation; expected e.g. "INPUT 32x32x1, CONV5-10, POOL2, FC-10"');
  const first = /^INPUT\s*(\d+)(?:\s*[xX×]\s*(\d+)\s*[xX×]\s*(\d+))?$/i.exec(items[0]);
  if (!first) throw new SummaryError(`item 1 '${items[0]}': the notation starts with INPUT HxWxD (e.g. INPUT 32x32x3) or INPUT N`);
  const input = first[2] ? [Number(first[3]), Number(first[1]), Number(first[2])] : [Number(first[1])];
  if (input.some((d) => d < 1)) throw new SummaryError(`item 1 '${items[0]}': sizes must be positive`);
  const layers: LayerSpec[] = [];
  const names: string[] = [];
  let flat = input.length === 1;
  items.slice(1).forEach((raw, k) => {
    const item = raw.replace(/\s+/g, '').toUpperCase();
    const where = `item ${k + 2} '${raw}'`;
    let m: RegExpExecArray | null;
    if ((m = /^CONV(\d+)-(\d+)(?:-S(\d+))?$/.exec(item))) {
      if (flat) throw new SummaryError(`${where}: a convolution cannot follow a fully connected layer or a vector input`);
      const f = Number(m[1]),
        n = Number(m[2]),
        s = m[3] ? Number(m[3]) : 1;
      if (f < 1 || n < 1 || s < 1) throw new SummaryError(`${where}: kernel size, filter count and stride must be positive`);
      layers.push({ kind: 'conv', kernel: f, out: n, stride: s, padding: Math.floor((f - 1) / 2) });
    } else if ((m = /^POOL(\d+)$/.exec(item))) {
      if (flat) throw new SummaryError(`${where}: pooling cannot follow a fully connected layer or a vector input`);
      const k = Number(m[1]);
      if (k < 1) throw new SummaryError(`${where}: pool size must be positive`);
      layers.push({ kind: 'maxpool', kernel: k, stride: k });
    } else if ((m = /^FC-?(\d+)$/.exec(item))) {
      const n = Number(m[1]);
      if (n < 1) throw new SummaryError(`${where}: an FC layer needs at least one output`);
      // The flatten folds into the FC row, as the course's tables count it.
      if (!flat) {
        layers.push({ kind: 'flatten' });
        names.push('');
      }
      layers.push({ kind: 'linear', out: n });
      flat = true;
    } else if (item === 'RELU') {
      layers.push({ kind: 'relu' });
    } else if (item === 'BN' || item === 'BATCHNORM') {
      layers.push({ kind: 'batchnorm' });
    } else if ((m = /^DROPOUT(0?\.\d+)?$/.exec(item))) {
      layers.push({ kind: 'dropout', p: m[1] ? Number(m[1]) : 0.5 });
    } else {
      throw new SummaryError(`${where} is not understood; expected CONVf-n, CONVf-n-Ss, POOLk, FC-n, RELU, BN or DROPOUT`);
    }
    if (names.length < layers.length) names.push(raw.replace(/\s+/g, '').toUpperCase());
  });
  return { input, layers, names };
}

/** The summary for a notation string; flatten steps merge into the FC row that follows. */
export function summarizeNotation(text: string): ModelSummary {
  const parsed = parseNotation(text);
  const full = summarize(text.trim(), parsed.input, parsed.layers, parsed.names);
  return { ...full, rows: full.rows.filter((_, i) => parsed.layers[i].kind !== 'flatten') };
}

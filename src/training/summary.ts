/**
 * Model summaries: each layer's output volume and parameter count, worked out from a
 * layer list with the course's formulas (a conv's output side O = floor((W - F + 2P)/S) + 1
 * and (F*F*Din + 1)*Dout parameters; an FC layer's (Nin + 1)*Nout; batch norm's scale and
 * shift, 2*C; pooling and activations none). Counts are PyTorch's: trainable parameters
 * only, so batch norm's running statistics are not included.
 */
import { array, type Infer, object, text, whole } from './schema';

/** One layer, as the summary and the model builders both read it. */
export type LayerSpec =
  | { kind: 'conv'; out: number; kernel: number; stride?: number; padding?: number }
  | { kind: 'batchnorm' }
  | { kind: 'relu' }
  | { kind: 'leakyrelu' }
  | { kind: 'tanh' }
  | { kind: 'sigmoid' }
  | { kind: 'maxpool'; kernel: number; stride?: number }
  | { kind: 'flatten' }
  | { kind: 'linear'; out: number }
  | { kind: 'dropout'; p: number }
  /** Token ids [T] -> vectors [T, dim]. */
  | { kind: 'embedding'; vocab: number; dim: number }
  /** Images [C, H, W] -> patches [(H/p)(W/p), p*p*C]. */
  | { kind: 'patchify'; patch: number }
  /** A learned vector per position added to [T, dim] (plus an optional class token). */
  | { kind: 'position'; classToken?: boolean }
  /** Pre-norm transformer block on [T, dim]: LN, multi-head attention, LN, MLP, residuals. */
  | { kind: 'transformer'; heads: number; mlp: number }
  | { kind: 'layernorm' }
  /** [T, dim] -> [dim]: the class token's vector or the mean over positions. */
  | { kind: 'pool-tokens'; how: 'class' | 'mean' };

const SummaryRowSchema = object({
  layer: text(),
  /** Output shape per example: [C, H, W] for feature maps, [N] for vectors, [T, D] for sequences. */
  output: array(whole(0)),
  params: whole(0),
});
export type SummaryRow = Infer<typeof SummaryRowSchema>;

/** A model's layer table; a schema because it travels in the trainer's 'started' event. */
export const ModelSummarySchema = object({
  title: text({ empty: true }),
  input: array(whole(0)),
  rows: array(SummaryRowSchema),
  totalParams: whole(0),
});
export type ModelSummary = Infer<typeof ModelSummarySchema>;

export class SummaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SummaryError';
  }
}

function fail(index: number, layer: string, message: string): never {
  throw new SummaryError(`layer ${index + 1} (${layer}): ${message}`);
}

/** "32x32x10" for a feature map (height x width x depth, the course's order), else dims joined. */
export function formatVolume(shape: number[]): string {
  if (shape.length === 3) return `${shape[1]}x${shape[2]}x${shape[0]}`;
  return shape.join('x');
}

export function describeLayer(l: LayerSpec): string {
  switch (l.kind) {
    case 'conv':
      return `Conv ${l.kernel}x${l.kernel}, ${l.out} filters${(l.stride ?? 1) !== 1 ? `, stride ${l.stride}` : ''}${l.padding ? `, pad ${l.padding}` : ''}`;
    case 'batchnorm':
      return 'BatchNorm';
    case 'relu':
      return 'ReLU';
    case 'leakyrelu':
      return 'LeakyReLU';
    case 'tanh':
      return 'Tanh';
    case 'sigmoid':
      return 'Sigmoid';
    case 'maxpool':
      return `MaxPool ${l.kernel}x${l.kernel}${(l.stride ?? l.kernel) !== l.kernel ? `, stride ${l.stride}` : ''}`;
    case 'flatten':
      return 'Flatten';
    case 'linear':
      return `FC ${l.out}`;
    case 'dropout':
      return `Dropout ${l.p}`;
    case 'embedding':
      return `Embedding ${l.vocab}x${l.dim}`;
    case 'patchify':
      return `Patchify ${l.patch}x${l.patch}`;
    case 'position':
      return l.classToken ? 'Class token + positions' : 'Position embedding';
    case 'transformer':
      return `Transformer block, ${l.heads} heads, MLP ${l.mlp}`;
    case 'layernorm':
      return 'LayerNorm';
    case 'pool-tokens':
      return l.how === 'class' ? 'Class token' : 'Mean over tokens';
  }
}

/** Walk the layers from `input`, computing every output shape and parameter count. */
export function summarize(title: string, input: number[], layers: LayerSpec[], names?: string[]): ModelSummary {
  let shape = [...input];
  const rows: SummaryRow[] = [];
  layers.forEach((l, i) => {
    const name = names?.[i] ?? describeLayer(l);
    let params = 0;
    switch (l.kind) {
      case 'conv': {
        if (shape.length !== 3) fail(i, name, `a convolution needs a feature map, got ${formatVolume(shape)}`);
        const [c, h, w] = shape;
        const s = l.stride ?? 1,
          p = l.padding ?? 0;
        const oh = Math.floor((h - l.kernel + 2 * p) / s) + 1;
        const ow = Math.floor((w - l.kernel + 2 * p) / s) + 1;
        if (oh < 1 || ow < 1) fail(i, name, `a ${l.kernel}x${l.kernel} kernel does not fit a ${h}x${w} input`);
        params = (l.kernel * l.kernel * c + 1) * l.out;
        shape = [l.out, oh, ow];
        break;
      }
      case 'batchnorm':
        params = 2 * shape[0];
        break;
      case 'layernorm':
        params = 2 * shape[shape.length - 1];
        break;
      case 'maxpool': {
        if (shape.length !== 3) fail(i, name, `pooling needs a feature map, got ${formatVolume(shape)}`);
        const s = l.stride ?? l.kernel;
        const [c, h, w] = shape;
        const oh = Math.floor((h - l.kernel) / s) + 1,
          ow = Math.floor((w - l.kernel) / s) + 1;
        if (oh < 1 || ow < 1) fail(i, name, `a ${l.kernel}x${l.kernel} pool does not fit a ${h}x${w} input`);
        shape = [c, oh, ow];
        break;
      }
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'linear': {
        const nIn = shape.length === 1 ? shape[0] : shape.reduce((a, b) => a * b, 1);
        // On a sequence [T, D] the layer acts on each position: D inputs, not T*D.
        const fanIn = shape.length === 2 ? shape[1] : nIn;
        params = (fanIn + 1) * l.out;
        shape = shape.length === 2 ? [shape[0], l.out] : [l.out];
        break;
      }
      case 'embedding':
        if (shape.length !== 1) fail(i, name, `an embedding takes a sequence of token ids, got ${formatVolume(shape)}`);
        params = l.vocab * l.dim;
        shape = [shape[0], l.dim];
        break;
      case 'patchify': {
        if (shape.length !== 3) fail(i, name, `patchify needs an image, got ${formatVolume(shape)}`);
        const [c, h, w] = shape;
        if (h % l.patch || w % l.patch) fail(i, name, `${h}x${w} is not divisible by the patch size ${l.patch}`);
        shape = [(h / l.patch) * (w / l.patch), l.patch * l.patch * c];
        break;
      }
      case 'position': {
        if (shape.length !== 2) fail(i, name, `positions need a sequence [T, D], got ${formatVolume(shape)}`);
        const t = shape[0] + (l.classToken ? 1 : 0);
        params = t * shape[1] + (l.classToken ? shape[1] : 0);
        shape = [t, shape[1]];
        break;
      }
      case 'transformer': {
        if (shape.length !== 2) fail(i, name, `a transformer block needs a sequence [T, D], got ${formatVolume(shape)}`);
        const d = shape[1];
        if (d % l.heads) fail(i, name, `model width ${d} is not divisible by ${l.heads} heads`);
        // two LayerNorms, Q/K/V and output projections with biases, a two-layer MLP
        params = 2 * (2 * d) + 4 * (d * d + d) + (d * l.mlp + l.mlp) + (l.mlp * d + d);
        break;
      }
      case 'pool-tokens':
        if (shape.length !== 2) fail(i, name, `token pooling needs a sequence [T, D], got ${formatVolume(shape)}`);
        shape = [shape[1]];
        break;
      default:
        break; // activations and dropout keep the shape and have no parameters
    }
    rows.push({ layer: name, output: [...shape], params });
  });
  return { title, input, rows, totalParams: rows.reduce((n, r) => n + r.params, 0) };
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** The summary as a plain-text table. */
export function formatSummary(s: ModelSummary): string {
  const header = ['Layer', 'Output', 'Params'];
  const body = [['Input', formatVolume(s.input), ''], ...s.rows.map((r) => [r.layer, formatVolume(r.output), formatCount(r.params)])];
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((x, c) => (c === 2 ? x.padStart(widths[c]) : x.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [s.title, line(header), rule, ...body.map(line), rule, `Total trainable parameters: ${formatCount(s.totalParams)}`].join('\n');
}

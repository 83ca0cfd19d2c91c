/**
 * The words GradLens shows on VS Code's surfaces (code lenses, Problems, Test Explorer,
 * status bar) for a checker result. Pure: no vscode import, so it is tested in plain Node.
 */
import { namesNoPattern } from '../gradcheck/diagnosis';
import { kinkNote } from '../gradcheck/format';
import { layerHeadline } from '../gradcheck/headline';
import { looserPassText } from '../gradcheck/looserTolerance';
import type { InputReport, LayerReport } from '../gradcheck/types';
import type { LayerConvention } from '../layers/types';

/** How a layer is written, as its Test Explorer item describes it. */
export function conventionLabel(convention: LayerConvention): string {
  switch (convention) {
    case 'layer':
      return 'layer()';
    case 'pair':
      return 'forward/backward pair';
    case 'loss':
      return 'loss function';
    case 'object':
      return 'layer object';
    case 'autograd':
      return 'torch.autograd.Function';
  }
}

/** 3.1e-10: two significant digits are what a reader compares. */
export function formatError(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(1);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The gradient's name as a derivation writes it: input `W` gives `dW`. */
export function gradName(input: string): string {
  return `d${input}`;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

export function failedInputs(report: LayerReport): InputReport[] {
  return report.inputs.filter((i) => i.status === 'failed');
}

/**
 * A diagnosis cut to what fits on a lens: its first clause, without the leading "the
 * analytic gradient is" ("the transpose of the right one", "sign flipped").
 */
export function shortDiagnosis(diagnosis: string): string {
  let text = diagnosis.replace(/^the analytic gradient (is )?/, '');
  const cut = [' (', ': ', '; ', ', '].map((sep) => text.indexOf(sep)).filter((i) => i > 0);
  if (cut.length > 0) text = text.slice(0, Math.min(...cut));
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

/**
 * The outcome shown on a layer's code lens after a run. A failure leads with the
 * layer-level finding when there is one (headline.ts), then the failing gradients: the
 * first one's diagnosis when it names a pattern, else just their names, since a count of
 * wrong elements adds nothing to a finding that says where the slip is.
 */
export function lensOutcome(report: LayerReport): string {
  if (report.error) return `✗ could not check: ${firstLine(report.error)}`;
  const failed = failedInputs(report);
  if (failed.length > 0) {
    const headline = layerHeadline(report);
    const plain = failed[0].diagnosis === undefined || namesNoPattern(failed[0].diagnosis);
    if (headline && plain) return `✗ ${headline.short} · ${failed.map((i) => gradName(i.name)).join(', ')} wrong`;
    return `✗ ${headline ? `${headline.short} · ` : ''}${failedGradients(failed)}`;
  }
  if (report.nondeterminism) return `✗ nondeterministic: ${firstLine(report.nondeterminism)}`;
  if (!report.passed) return '✗ failed';
  const parts = [`✓ ${looserPassText(report) ?? 'passed'} · max rel err ${formatError(maxRelError(report))}`, formatMs(report.timeMs)];
  const notChecked = report.inputs.filter((i) => i.status === 'not-checked').map((i) => gradName(i.name));
  if (notChecked.length > 0) parts.push(`${notChecked.join(', ')} not checked`);
  const kinks = kinkNote({ status: 'passed', kinkCount: report.inputs.reduce((n, i) => n + i.kinkCount, 0) });
  if (kinks) parts.push(kinks);
  if (report.mode !== 'full') parts.push(report.mode);
  return parts.join(' · ');
}

/** "dW wrong: the transpose of the right one (+db)": the first failing gradient's short diagnosis, then the others' names. */
function failedGradients(failed: InputReport[]): string {
  const [first, ...others] = failed;
  const short = first.diagnosis ? shortDiagnosis(first.diagnosis) : undefined;
  const what = short === undefined ? ` wrong · max rel err ${formatError(first.maxRelError)}` : afterName(short);
  const more = others.length > 0 ? ` (+${others.map((i) => gradName(i.name)).join(', ')})` : '';
  return `${gradName(first.name)}${what}${more}`;
}

/** A diagnosis after a gradient's name: "wrong at 12 of 12 elements" and "at a kink of x[2]" read on from it; the others follow "wrong:". */
function afterName(diagnosis: string): string {
  if (diagnosis.startsWith('wrong ')) return ` ${diagnosis}`;
  if (diagnosis.startsWith('at a kink ')) return ` wrong ${diagnosis}`;
  return ` wrong: ${diagnosis}`;
}

export function maxRelError(report: LayerReport): number {
  let worst = 0;
  for (const i of report.inputs) {
    if (i.status === 'passed' || i.status === 'failed') worst = Math.max(worst, i.maxRelError);
  }
  return worst;
}

/** One input's finding, as a sentence (Test Explorer, Problems). */
export function inputFinding(input: InputReport): string {
  const name = gradName(input.name);
  switch (input.status) {
    case 'passed':
      return `${name} passed (max rel err ${formatError(input.maxRelError)})`;
    case 'not-checked':
      return `${name} not checked: the backward returned no gradient for ${input.name}`;
    case 'kink':
      return `${name}: every compared element sits at a kink; each lies between the one-sided slopes, but no derivative could be verified`;
    case 'failed': {
      const worst = input.worst[0];
      const where = worst ? `; worst at [${worst.index.join(', ')}]: analytic ${worst.analytic}, numeric ${worst.numeric}` : '';
      const d = input.diagnosis;
      const diagnosis = d === undefined ? ' wrong' : afterName(d);
      return `${name}${diagnosis} (max abs err ${formatError(input.maxAbsError)}, max rel err ${formatError(input.maxRelError)}${where})`;
    }
  }
}

/** The Problems-panel message for a failing layer; undefined when it passed. */
export function diagnosticMessage(report: LayerReport): string | undefined {
  if (report.passed) return undefined;
  if (report.error) return `GradLens: layer '${report.name}' could not be checked: ${report.error}`;
  const findings = failedInputs(report).map(inputFinding);
  if (report.nondeterminism) findings.push(`nondeterministic: ${report.nondeterminism}`);
  if (findings.length === 0) findings.push('failed');
  const headline = layerHeadline(report);
  const lead = headline ? `: ${headline.text}` : '';
  return `GradLens: gradient check of '${report.name}' failed${lead}. ${findings.join('. ')}`;
}

/** The Test Explorer message for a failing layer: the lens outcome, the layer-level finding in full, then each failing input's. */
export function testFailureMessage(report: LayerReport): string {
  const lines = [lensOutcome(report)];
  const headline = layerHeadline(report);
  if (headline) lines.push(headline.text);
  lines.push(...failedInputs(report).map(inputFinding));
  if (report.nondeterminism) lines.push(report.nondeterminism);
  return lines.join('\n');
}

/**
 * A tensor as text for VS Code's diff view: one row of the last axis per line, blocks of
 * higher axes headed by their index, so expected and actual line up element by element.
 */
export function formatTensor(values: ArrayLike<number>, shape: number[], maxElements = 4096): string {
  const n = values.length;
  if (n > maxElements) return `(${n} elements: too many to show; see the gradient report)`;
  if (shape.length === 0) return formatNumber(values[0]);
  const cols = shape[shape.length - 1];
  const lead = shape.slice(0, -1);
  const rows = cols === 0 ? 0 : n / cols;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    if (lead.length > 1 && r % lead[lead.length - 1] === 0) {
      const index = unravel(r, lead).slice(0, -1);
      lines.push(`[${index.join(', ')}, :, :]`);
    }
    const row: string[] = [];
    for (let c = 0; c < cols; c++) row.push(formatNumber(values[r * cols + c]));
    lines.push(row.join('  '));
  }
  return lines.join('\n');
}

function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return (x < 0 ? '' : ' ') + x.toExponential(6);
}

function unravel(flat: number, shape: number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/** Expected (numeric) and actual (analytic) texts for a failing input, when both are known. */
export function diffTexts(input: InputReport): { expected: string; actual: string } | undefined {
  if (!input.numeric || !input.analytic) return undefined;
  if (input.numeric.length !== input.analytic.length) {
    return {
      expected: `shape [${input.shape.join(', ')}]\n${formatTensor(input.numeric, input.shape)}`,
      actual: `${input.analytic.length} elements\n${formatTensor(input.analytic, [input.analytic.length])}`,
    };
  }
  return { expected: formatTensor(input.numeric, input.shape), actual: formatTensor(input.analytic, input.shape) };
}

export interface RunSummary {
  passed: number;
  failed: number;
  files: number;
}

export function summarize(reports: LayerReport[], files: number): RunSummary {
  const passed = reports.filter((r) => r.passed).length;
  return { passed, failed: reports.length - passed, files };
}

export function statusBarText(summary: RunSummary): string {
  const total = summary.passed + summary.failed;
  if (total === 0) return '$(beaker) GradLens: no layers';
  if (summary.failed === 0) return `$(pass) GradLens: ${total}/${total} passed`;
  return `$(error) GradLens: ${summary.failed} of ${total} failed`;
}

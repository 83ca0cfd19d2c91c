import type { InputReport, InputStatus, LayerReport } from './types';
import { layerHeadline, otherFindings } from './headline';
import { looserPassText } from './looserTolerance';
import { formatIndex } from './shapes';

/**
 * Reports for people (a table, optionally coloured for a terminal) and for programs (the
 * CLI's --json schema).
 */
export interface FormatOptions {
  color: boolean;
}

const ANSI = { red: '31', green: '32', yellow: '33', dim: '2', bold: '1' } as const;
type Style = keyof typeof ANSI;

const STATUS_LABEL: Record<InputStatus, string> = {
  passed: 'passed',
  failed: 'FAILED',
  'not-checked': 'not checked',
  kink: 'at kinks',
};
const STATUS_STYLE: Record<InputStatus, Style> = { passed: 'green', failed: 'red', 'not-checked': 'yellow', kink: 'yellow' };

export function formatReport(reports: LayerReport[], options: FormatOptions): string {
  const paint = (text: string, style: Style): string => (options.color ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text);
  const lines: string[] = [];
  for (const layer of reports) {
    lines.push(...formatLayer(layer, paint));
    lines.push('');
  }
  lines.push(summaryLine(reports, paint));
  return lines.join('\n');
}

type Paint = (text: string, style: Style) => string;

/** "conv.py:12", or in a notebook "layers.ipynb, cell 3, line 4" (cells counted from 1, as Jupyter shows them). */
export function placeOf(layer: Pick<LayerReport, 'file' | 'line' | 'cell'>): string {
  const file = layer.file ?? '';
  if (layer.cell !== undefined) return `${file}, cell ${layer.cell + 1}${layer.line ? `, line ${layer.line}` : ''}`;
  return `${file}${layer.line ? `:${layer.line}` : ''}`;
}

function formatLayer(layer: LayerReport, paint: Paint): string[] {
  const where = layer.file ? `  ${placeOf(layer)}` : '';
  const mark = layer.passed ? paint('✓', 'green') : paint('✗', 'red');
  const tol = layer.tolerance;
  const meta = `${layer.mode}, ${fmtMs(layer.timeMs)}, ${layer.forwardCalls} forward calls, eps ${tol.eps} atol ${tol.atol} rtol ${tol.rtol}`;
  const lines = [`${mark} ${paint(layer.name, 'bold')}${paint(where, 'dim')}  ${paint(meta, 'dim')}`];
  if (layer.error !== undefined) {
    lines.push(`    ${paint('error:', 'red')} ${layer.error}`);
    return lines;
  }
  const headline = layerHeadline(layer);
  if (headline) lines.push(`    ${paint('finding:', 'red')} ${headline.text}`);
  const looser = looserPassText(layer);
  if (looser) lines.push(`    ${paint('tolerance:', 'yellow')} ${looser}`);
  if (layer.nondeterminism !== undefined) lines.push(`    ${paint('nondeterministic:', 'red')} ${layer.nondeterminism}`);
  if (layer.inputs.length === 0) return lines;

  const header = ['input', 'status', 'max abs err', 'max rel err', 'note'];
  const rows = layer.inputs.map((i) => [i.name, STATUS_LABEL[i.status], fmtErr(i, i.maxAbsError), fmtErr(i, i.maxRelError), noteFor(i)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const pad = (cells: string[]): string[] => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c])));
  lines.push(`    ${paint(pad(header).join('  ').trimEnd(), 'dim')}`);
  layer.inputs.forEach((input, k) => {
    const cells = pad(rows[k]);
    cells[1] = paint(cells[1], STATUS_STYLE[input.status]);
    lines.push(`    ${cells.join('  ').trimEnd()}`);
    if (input.status === 'failed' && input.worst.length > 0) {
      const indent = ' '.repeat(4 + widths[0] + 2);
      lines.push(`${indent}${paint('worst elements:', 'dim')}`);
      for (const w of input.worst) {
        lines.push(`${indent}  ${formatIndex(w.index)}  analytic ${fmtNum(w.analytic)}  numeric ${fmtNum(w.numeric)}`);
      }
    }
  });
  const rest = otherFindings(layer).map((f) => f.text);
  if (rest.length > 0) lines.push(`    ${paint('hint:', 'yellow')} ${rest.join('. ')}`);
  return lines;
}

/**
 * What a passing input's kinks came to: "3 at kinks, within the one-sided slopes". A
 * failing kink carries its own diagnosis, and an all-kink input has status 'kink'.
 */
export function kinkNote(input: Pick<InputReport, 'status' | 'kinkCount'>): string | undefined {
  return input.status === 'passed' && input.kinkCount > 0 ? `${input.kinkCount} at kinks, within the one-sided slopes` : undefined;
}

function noteFor(input: InputReport): string {
  const parts: string[] = [];
  if (input.diagnosis) parts.push(input.diagnosis);
  const kinks = kinkNote(input);
  if (kinks) parts.push(kinks);
  if (input.sampled) parts.push(`${input.checkedCount} sampled`);
  if (input.fastFallback) parts.push('checked in full after the fast check');
  else if (input.projections !== undefined && input.status === 'passed') parts.push(`${input.projections} random projections`);
  return parts.join('; ');
}

function summaryLine(reports: LayerReport[], paint: Paint): string {
  const passed = reports.filter((r) => r.passed).length;
  const errors = reports.filter((r) => r.error !== undefined).length;
  const failed = reports.length - passed - errors;
  const parts = [paint(`${passed} passed`, passed ? 'green' : 'dim')];
  if (failed) parts.push(paint(`${failed} failed`, 'red'));
  if (errors) parts.push(paint(`${errors} could not run`, 'red'));
  return `${reports.length} layer${reports.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

function fmtErr(input: InputReport, x: number): string {
  // Nothing was compared for these, so there is no error to show.
  return input.status === 'not-checked' || input.status === 'kink' ? '' : fmtNum(x);
}

function fmtNum(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e4 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

function fmtMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** The CLI's --json schema. Non-finite numbers (a NaN gradient, a wrong shape) become null. */
export interface JsonReport {
  layers: JsonLayer[];
}

export interface JsonLayer {
  name: string;
  file: string | null;
  line: number | null;
  /** In a notebook: the 0-based index of the cell; `line` is then within that cell. */
  cell?: number;
  passed: boolean;
  error?: string;
  nondeterminism?: string;
  /** Where the slip lies, from which inputs pass and fail (LayerReport.hint). */
  hint?: string;
  /** The layer-level finding that leads (headline.ts), when there is one. */
  headline?: string;
  /** The layer-level findings after the headline, in the order found (the hint, less the headline). */
  otherFindings?: string[];
  /** Said when the layer passed only at its own, looser tolerance (looserTolerance.ts). */
  toleranceNote?: string;
  mode: string;
  timeMs: number;
  forwardCalls: number;
  inputs: JsonInput[];
}

export interface JsonInput {
  name: string;
  status: InputStatus;
  maxAbsError: number | null;
  maxRelError: number | null;
  worst: { index: number[]; analytic: number | null; numeric: number | null }[];
  diagnosis?: string;
  shape: number[];
  kinkCount: number;
  checkedCount: number;
  sampled?: boolean;
  fastFallback?: boolean;
}

export function toJsonReport(reports: LayerReport[]): JsonReport {
  return {
    layers: reports.map((r) => {
      const headline = layerHeadline(r);
      const layer: JsonLayer = {
        name: r.name,
        file: r.file ?? null,
        line: r.line ?? null,
        ...(r.cell !== undefined ? { cell: r.cell } : {}),
        passed: r.passed,
        ...(r.error !== undefined ? { error: r.error } : {}),
        inputs: r.inputs.map(jsonInput),
        ...(r.nondeterminism !== undefined ? { nondeterminism: r.nondeterminism } : {}),
        ...(r.hint !== undefined ? { hint: r.hint } : {}),
        ...(headline ? { headline: headline.text } : {}),
        ...(headline && otherFindings(r).length > 0 ? { otherFindings: otherFindings(r).map((f) => f.text) } : {}),
        ...(looserPassText(r) ? { toleranceNote: looserPassText(r) } : {}),
        mode: r.mode,
        timeMs: Math.round(r.timeMs * 100) / 100,
        forwardCalls: r.forwardCalls,
      };
      return layer;
    }),
  };
}

function jsonInput(i: InputReport): JsonInput {
  return {
    name: i.name,
    status: i.status,
    maxAbsError: finiteOrNull(i.maxAbsError),
    maxRelError: finiteOrNull(i.maxRelError),
    worst: i.worst.map((w) => ({ index: w.index.slice(), analytic: finiteOrNull(w.analytic), numeric: finiteOrNull(w.numeric) })),
    ...(i.diagnosis !== undefined ? { diagnosis: i.diagnosis } : {}),
    shape: i.shape.slice(),
    kinkCount: i.kinkCount,
    checkedCount: i.checkedCount,
    ...(i.sampled ? { sampled: true } : {}),
    ...(i.fastFallback ? { fastFallback: true } : {}),
  };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

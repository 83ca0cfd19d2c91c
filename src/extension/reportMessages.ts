/**
 * The report page's messages, checked at the boundary. A webview is a web page: whatever
 * its script posts arrives as `unknown`, and a page that was compromised (or simply buggy)
 * must not make the host open or run a file the user never checked. So every message is
 * checked for shape, and `reveal`/`rerun` are granted only for files and layers that have
 * results in this session. Kept free of the vscode module so it can be tested in plain Node.
 */
import type { ReportSelection, ReportWebviewMessage } from '../reportProtocol';

export type Checked = { ok: true; message: ReportWebviewMessage } | { ok: false; reason: string };

/** What the host knows this session: the report store seen as two questions. */
export interface KnownResults {
  hasFile(file: string): boolean;
  hasLayer(file: string, layer: string): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function selectionProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'selection is not an object';
  if (!isText(v.file)) return 'selection.file is not a non-empty string';
  if (!isText(v.layer)) return 'selection.layer is not a non-empty string';
  if (v.input !== undefined && typeof v.input !== 'string') return 'selection.input is not a string';
  return undefined;
}

/** Shape only: is this one of the messages the page may send, with fields of the right types? */
export function parseReportMessage(raw: unknown): Checked {
  if (!isObject(raw)) return { ok: false, reason: 'not an object' };
  switch (raw.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'rerun':
      if (!isText(raw.file)) return { ok: false, reason: 'rerun: file is not a non-empty string' };
      if (!isText(raw.layer)) return { ok: false, reason: 'rerun: layer is not a non-empty string' };
      if (raw.mode !== 'full' && raw.mode !== 'fast') return { ok: false, reason: `rerun: mode ${JSON.stringify(raw.mode)} is neither "full" nor "fast"` };
      return { ok: true, message: { type: 'rerun', file: raw.file, layer: raw.layer, mode: raw.mode } };
    case 'reveal':
      if (!isText(raw.file)) return { ok: false, reason: 'reveal: file is not a non-empty string' };
      if (typeof raw.line !== 'number' || !Number.isInteger(raw.line) || raw.line < 0) return { ok: false, reason: 'reveal: line is not a non-negative integer' };
      return { ok: true, message: { type: 'reveal', file: raw.file, line: raw.line } };
    case 'rendered': {
      const problem = selectionProblem(raw.selection);
      if (problem) return { ok: false, reason: `rendered: ${problem}` };
      if (typeof raw.heatmaps !== 'number' || !Number.isInteger(raw.heatmaps) || raw.heatmaps < 0) return { ok: false, reason: 'rendered: heatmaps is not a non-negative integer' };
      if (typeof raw.slice !== 'string') return { ok: false, reason: 'rendered: slice is not a string' };
      const s = raw.selection as unknown as ReportSelection;
      const selection: ReportSelection = s.input === undefined ? { file: s.file, layer: s.layer } : { file: s.file, layer: s.layer, input: s.input };
      return { ok: true, message: { type: 'rendered', selection, heatmaps: raw.heatmaps, slice: raw.slice } };
    }
    default:
      return { ok: false, reason: `unknown type ${JSON.stringify(raw.type)}` };
  }
}

/**
 * Shape, then permission: `reveal` and `rerun` name a path, and the page may only name one
 * whose results it was shown. The message is rebuilt from checked fields, so extra
 * properties a page adds never reach the host.
 */
export function checkReportMessage(raw: unknown, known: KnownResults): Checked {
  const parsed = parseReportMessage(raw);
  if (!parsed.ok) return parsed;
  const m = parsed.message;
  if ((m.type === 'reveal' || m.type === 'rerun') && !known.hasFile(m.file)) {
    return { ok: false, reason: `${m.type}: ${m.file} has no results in this session` };
  }
  if (m.type === 'rerun' && !known.hasLayer(m.file, m.layer)) {
    return { ok: false, reason: `rerun: ${m.file} has no results for layer ${m.layer}` };
  }
  return parsed;
}

/**
 * Messages between the extension host and the gradient report webview (webview/report/).
 * The page imports the types only; the host checks every page message against the
 * schemas here before acting on it (shape), and reportMessages.ts then checks that a
 * file it names has results (permission). What the host sends is trusted.
 */
import type { LayerReport } from './gradcheck/types';
import { type Infer, object, oneOf, optional, SchemaError, text, variant, whole } from './training/schema';

const ReportSelectionShape = {
  /** '' for a report that came without a file (nothing to reveal or re-run). */
  file: text({ empty: true }),
  layer: text(),
  input: optional(text()),
};

/** Host -> webview. */
export type ReportHostMessage =
  | {
      type: 'show';
      /** Every layer of the last runs, grouped by file in the order they were checked. */
      reports: LayerReport[];
      selected?: ReportSelection;
      /** A check of the selected file is running (the re-run button waits). */
      running: boolean;
    }
  | { type: 'running'; running: boolean };

const ReportWebviewMessageSchema = variant(
  'type',
  {
    ready: {},
    rerun: { file: text(), layer: text(), mode: oneOf(['full', 'fast']) },
    /** `line` is 0-based. */
    reveal: { file: text(), line: whole(0) },
    /** Sent after drawing, so tests (and the host) know what the page shows. */
    rendered: { selection: object(ReportSelectionShape), heatmaps: whole(0), slice: text({ empty: true }) },
  },
  {
    unknown: (tag) => `unknown report message type ${JSON.stringify(tag) ?? 'nothing'}`,
    pathOf: (tag) => `'${tag}' message`,
  },
);
/** Webview -> host. */
export type ReportWebviewMessage = Infer<typeof ReportWebviewMessageSchema>;
export type ReportRendered = Extract<ReportWebviewMessage, { type: 'rendered' }>;
export type ReportSelection = ReportRendered['selection'];

export type CheckedReportMessage = { ok: true; message: ReportWebviewMessage } | { ok: false; reason: string };

/** Shape only: one of the messages the page may send, rebuilt from its checked fields. */
export function parseReportMessage(raw: unknown): CheckedReportMessage {
  try {
    return { ok: true, message: ReportWebviewMessageSchema.parse(raw, 'a report message') };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, reason: err.message };
    throw err;
  }
}

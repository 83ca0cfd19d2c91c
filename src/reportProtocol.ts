/**
 * Messages between the extension host and the gradient report webview
 * (webview/report/). Types only: both sides import this file.
 */
import type { LayerReport } from './gradcheck/types';

export interface ReportSelection {
  file: string;
  layer: string;
  input?: string;
}

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

/** Webview -> host. */
export type ReportWebviewMessage =
  | { type: 'ready' }
  | { type: 'rerun'; file: string; layer: string; mode: 'full' | 'fast' }
  | { type: 'reveal'; file: string; line: number }
  /** Sent after drawing, so tests (and the host) know what the page shows. */
  | { type: 'rendered'; selection: ReportSelection; heatmaps: number; slice: string };

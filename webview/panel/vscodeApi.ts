/**
 * The page's link to the extension host. Inside VS Code, acquireVsCodeApi() gives
 * postMessage and a small persisted state (kept across hide/show and reloads); outside
 * it (the plain-page test) a stand-in may be installed on window before the script runs.
 */
import type { WebviewMessage } from '../../src/trainingPanelProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

/** What the page remembers about itself: form values, chart settings, overlaid runs. */
export interface PageState {
  form?: Record<string, string | boolean>;
  smoothing?: number;
  logScale?: boolean;
  overlays?: string[];
  /** The "Train on" control, once changed in this panel (until then the setting decides). */
  trainOn?: 'auto' | 'host' | 'page';
}

export function loadState(): PageState {
  const s = api.getState();
  return s && typeof s === 'object' ? (s as PageState) : {};
}

export function saveState(patch: Partial<PageState>): void {
  api.setState({ ...loadState(), ...patch });
}

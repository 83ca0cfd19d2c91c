/**
 * The training page's messages and remembered state, over the shared VS Code API handle.
 */
import type { WebviewMessage } from '../../src/trainingPanelProtocol';
import { vscodeApi } from '../shared/vscodeApi';

const api = vscodeApi<WebviewMessage>();

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

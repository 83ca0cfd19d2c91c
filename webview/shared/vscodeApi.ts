/**
 * The page's link to the extension host, for both pages. VS Code lets a page call
 * acquireVsCodeApi() only once, so the handle is taken on first use and kept; outside
 * VS Code (the plain-page tests) a stand-in may be installed on window before the script runs.
 */
export interface VsCodeApi<Out> {
  postMessage(message: Out): void;
  /** A small state VS Code keeps across hide/show and reloads. */
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown>;

let api: VsCodeApi<unknown> | undefined;

export function vscodeApi<Out>(): VsCodeApi<Out> {
  api ??= acquireVsCodeApi();
  return api as VsCodeApi<Out>;
}

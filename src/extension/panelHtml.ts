/**
 * The training panel's HTML shell. Kept free of the vscode module so its
 * Content-Security-Policy can be tested in plain Node.
 *
 * Training in the page runs in a Web Worker. VS Code serves the extension's files from
 * another origin than the page's, and a worker must be same-origin, so the page fetches
 * the worker's bundle (connect-src: the extension's folder only) and starts it from a
 * blob: URL (worker-src blob:). The worker inherits this policy, eval included: gpu.js
 * compiles its WebGL kernels to GLSL without eval, so none is granted.
 */
import { webviewPage } from './webviewHtml';

export interface PanelHtmlParts {
  /** webview.cspSource: the origin VS Code serves local resources from */
  cspSource: string;
  /** fresh per render: only scripts carrying it may run */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /** The in-page training worker's bundle (dist/webview/trainWorker.js); absent: the page cannot train itself. */
  workerUri?: string;
}

export function panelHtml(parts: PanelHtmlParts): string {
  const worker = parts.workerUri !== undefined;
  return webviewPage({
    ...parts,
    title: 'GradLens Training',
    body: '<div id="app" aria-live="off"><noscript>The training panel needs JavaScript.</noscript></div>',
    bodyData: worker ? { 'worker-src': parts.workerUri! } : {},
    csp: { worker },
  });
}

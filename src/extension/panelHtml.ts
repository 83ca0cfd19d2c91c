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
import { contentSecurityPolicy, escapeAttr } from './webviewHtml';

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
  const csp = contentSecurityPolicy(parts.cspSource, parts.nonce, { worker: parts.workerUri !== undefined });
  const worker = parts.workerUri !== undefined ? ` data-worker-src="${escapeAttr(parts.workerUri)}"` : '';
  const links = parts.styleUris.map((u) => `<link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${links}
    <title>GradLens Training</title>
  </head>
  <body${worker}>
    <div id="app" aria-live="off"><noscript>The training panel needs JavaScript.</noscript></div>
    <script nonce="${escapeAttr(parts.nonce)}" src="${escapeAttr(parts.scriptUri)}"></script>
  </body>
</html>`;
}

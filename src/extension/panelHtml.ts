/**
 * The training panel's HTML shell. Kept free of the vscode module so its
 * Content-Security-Policy can be tested in plain Node.
 *
 * The policy allows only what the page needs: its own bundled script (by nonce) and
 * stylesheets and images from the extension's folder (the page draws on canvases and needs
 * no data: URLs). Nothing remote, no inline styles, no eval.
 *
 * Training in the page runs in a Web Worker. VS Code serves the extension's files from
 * another origin than the page's, and a worker must be same-origin, so the page fetches
 * the worker's bundle (connect-src: the extension's folder only) and starts it from a
 * blob: URL (worker-src blob:). The worker inherits this policy, eval included: gpu.js
 * compiles its WebGL kernels to GLSL without eval, so none is granted.
 */
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

export function contentSecurityPolicy(cspSource: string, nonce: string, withWorker = false): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    ...(withWorker ? [`connect-src ${cspSource}`, 'worker-src blob:'] : []),
  ].join('; ');
}

export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(random() * chars.length)];
  return s;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function panelHtml(parts: PanelHtmlParts): string {
  const csp = contentSecurityPolicy(parts.cspSource, parts.nonce, parts.workerUri !== undefined);
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

/**
 * The one HTML shell, Content-Security-Policy and nonce for both webview pages (training
 * panel and gradient report). Kept free of the vscode module so the policy can be tested
 * in plain Node.
 *
 * The policy allows only what a page needs: its own bundled script (by nonce), stylesheets,
 * fonts and images from the extension's folder. Both pages draw on canvases, so no data:
 * images either. Nothing remote, no inline styles, no eval.
 */
import { randomBytes } from 'node:crypto';

export interface CspOptions {
  /**
   * The panel trains in a Web Worker. A worker must be same-origin, and VS Code serves the
   * extension's files from another origin, so the page fetches the bundle (connect-src) and
   * starts it from a blob: URL (worker-src blob:).
   */
  worker?: boolean;
}

export function contentSecurityPolicy(cspSource: string, nonce: string, options: CspOptions = {}): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    ...(options.worker ? [`connect-src ${cspSource}`, 'worker-src blob:'] : []),
  ].join('; ');
}

/** A nonce only guards scripts if the page cannot guess it: from the OS's CSPRNG, 144 bits. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export interface WebviewPageParts {
  /** webview.cspSource: the origin VS Code serves local resources from */
  cspSource: string;
  nonce: string;
  title: string;
  /** The page's bundle and stylesheets, as webview URIs. */
  scriptUri: string;
  styleUris: string[];
  /** The page's fixed markup inside <body>, written by the host (not escaped). */
  body: string;
  /** data-* attributes on <body> that tell the page's script where things are. */
  bodyData?: Record<string, string>;
  csp?: CspOptions;
}

export function webviewPage(parts: WebviewPageParts): string {
  const csp = contentSecurityPolicy(parts.cspSource, parts.nonce, parts.csp);
  const data = Object.entries(parts.bodyData ?? {})
    .map(([k, v]) => ` data-${k}="${escapeAttr(v)}"`)
    .join('');
  const links = parts.styleUris.map((u) => `<link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${links}
    <title>${escapeAttr(parts.title)}</title>
  </head>
  <body${data}>
    ${parts.body}
    <script nonce="${escapeAttr(parts.nonce)}" src="${escapeAttr(parts.scriptUri)}"></script>
  </body>
</html>`;
}

/**
 * The one Content-Security-Policy and nonce for both webview pages (training panel and
 * gradient report). Kept free of the vscode module so the policy can be tested in plain Node.
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

export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

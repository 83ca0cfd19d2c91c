/**
 * The training panel's HTML shell. Kept free of the vscode module so its
 * Content-Security-Policy can be tested in plain Node.
 *
 * The policy allows only what the page needs: its own bundled script (by nonce) and
 * stylesheets and images from the extension's folder (the page draws on canvases and needs
 * no data: URLs). Nothing remote, no inline styles, no eval.
 */
export interface PanelHtmlParts {
  /** webview.cspSource: the origin VS Code serves local resources from */
  cspSource: string;
  /** fresh per render: only scripts carrying it may run */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
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
  const csp = contentSecurityPolicy(parts.cspSource, parts.nonce);
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
  <body>
    <div id="app" aria-live="off"><noscript>The training panel needs JavaScript.</noscript></div>
    <script nonce="${escapeAttr(parts.nonce)}" src="${escapeAttr(parts.scriptUri)}"></script>
  </body>
</html>`;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelHtml } from '../../src/extension/panelHtml';
import { contentSecurityPolicy, makeNonce, webviewPage } from '../../src/extension/webviewHtml';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

const PAGES = {
  panel: (nonce: string) =>
    panelHtml({
      cspSource: CSP_SOURCE,
      nonce,
      scriptUri: `${CSP_SOURCE}/dist/webview/panel.js`,
      styleUris: [`${CSP_SOURCE}/dist/webview/panel.css`],
    }),
  report: (nonce: string) =>
    webviewPage({
      cspSource: CSP_SOURCE,
      nonce,
      title: 'Gradient Report',
      scriptUri: `${CSP_SOURCE}/dist/webview/report.js`,
      styleUris: [`${CSP_SOURCE}/dist/webview/report.css`],
      body: '<main id="root"></main>',
    }),
};

for (const [name, page] of Object.entries(PAGES)) {
  test(`the ${name} page allows only its own nonce-tagged script and local styles; nothing remote, nothing inline`, () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9_-]{24}$/);
    const html = page(nonce);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    assert.equal(csp, contentSecurityPolicy(CSP_SOURCE, nonce));
    assert.match(csp!, /default-src 'none'/);
    assert.match(csp!, new RegExp(`script-src 'nonce-${nonce}'`));
    assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval|\*/);
    // Every script carries the nonce, and every URL is the webview's own.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.equal(scripts.length, 1);
    assert.ok(scripts.every((s) => s.includes(`nonce="${nonce}"`)));
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.ok(url.startsWith(CSP_SOURCE), url);
    assert.doesNotMatch(html, /style="/);
  });
}

test('what the host writes into attributes cannot close them', () => {
  const html = panelHtml({
    cspSource: CSP_SOURCE,
    nonce: 'n',
    scriptUri: `${CSP_SOURCE}/p.js`,
    styleUris: [],
    workerUri: `${CSP_SOURCE}/w.js"><script>alert(1)</script>`,
  });
  assert.match(html, /<body data-worker-src="[^"]*&quot;>&lt;script>alert\(1\)&lt;\/script>">/);
  assert.equal([...html.matchAll(/<script/g)].length, 1);
});

test('two renders get different nonces, from crypto rather than Math.random', () => {
  const random = Math.random;
  Math.random = () => 0.5;
  try {
    assert.notEqual(makeNonce(), makeNonce());
  } finally {
    Math.random = random;
  }
});

test('the report and the panel share one policy; only the panel may start a worker', () => {
  const nonce = makeNonce();
  const report = contentSecurityPolicy(CSP_SOURCE, nonce);
  assert.doesNotMatch(report, /worker-src|connect-src|data:/);
  assert.equal(contentSecurityPolicy(CSP_SOURCE, nonce, { worker: true }), `${report}; connect-src ${CSP_SOURCE}; worker-src blob:`);
});

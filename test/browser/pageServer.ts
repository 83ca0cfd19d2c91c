/**
 * A local origin that serves a webview page the way VS Code does, for the tests that run
 * the pages in Chromium outside VS Code: '/' is the page's HTML, built for this origin as
 * the host builds it for the webview's (so the page runs under its real policy), and any
 * other name is a file of dist/webview/.
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

export async function servePage(html: (origin: string) => string): Promise<PageServer> {
  let origin = '';
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0];
    if (name === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html(origin));
      return;
    }
    // Only plain names: a request cannot climb out of dist/webview/.
    const file = join('dist/webview', name.replace(/[^a-zA-Z0-9_.-]/g, ''));
    // The browser's own favicon request gets an empty answer, not a 404 in the page's console.
    if (name === '/favicon.ico' || !existsSync(file)) {
      res.writeHead(name === '/favicon.ico' ? 204 : 404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': name.endsWith('.css') ? 'text/css' : 'text/javascript' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { origin, close: () => new Promise((r) => server.close(() => r())) };
}

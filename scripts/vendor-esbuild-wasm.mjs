// Copies the parts of esbuild-wasm that the sandbox loads at run time (its in-process
// browser build and the wasm) to dist/node_modules/, so the .vsix, packaged without
// node_modules, still bundles users' layer files. Node resolves `esbuild-wasm` from
// dist/sandboxWorker.js to that folder first.
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const from = 'node_modules/esbuild-wasm';
const to = 'dist/node_modules/esbuild-wasm';
const files = ['package.json', 'LICENSE.md', 'lib/browser.js', 'esbuild.wasm'];
for (const file of files) {
  const source = join(from, file);
  if (!existsSync(source)) throw new Error(`vendor-esbuild-wasm: ${source} is missing; run npm ci`);
  mkdirSync(dirname(join(to, file)), { recursive: true });
  copyFileSync(source, join(to, file));
}
console.log(`copied esbuild-wasm (${files.length} files) to ${to}`);

// One build script for every bundle GradLens ships or tests.
// Entries whose source file is absent are skipped, so a partial tree still builds.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, statSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { compileKernels } from './kernels/compile.mjs';

const watch = process.argv.includes('--watch');
// `import wasmBytes from 'gradlens:simd-kernels'` gets the AssemblyScript kernels
// (kernels/simd.ts and kernels/simd/) compiled to WebAssembly and embedded as bytes;
// 'gradlens:simd-kernels-relaxed' the same source built with relaxed SIMD.
const simdKernels = {
  name: 'simd-kernels',
  setup(build) {
    build.onResolve({ filter: /^gradlens:simd-kernels(-relaxed)?$/ }, (args) => ({ path: args.path, namespace: 'simd-kernels' }));
    build.onLoad({ filter: /.*/, namespace: 'simd-kernels' }, async (args) => ({
      contents: await compileKernels('simd', args.path.endsWith('-relaxed') ? 'simd-relaxed' : 'simd'),
      loader: 'binary',
      watchFiles: [
        join(process.cwd(), 'kernels', 'simd.ts'),
        ...readdirSync(join(process.cwd(), 'kernels', 'simd')).map((f) => join(process.cwd(), 'kernels', 'simd', f)),
      ],
    }));
  },
};
// `import wasmBytes from 'gradlens:f64-kernels'` gets the float64 GEMM (kernels/f64.ts) the same way.
const f64Kernels = {
  name: 'f64-kernels',
  setup(build) {
    build.onResolve({ filter: /^gradlens:f64-kernels$/ }, (args) => ({ path: args.path, namespace: 'f64-kernels' }));
    build.onLoad({ filter: /.*/, namespace: 'f64-kernels' }, async () => ({
      contents: await compileKernels('f64'),
      loader: 'binary',
      watchFiles: [join(process.cwd(), 'kernels', 'f64.ts')],
    }));
  },
};
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', target: 'es2022', plugins: [simdKernels, f64Kernels] };
const nodeCjs = { ...common, platform: 'node', format: 'cjs', external: ['vscode', 'esbuild-wasm', 'playwright-core'] };

const targets = [
  // The extension host entry (VS Code loads it with require).
  { entry: 'src/extension/extension.ts', out: 'dist/extension.js', ...nodeCjs },
  // The command-line tool.
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', ...nodeCjs, banner: { js: '#!/usr/bin/env node' } },
  // The public engine API: what `import ... from 'gradlens'` resolves to in a user's layer file.
  { entry: 'src/api.ts', out: 'dist/gradlens.js', ...nodeCjs },
  // Worker threads: user code sandbox and training.
  { entry: 'src/layers/sandboxWorker.ts', out: 'dist/sandboxWorker.js', ...nodeCjs },
  // The thread that checks Python layers (the worker script itself is copied below).
  { entry: 'src/layers/python/checkThread.ts', out: 'dist/pythonCheck.js', ...nodeCjs },
  { entry: 'src/training/trainWorker.ts', out: 'dist/trainWorker.js', ...nodeCjs },
  { entry: 'src/engine/backends/cpuWorker.ts', out: 'dist/cpuWorker.js', ...nodeCjs },
  // Benchmarks.
  { entry: 'bench/bench.ts', out: 'dist/bench.js', ...nodeCjs },
  // Webview pages (browser).
  { entry: 'webview/panel/main.ts', out: 'dist/webview/panel.js', ...common, platform: 'browser', format: 'iife' },
  { entry: 'webview/report/main.ts', out: 'dist/webview/report.js', ...common, platform: 'browser', format: 'iife' },
  {
    entry: 'webview/browserEngine.ts',
    out: 'dist/webview/engine.js',
    ...common,
    platform: 'browser',
    format: 'iife',
    globalName: 'GradLensEngine',
  },
  // The panel's in-page trainer: a Web Worker (gpu.js on an OffscreenCanvas).
  { entry: 'webview/panel/trainWorker.ts', out: 'dist/webview/trainWorker.js', ...common, platform: 'browser', format: 'iife' },
  // The VS Code integration suite's run() entry point.
  { entry: 'test/vscode/index.ts', out: 'out/test/vscode/index.js', ...nodeCjs },
];

// Every test/**/*.test.ts becomes out/test/**/*.test.js for `node --test`.
function collectTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'vscode' || name === 'fixtures' ? [] : collectTests(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}
for (const t of collectTests('test')) {
  targets.push({ entry: t, out: join('out', relative('.', t)).replace(/\.ts$/, '.js'), ...nodeCjs });
}

const builds = targets
  .filter((t) => existsSync(t.entry))
  .map(({ entry, out, ...opts }) => {
    mkdirSync(dirname(out), { recursive: true });
    return { entryPoints: [entry], outfile: out, ...opts };
  });

// The Python worker runs as it is, beside the bundles.
mkdirSync('dist/python', { recursive: true });
copyFileSync('src/layers/python/worker.py', 'dist/python/worker.py');

// Static webview assets (uPlot's stylesheet) ship beside the bundles.
const uplotCss = 'node_modules/uplot/dist/uPlot.min.css';
if (existsSync(uplotCss)) {
  mkdirSync('dist/webview', { recursive: true });
  copyFileSync(uplotCss, 'dist/webview/uPlot.min.css');
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`built ${builds.length} bundles in ${Date.now() - started} ms`);
  // The types of `import ... from 'gradlens'` for users' editors (TypeScript's compiler, so only here).
  const { buildTypes } = await import('./scripts/build-types.mjs');
  const types = buildTypes();
  console.log(`wrote ${types.file} (${types.modules} modules) in ${types.ms} ms`);
}

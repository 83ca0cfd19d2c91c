// The gpu.js backend in headless Chromium: every kernel on WebGL2 (SwiftShader,
// a software GPU, here and in CI) against the float64 reference, the probe's
// renderer report, texture hygiene, and the engine training on the GPU path.
// Loads the page bundle dist/webview/engine.js exactly as the panel does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type * as EngineBundle from '../../webview/browserEngine';
import { requireOrSkip } from '../helpers/requireOrSkip';

const CHROMIUM = process.env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium';
const BUNDLE = 'dist/webview/engine.js';
const skip =
  requireOrSkip(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), "install Debian's chromium, or set GRADLENS_CHROMIUM") ||
  requireOrSkip(BUNDLE, existsSync(BUNDLE), 'run node esbuild.mjs first');

declare global {
  interface Window {
    GradLensEngine: typeof EngineBundle;
    liveGlTextures: number;
  }
}

let browser: Browser | null = null;
let page: Page;

before(async () => {
  if (skip) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // SwiftShader gives WebGL2 (and a WebGPU adapter) without a GPU; the sandbox
    // flags let Chromium start as root in containers.
    args: [
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan',
      '--no-sandbox',
      '--disable-gpu-sandbox',
    ],
  });
  page = await browser.newPage();
  // A made-up https origin, served from here: WebGPU exists only in secure contexts.
  // Its policy forbids eval, as the panel's webview does: the GL path must not need it.
  await page.route('https://gradlens.test/**', (route) =>
    route.fulfill({
      body: '<!doctype html><html><body></body></html>',
      contentType: 'text/html',
      headers: { 'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'" },
    }),
  );
  await page.goto('https://gradlens.test/');
  // Count live WebGL textures before gpu.js makes any, to see that none leak.
  await page.evaluate(() => {
    window.liveGlTextures = 0;
    const proto = WebGL2RenderingContext.prototype;
    const create = proto.createTexture,
      remove = proto.deleteTexture;
    proto.createTexture = function () {
      window.liveGlTextures++;
      return create.call(this);
    };
    proto.deleteTexture = function (t) {
      if (t) window.liveGlTextures--;
      return remove.call(this, t);
    };
  });
  await page.addScriptTag({ content: readFileSync(BUNDLE, 'utf8') });
});

after(async () => {
  await browser?.close();
});

test("the page bundle carries gpu.js's browser build and nothing that needs Node", {
  skip: requireOrSkip(BUNDLE, existsSync(BUNDLE), 'run node esbuild.mjs first'),
}, () => {
  const text = readFileSync(BUNDLE, 'utf8');
  // esbuild marks each bundled module with its path.
  assert.match(text, /node_modules\/gpu\.js\/dist\/gpu-browser\.js/);
  assert.doesNotMatch(text, /node_modules\/gpu\.js\/src\//, 'the Node build (which pulls in headless-gl) was bundled');
  assert.doesNotMatch(text, /\brequire\("/, 'the page bundle requires a Node module');
});

test('the probe finds WebGL2, reads the renderer string and recommends the CPU path on SwiftShader', { skip }, async (t) => {
  const probe = await page.evaluate(async () => {
    const E = window.GradLensEngine;
    const choice = await E.chooseGpuBackend(E.GpuJs);
    const { backend, ...rest } = choice;
    const description = backend.description;
    backend.dispose();
    return { ...rest, description };
  });
  t.diagnostic(`renderer: ${probe.renderer}`);
  t.diagnostic(`WebGPU adapter: ${probe.webgpuAdapter}`);
  t.diagnostic(`reason: ${probe.reason}`);
  assert.equal(probe.mode, 'webgl2');
  assert.equal(probe.api, 'WebGL2');
  assert.match(probe.renderer ?? '', /SwiftShader/i);
  assert.equal(probe.software, true);
  assert.equal(probe.recommended, 'cpu');
  assert.match(probe.reason, /SwiftShader/);
  assert.match(probe.label, /^WebGL2, ANGLE/);
  assert.match(probe.description, /^gpu\.js WebGL2, ANGLE/);
  // With these flags Chromium offers SwiftShader's WebGPU adapter too.
  assert.match(probe.webgpuAdapter ?? '', /swiftshader/i);
});

test('every gpu.js kernel on WebGL2 matches the float64 reference within 1e-4, and leaves no texture behind', { skip }, async (t) => {
  const run = await page.evaluate(async () => {
    const E = window.GradLensEngine;
    const { backend } = await E.chooseGpuBackend(E.GpuJs, { skipWebGpu: true });
    const first = E.checkGpuKernels(backend, { seed: 11 });
    const texturesAfterFirst = window.liveGlTextures;
    // Same shapes again: cached kernels, and the pipeline textures of the first round gone.
    const second = E.checkGpuKernels(backend, { seed: 12 });
    const out = {
      results: [...first, ...second],
      compiled: backend.compiledKernels(),
      liveTextures: backend.stats.liveTextures,
      texturesAfterFirst,
      texturesAfterSecond: window.liveGlTextures,
    };
    backend.dispose();
    return out;
  });
  const bad = run.results.filter((r) => !r.ok);
  for (const r of run.results.slice(0, run.results.length / 2)) {
    t.diagnostic(`${r.kernel} [${r.detail}] error ${r.error.toExponential(2)} in ${r.ms.toFixed(0)} ms`);
  }
  // Two rounds of gemm x8 and conv x9.
  assert.equal(run.results.length, 34);
  assert.deepEqual(
    bad.map((r) => `${r.kernel} [${r.detail}]: ${r.error}`),
    [],
  );
  // No kernel silently degraded to gpu.js's JavaScript kernel.
  assert.deepEqual(
    run.compiled.filter((k) => k.runsOn !== 'WebGL2Kernel' || k.fallbackReason),
    [],
  );
  assert.equal(run.liveTextures, 0);
  assert.equal(run.texturesAfterSecond, run.texturesAfterFirst, 'WebGL textures grew over a second round of the same kernels');
});

test('flat indices decode exactly across a full 4M-cell WebGL2 launch', { skip }, async () => {
  const wrong = await page.evaluate(async () => {
    const E = window.GradLensEngine;
    const { backend } = await E.chooseGpuBackend(E.GpuJs, { skipWebGpu: true });
    // An outer product a bᵀ with a = row numbers, b = column numbers: every cell
    // says where it landed, exactly (products stay below 2^24).
    const m = 4100,
      n = 1023;
    const a = Float32Array.from({ length: m }, (_, i) => i),
      b = Float32Array.from({ length: n }, (_, j) => j + 1);
    const c = new Float32Array(m * n);
    backend.gemm({ a, b, c, m, n, k: 1, transA: false, transB: false });
    let bad = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) if (c[i * n + j] !== i * (j + 1)) bad++;
    backend.dispose();
    return bad;
  });
  assert.equal(wrong, 0);
});

test('the engine trains on the GPU path in the page: a float32 conv net step matches float64', { skip }, async () => {
  const run = await page.evaluate(async () => {
    const E = window.GradLensEngine;
    const use = await E.useGpuIfWorthwhile({ force: 'gpu', skipWebGpu: true });
    const active = E.getActiveBackend().description;
    const step = (dtype: 'float32' | 'float64') => {
      const x = E.randn([2, 3, 8, 8], { seed: 1 }).to(dtype);
      const w = E.randn([4, 3, 3, 3], { seed: 2 }).to(dtype).requiresGrad_();
      const fc = E.randn([5, 64], { seed: 3 }).to(dtype).requiresGrad_();
      const y = E.F.maxPool2d(E.F.conv2d(x, w, null, { padding: 1 }).relu(), { kernelSize: 2 });
      const logits = E.F.linear(y.reshape([2, 64]), fc);
      const loss = E.F.softmax(logits, 1).square().sum();
      loss.backward();
      return [loss.item(), Array.from(w.grad!.data), Array.from(fc.grad!.data)] as const;
    };
    const [l32, w32, fc32] = step('float32');
    const [l64, w64, fc64] = step('float64');
    const out: Record<string, unknown> & { loss: number[]; w: number; fc: number } = {
      using: use.using,
      label: use.label,
      active,
      loss: [l32, l64],
      w: E.normwiseError(w32, w64),
      fc: E.normwiseError(fc32, fc64),
    };
    E.setBackend(E.referenceBackend);
    use.backend!.dispose();
    // Without `force`, SwiftShader keeps the CPU path and the probe's backend is let go.
    const auto = await E.useGpuIfWorthwhile({ skipWebGpu: true });
    Object.assign(out, { autoUsing: auto.using, autoBackend: auto.backend, stillReference: E.getActiveBackend() === E.referenceBackend });
    return out;
  });
  assert.equal(run.using, 'gpu');
  assert.match(run.active as string, /^gpu\.js WebGL2/);
  assert.equal(run.autoUsing, 'cpu');
  assert.equal(run.autoBackend, null);
  assert.equal(run.stillReference, true);
  assert.ok(Math.abs(run.loss[0] - run.loss[1]) <= 1e-4 * Math.abs(run.loss[1]), `loss ${run.loss[0]} vs ${run.loss[1]}`);
  assert.ok(run.w < 1e-4, `conv weight gradient error ${run.w}`);
  assert.ok(run.fc < 1e-4, `linear weight gradient error ${run.fc}`);
});

test('gemmAsync on gpu.js WebGPU matches the float64 reference (where an adapter answers)', { skip }, async (t) => {
  const run = await page.evaluate(async () => {
    const E = window.GradLensEngine;
    const adapter = await E.webGpuAdapter();
    if (!adapter) return { adapter, errors: [] as number[], mode: '' };
    const backend = new E.GpuJsBackend(new E.GpuJs({ mode: 'webgpu' }));
    const errors: number[] = [];
    const [m, n, k] = [33, 20, 41];
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7));
      const got = new Float32Array(m * n);
      await backend.gemmAsync({ a, b, c: got, m, n, k, transA, transB });
      const ref = new Float64Array(m * n);
      E.referenceBackend.gemm({ a: Float64Array.from(a), b: Float64Array.from(b), c: ref, m, n, k, transA, transB });
      errors.push(E.normwiseError(got, ref));
    }
    const mode = backend.mode;
    backend.dispose();
    return { adapter, errors, mode };
  });
  if (!run.adapter) {
    t.skip('no WebGPU adapter in this Chromium');
    return;
  }
  t.diagnostic(`WebGPU adapter: ${run.adapter}; errors ${run.errors.map((e) => e.toExponential(2)).join(', ')}`);
  assert.equal(run.mode, 'webgpu');
  assert.equal(run.errors.length, 4);
  for (const e of run.errors) assert.ok(e < 1e-4, `error ${e}`);
});

// Parity of the gpu.js kernels with the float64 reference in Node, where gpu.js
// has no GL context and runs WebAssembly (SIMD) or plain JavaScript. The same
// self-check runs on WebGL2 in headless Chromium (test/browser/gpujs.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPU } from 'gpu.js';
import { chooseGpuBackend, checkGpuKernels, GpuJsBackend, type GpuJsConstructor, type KernelParity } from '../../src/engine/backends/gpujs';
import { F, type Tensor, getActiveBackend, randn, setBackend } from '../../src/engine';

const GPUClass = GPU as unknown as GpuJsConstructor;

function failures(results: KernelParity[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `${r.kernel} [${r.detail}]: error ${r.error.toExponential(2)}`)
    .join('\n');
}

for (const mode of ['webasm', 'cpu'] as const) {
  test(`gpu.js ${mode}: every kernel matches the float64 reference within 1e-4`, () => {
    const backend = new GpuJsBackend(new GPUClass({ mode }));
    try {
      assert.equal(backend.mode, mode);
      const results = checkGpuKernels(backend);
      // gemm x8 (transposes x accumulate), conv x9 (3 kernels x 3 shapes)
      assert.equal(results.length, 17);
      assert.equal(failures(results), '');
      assert.equal(backend.stats.liveTextures, 0);
      // No kernel silently degraded to another gpu.js kernel class.
      const expected = mode === 'webasm' ? 'WebAssemblyKernel' : 'CPUKernel';
      assert.deepEqual(
        backend.compiledKernels().filter((k) => k.runsOn !== expected || k.fallbackReason),
        [],
      );
    } finally {
      backend.dispose();
    }
  });
}

test('gpu.js gemm splits tall outputs into row blocks that share one kernel', () => {
  const backend = new GpuJsBackend(new GPUClass({ mode: 'webasm' }), { maxLaunchCells: 64 });
  try {
    const gemm = checkGpuKernels(backend, { only: ['gemm'] });
    assert.equal(gemm.length, 8);
    assert.equal(failures(gemm), '');
    // 37 rows of 29 go in 18 blocks of 2 and a tail of 1: two compiled sizes per
    // gemm variant (plain and accumulating, 4 transpose combinations), not 19.
    assert.equal(backend.compiledKernels().filter((k) => k.key.startsWith('gemm|')).length, 2 * 2 * 4);
    assert.throws(
      () =>
        backend.gemm({
          a: new Float32Array(64),
          b: new Float32Array(64),
          c: new Float32Array(64),
          m: 1,
          n: 64,
          k: 1,
          transA: false,
          transB: false,
        }),
      /gemm: rows of 64 columns exceed one launch/,
    );
  } finally {
    backend.dispose();
  }
});

test('gpu.js kernels are compiled once per shape and reused', () => {
  const backend = new GpuJsBackend(new GPUClass({ mode: 'webasm' }));
  try {
    const a = new Float32Array(12).fill(1),
      b = new Float32Array(12).fill(2);
    const c = new Float32Array(9);
    backend.gemm({ a, b, c, m: 3, n: 3, k: 4, transA: false, transB: false });
    backend.gemm({ a, b, c, m: 3, n: 3, k: 4, transA: false, transB: false });
    assert.equal(backend.stats.kernels, 1);
    assert.deepEqual([...c], new Array(9).fill(8));
    backend.gemm({ a, b, c: new Float32Array(16), m: 4, n: 4, k: 3, transA: false, transB: false });
    assert.equal(backend.stats.kernels, 2);
  } finally {
    backend.dispose();
  }
});

// backendFor is the engine's one float64 guard; a float64 array that reaches the
// backend anyway is a bypass, refused rather than computed in float32.
test('gpu.js backend refuses float64 storage with a message naming the argument and the guard', () => {
  const backend = new GpuJsBackend(new GPUClass({ mode: 'cpu' }));
  try {
    assert.throws(
      () =>
        backend.gemm({
          a: new Float64Array(4),
          b: new Float32Array(4),
          c: new Float32Array(4),
          m: 2,
          n: 2,
          k: 2,
          transA: false,
          transB: false,
        }),
      /gemm: a must be float32 storage, got Float64Array; .*backendFor/,
    );
    const g = { n: 1, c: 1, h: 3, w: 3, o: 1, kh: 3, kw: 3, stride: 1, padding: 0, oh: 1, ow: 1 };
    const c = new Float32Array(1);
    assert.throws(
      () => backend.conv2dForward(new Float32Array(9), new Float32Array(9), new Float64Array(1), g),
      /conv2dForward: out must be float32 storage, got Float64Array/,
    );
    assert.throws(
      () => backend.conv2dBackwardWeight(new Float64Array(9), c, new Float32Array(9), g),
      /conv2dBackwardWeight: x must be float32 storage/,
    );
    assert.throws(
      () => backend.conv2dBackwardInput(c, new Float32Array(9), new Float64Array(9), g),
      /conv2dBackwardInput: gx must be float32 storage/,
    );
  } finally {
    backend.dispose();
  }
});

test('gpu.js backend under the engine: float32 conv2d and both of its gradients match float64', () => {
  const backend = new GpuJsBackend(new GPUClass({ mode: 'webasm' }));
  const previous = setBackend(backend);
  try {
    const x64 = randn([2, 3, 6, 6], { seed: 1 }),
      w64 = randn([4, 3, 3, 3], { seed: 2 });
    const run = (dtype: 'float32' | 'float64') => {
      const x = x64.to(dtype),
        w = w64.to(dtype);
      x.requiresGrad = true;
      w.requiresGrad = true;
      const y = F.conv2d(x, w, null, { padding: 1 });
      y.square().sum().backward();
      return [y, x.grad!, w.grad!] as Tensor[];
    };
    const got = run('float32'),
      ref = run('float64');
    assert.equal(getActiveBackend(), backend);
    for (let i = 0; i < got.length; i++) {
      const g = got[i].data,
        r = ref[i].data;
      let diff = 0,
        scale = 0;
      for (let j = 0; j < r.length; j++) {
        diff = Math.max(diff, Math.abs(g[j] - r[j]));
        scale = Math.max(scale, Math.abs(r[j]));
      }
      assert.ok(diff / scale < 1e-4, `output ${i}: relative error ${diff / scale}`);
    }
  } finally {
    setBackend(previous);
    backend.dispose();
  }
});

test('chooseGpuBackend in Node reports WebAssembly and recommends the CPU path, saying why', async () => {
  const choice = await chooseGpuBackend(GPUClass);
  try {
    assert.equal(choice.mode, 'webasm');
    assert.equal(choice.recommended, 'cpu');
    assert.equal(choice.renderer, null);
    assert.match(choice.reason, /No WebGL context/);
    assert.match(choice.backend.description, /WebAssembly/);
  } finally {
    choice.backend.dispose();
  }
});

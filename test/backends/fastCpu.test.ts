// Parity of the fast CPU kernels with the float64 reference backend.
//
// Tolerance: float32 rounding in a dot product grows with the magnitude of its
// terms, not of its (possibly cancelling) sum, so each output element must
// satisfy |fast - exact| <= 1e-4 * Σ|terms| (the same sum over |a|·|b|). For the
// longest reductions here (k = 2048) the expected error is ~sqrt(k)·6e-8 ≈ 3e-6
// of that scale, so 1e-4 still catches any wrong index or dropped term.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../../src/engine/backend';
import type { Backend, Conv2dGeometry } from '../../src/engine/backend';
import { createFastCpuBackend, createBlockedJsBackend, type FastCpuBackend } from '../../src/engine/backends';
import { Rng } from '../../src/engine/rng';

const RTOL = 1e-4;
const rng = new Rng(1234);

function randomF32(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}
const f64 = (x: Float32Array) => Float64Array.from(x);
const abs64 = (x: Float32Array) => Float64Array.from(x, Math.abs);

function assertClose(what: string, fast: Float32Array, exact: Float64Array, scale: Float64Array): void {
  assert.equal(fast.length, exact.length, `${what}: length`);
  for (let i = 0; i < exact.length; i++) {
    const err = Math.abs(fast[i] - exact[i]);
    if (!(err <= RTOL * scale[i] + 1e-30)) {
      assert.fail(
        `${what}: element ${i} is ${fast[i]}, reference ${exact[i]} (|err| ${err.toExponential(2)} > ${RTOL} * ${scale[i].toExponential(2)})`,
      );
    }
  }
}

const single = createFastCpuBackend({ threads: 1 });
const threaded = createFastCpuBackend({ threads: 2 });
// More threads than this machine may have, and than some jobs have chunks: a thread that finds no work must not disturb the result.
const three = createFastCpuBackend({ threads: 3 });
const blocked = createBlockedJsBackend();
after(() => {
  for (const b of [single, threaded, three]) (b as FastCpuBackend).dispose?.();
});

function checkGemm(backend: Backend, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  const a = randomF32(m * k),
    b = randomF32(k * n),
    c0 = randomF32(m * n);
  const exact = accumulate ? f64(c0) : new Float64Array(m * n);
  referenceBackend.gemm({ a: f64(a), b: f64(b), c: exact, m, n, k, transA, transB, accumulate });
  const scale = accumulate ? abs64(c0) : new Float64Array(m * n);
  referenceBackend.gemm({ a: abs64(a), b: abs64(b), c: scale, m, n, k, transA, transB, accumulate });
  const c = Float32Array.from(c0);
  backend.gemm({ a, b, c, m, n, k, transA, transB, accumulate });
  assertClose(`${backend.name} gemm ${m}x${n}x${k} transA=${transA} transB=${transB} accumulate=${accumulate}`, c, exact, scale);
}

// Sizes cross every blocking edge of the kernels: partial 4x8 tiles, k beyond
// KC = 256, m beyond MC = 128, n beyond NC = 512; the larger ones exceed the
// threshold at which work is split across threads (by rows when m >= n, else by columns).
const GEMM_SIZES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 5, 3],
  [4, 8, 16],
  [37, 45, 300],
  [129, 67, 260],
  [33, 600, 70],
  [13, 9, 0],
];

for (const [name, backend] of [
  ['single-threaded', single],
  ['two threads', threaded],
  ['three threads', three],
] as const) {
  test(`fast CPU gemm (${name}) matches the reference for every transpose combination`, () => {
    for (const [m, n, k] of GEMM_SIZES) {
      for (const transA of [false, true]) for (const transB of [false, true]) checkGemm(backend, m, n, k, transA, transB, false);
    }
  });
  test(`fast CPU gemm (${name}) accumulates into C`, () => {
    for (const [m, n, k] of GEMM_SIZES) checkGemm(backend, m, n, k, m % 2 === 1, n % 2 === 0, true);
  });
}

test('blocked JavaScript gemm matches the reference', () => {
  for (const [m, n, k] of GEMM_SIZES) {
    for (const transA of [false, true]) for (const transB of [false, true]) checkGemm(blocked, m, n, k, transA, transB, k % 2 === 1);
  }
});

test('fast CPU gemm reads and writes through subarray views only', () => {
  const m = 9,
    n = 11,
    k = 13;
  const bigA = randomF32(m * k + 10),
    bigB = randomF32(k * n + 6),
    bigC = randomF32(m * n + 8);
  const before = Float32Array.from(bigC);
  const a = bigA.subarray(5, 5 + m * k),
    b = bigB.subarray(3, 3 + k * n),
    c = bigC.subarray(4, 4 + m * n);
  threaded.gemm({ a, b, c, m, n, k, transA: false, transB: true });
  const exact = new Float64Array(m * n),
    scale = new Float64Array(m * n);
  referenceBackend.gemm({ a: f64(a), b: f64(b), c: exact, m, n, k, transA: false, transB: true });
  referenceBackend.gemm({ a: abs64(a), b: abs64(b), c: scale, m, n, k, transA: false, transB: true });
  assertClose('subarray gemm', c, exact, scale);
  assert.deepEqual([...bigC.subarray(0, 4)], [...before.subarray(0, 4)], 'bytes before the view untouched');
  assert.deepEqual([...bigC.subarray(4 + m * n)], [...before.subarray(4 + m * n)], 'bytes after the view untouched');
});

test('fast CPU backend refuses more threads than its control block holds', () => {
  assert.throws(() => createFastCpuBackend({ threads: 64 }), /at most 7 workers/);
});

test('fast CPU gemm rejects buffers smaller than the shapes', () => {
  assert.throws(
    () =>
      single.gemm({
        a: new Float32Array(5),
        b: new Float32Array(6),
        c: new Float32Array(6),
        m: 2,
        n: 3,
        k: 3,
        transA: false,
        transB: false,
      }),
    /buffers too small/,
  );
});

// ---- convolution: a direct float64 loop nest is the oracle ----

function geometry(
  n: number,
  c: number,
  h: number,
  w: number,
  o: number,
  kh: number,
  kw: number,
  stride: number,
  padding: number,
): Conv2dGeometry {
  const oh = Math.floor((h - kh + 2 * padding) / stride) + 1,
    ow = Math.floor((w - kw + 2 * padding) / stride) + 1;
  return { n, c, h, w, o, kh, kw, stride, padding, oh, ow };
}

/** Visits every (output, weight, input) index triple of the convolution. */
function eachTap(g: Conv2dGeometry, visit: (yi: number, wi: number, xi: number) => void): void {
  for (let s = 0; s < g.n; s++)
    for (let o = 0; o < g.o; o++)
      for (let p = 0; p < g.oh; p++)
        for (let q = 0; q < g.ow; q++) {
          const yi = ((s * g.o + o) * g.oh + p) * g.ow + q;
          for (let c = 0; c < g.c; c++)
            for (let i = 0; i < g.kh; i++)
              for (let j = 0; j < g.kw; j++) {
                const ih = p * g.stride + i - g.padding,
                  iw = q * g.stride + j - g.padding;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                visit(yi, ((o * g.c + c) * g.kh + i) * g.kw + j, ((s * g.c + c) * g.h + ih) * g.w + iw);
              }
        }
}

const CONV_GEOMETRIES: Conv2dGeometry[] = [
  geometry(3, 3, 9, 7, 5, 3, 3, 1, 1), // the trainer's case: 3x3, stride 1, pad 1, odd sizes
  geometry(2, 4, 10, 11, 6, 3, 3, 2, 0), // strided, unpadded
  geometry(2, 3, 8, 9, 5, 2, 3, 2, 2), // rectangular kernel, padding wider than the kernel reach
  geometry(3, 8, 5, 6, 7, 1, 1, 1, 0), // pointwise: input used as the column matrix directly
  geometry(1, 5, 6, 6, 9, 5, 5, 1, 2), // one image (nothing to split across threads)
  geometry(8, 16, 12, 12, 32, 3, 3, 1, 1), // large enough to be split across threads
  geometry(2, 16, 12, 12, 32, 3, 3, 1, 1), // split, but fewer images than three threads
];

for (const [name, backend] of [
  ['single-threaded', single],
  ['two threads', threaded],
  ['three threads', three],
] as const) {
  test(`fast CPU conv2d forward and both backward passes (${name}) match a direct float64 convolution`, () => {
    for (const g of CONV_GEOMETRIES) {
      const label = `conv n${g.n} c${g.c} ${g.h}x${g.w} o${g.o} k${g.kh}x${g.kw} s${g.stride} p${g.padding}`;
      const xs = g.n * g.c * g.h * g.w,
        ws = g.o * g.c * g.kh * g.kw,
        ys = g.n * g.o * g.oh * g.ow;
      const x = randomF32(xs),
        w = randomF32(ws),
        gy = randomF32(ys);
      const y = new Float64Array(ys),
        ySc = new Float64Array(ys);
      const gx = new Float64Array(xs),
        gxSc = new Float64Array(xs);
      const gw = new Float64Array(ws),
        gwSc = new Float64Array(ws);
      eachTap(g, (yi, wi, xi) => {
        y[yi] += w[wi] * x[xi];
        ySc[yi] += Math.abs(w[wi] * x[xi]);
        gx[xi] += w[wi] * gy[yi];
        gxSc[xi] += Math.abs(w[wi] * gy[yi]);
        gw[wi] += x[xi] * gy[yi];
        gwSc[wi] += Math.abs(x[xi] * gy[yi]);
      });
      const fy = new Float32Array(ys).fill(NaN),
        fgx = new Float32Array(xs).fill(NaN),
        fgw = new Float32Array(ws).fill(NaN);
      backend.conv2dForward!(x, w, fy, g);
      backend.conv2dBackwardInput!(gy, w, fgx, g);
      backend.conv2dBackwardWeight!(x, gy, fgw, g);
      assertClose(`${label} forward`, fy, y, ySc);
      assertClose(`${label} input gradient`, fgx, gx, gxSc);
      assertClose(`${label} weight gradient`, fgw, gw, gwSc);
    }
  });
}

test("the weight gradient summed from several chunks' partials matches the reference, bit for bit on every call", () => {
  // Threads claim chunks of images as they go, so which thread computes which chunk
  // changes from call to call; each chunk has its own partial, added in chunk order,
  // so the float32 result must not change with the timing.
  const g = geometry(8, 16, 12, 12, 32, 3, 3, 1, 1);
  const x = randomF32(g.n * g.c * g.h * g.w),
    gy = randomF32(g.n * g.o * g.oh * g.ow);
  const gw = new Float64Array(g.o * g.c * 9),
    gwSc = new Float64Array(gw.length);
  eachTap(g, (yi, wi, xi) => {
    gw[wi] += x[xi] * gy[yi];
    gwSc[wi] += Math.abs(x[xi] * gy[yi]);
  });
  const fast = threaded as FastCpuBackend;
  let first: Float32Array | null = null;
  for (let attempt = 0; attempt < 30; attempt++) {
    const fgw = new Float32Array(gw.length);
    fast.conv2dBackwardWeight(x, gy, fgw, g);
    const chunks = fast.lastChunkCounts.reduce((a, b) => a + b, 0);
    assert.ok(chunks > 1, `the call was cut into ${chunks} chunk(s); several are needed to test the sum of partials`);
    assertClose(`weight gradient, attempt ${attempt}, chunks per thread ${fast.lastChunkCounts}`, fgw, gw, gwSc);
    if (!first) first = fgw;
    else assert.deepEqual(fgw, first, `attempt ${attempt} (chunks per thread ${fast.lastChunkCounts}) differs from the first call`);
  }
});

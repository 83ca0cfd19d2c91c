import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend, WASM_GEMM64_MIN_MACS } from '../../src/engine/backends/reference';
import { wasmGemm64 } from '../../src/engine/backends/reference/f64Kernels';
import { Rng } from '../../src/engine/rng';

// The float64 GEMM is the finite-difference oracle's arithmetic: every check of a layer
// that multiplies matrices runs on it. Compared here with the definition, summed the
// same way (in order of p), so the results must agree exactly.
function naive(
  a: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  c0?: Float64Array,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = c0 ? c0[i * n + j] + s : s;
    }
  }
  return c;
}

/** Every transpose case of m x n x k, overwriting stale C and accumulating into it, against `naive`. */
function expectExactAllCases(rng: Rng, m: number, n: number, k: number): void {
  const fill = (len: number) => Float64Array.from({ length: len }, () => rng.normal());
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = fill(m * k);
      const b = fill(k * n);
      const c = fill(m * n); // stale contents must be overwritten
      referenceBackend.gemm({ a, b, c, m, n, k, transA, transB });
      assert.deepEqual(c, naive(a, b, m, n, k, transA, transB), `${m}x${n}x${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`);
      const before = fill(m * n);
      const acc = Float64Array.from(before);
      referenceBackend.gemm({ a, b, c: acc, m, n, k, transA, transB, accumulate: true });
      assert.deepEqual(acc, naive(a, b, m, n, k, transA, transB, before), `accumulate ${m}x${n}x${k}`);
    }
  }
}

test('reference gemm, plain loop: all four transpose cases, odd and tiny sizes, exact in float64', () => {
  const rng = new Rng(3);
  for (const [m, n, k] of [
    [1, 1, 1],
    [2, 4, 3],
    [3, 5, 7],
    [5, 1, 2],
    [1, 6, 9],
    [4, 4, 0],
  ]) {
    assert.ok(m * n * k < WASM_GEMM64_MIN_MACS, `${m}x${n}x${k} stays on the plain loop`);
    expectExactAllCases(rng, m, n, k);
  }
});

test('reference gemm writes only its own block of a larger array, and keeps IEEE semantics (0 × Infinity is NaN)', () => {
  const big = new Float64Array(10).fill(-1);
  referenceBackend.gemm({
    a: Float64Array.of(1, 2),
    b: Float64Array.of(3, 4),
    c: big.subarray(2, 3),
    m: 1,
    n: 1,
    k: 2,
    transA: false,
    transB: false,
  });
  assert.deepEqual(Array.from(big), [-1, -1, 11, -1, -1, -1, -1, -1, -1, -1]);
  const c = new Float64Array(1);
  referenceBackend.gemm({ a: Float64Array.of(0, 1), b: Float64Array.of(Infinity, 2), c, m: 1, n: 1, k: 2, transA: false, transB: false });
  assert.ok(Number.isNaN(c[0]));
});

// Products from WASM_GEMM64_MIN_MACS up run on the WebAssembly SIMD kernel
// (kernels/f64.ts). It sums each element in the same order, so it must agree
// with the definition exactly too, over every tile and edge path: 4x4 tiles,
// leftover rows, and leftover columns taken four, two and one at a time.
test('float64 WebAssembly gemm: all transpose cases and edges, exact, accumulate, only its own block', () => {
  const rng = new Rng(5);
  const fill = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  assert.ok(wasmGemm64(fill(4), fill(4), new Float64Array(4), 2, 2, 2, false, false, false), 'the kernel loads in Node');
  for (const [m, n, k] of [
    [8, 32, 64],
    [9, 11, 13],
    [4, 4, 32],
    [5, 7, 16],
    [1, 33, 17],
    [13, 1, 40],
    [7, 6, 13],
    [16, 16, 3],
  ]) {
    assert.ok(m * n * k >= WASM_GEMM64_MIN_MACS, `${m}x${n}x${k} reaches the kernel`);
    expectExactAllCases(rng, m, n, k);
  }
  // A block of a larger array, and IEEE semantics on the kernel's path.
  const [m, n, k] = [8, 9, 10];
  const a = fill(m * k);
  const b = fill(k * n);
  a[3 * k + 4] = 0;
  b[4 * n + 5] = Infinity;
  const big = new Float64Array(m * n + 6).fill(-1);
  referenceBackend.gemm({ a, b, c: big.subarray(3, 3 + m * n), m, n, k, transA: false, transB: false });
  assert.deepEqual(Array.from(big.subarray(0, 3)), [-1, -1, -1]);
  assert.deepEqual(Array.from(big.subarray(3 + m * n)), [-1, -1, -1]);
  assert.ok(Number.isNaN(big[3 + 3 * n + 5]), '0 × Infinity is NaN');
  assert.deepEqual(big.subarray(3, 3 + m * n), naive(a, b, m, n, k, false, false));
});

test('float64 WebAssembly gemm grows its memory for large operands', () => {
  const rng = new Rng(7);
  const fill = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  const [m, n, k] = [40, 300, 50]; // ~1.3 MB of operands, past the initial 64 KiB
  const a = fill(m * k);
  const b = fill(n * k);
  const c = new Float64Array(m * n);
  referenceBackend.gemm({ a, b, c, m, n, k, transA: false, transB: true });
  assert.deepEqual(c, naive(a, b, m, n, k, false, true));
});

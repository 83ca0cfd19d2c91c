import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';

// The float64 GEMM is the finite-difference oracle's arithmetic: every check of a layer
// that multiplies matrices runs on it. Compared here with the definition, summed the
// same way (in order of p), so the results must agree exactly.
function naive(a: Float64Array, b: Float64Array, m: number, n: number, k: number, transA: boolean, transB: boolean, c0?: Float64Array): Float64Array {
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

test('reference gemm: all four transpose cases, odd and tiny sizes, exact in float64', () => {
  const rng = new Rng(3);
  const fill = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  for (const [m, n, k] of [[1, 1, 1], [2, 4, 3], [3, 5, 7], [8, 32, 64], [5, 1, 2], [1, 6, 9], [4, 4, 0]]) {
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
});

test('reference gemm writes only its own block of a larger array, and keeps IEEE semantics (0 × Infinity is NaN)', () => {
  const big = new Float64Array(10).fill(-1);
  referenceBackend.gemm({ a: Float64Array.of(1, 2), b: Float64Array.of(3, 4), c: big.subarray(2, 3), m: 1, n: 1, k: 2, transA: false, transB: false });
  assert.deepEqual(Array.from(big), [-1, -1, 11, -1, -1, -1, -1, -1, -1, -1]);
  const c = new Float64Array(1);
  referenceBackend.gemm({ a: Float64Array.of(0, 1), b: Float64Array.of(Infinity, 2), c, m: 1, n: 1, k: 2, transA: false, transB: false });
  assert.ok(Number.isNaN(c[0]));
});

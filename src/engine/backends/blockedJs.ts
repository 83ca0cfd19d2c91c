/**
 * A cache-blocked, register-tiled GEMM in plain JavaScript: the fallback where
 * WebAssembly SIMD or shared memory is missing, and the baseline the bench
 * compares the SIMD kernels with.
 *
 * op(A) and op(B) are first copied row-major (so transposes cost one pass),
 * then C is produced four rows at a time: each row of B that is loaded feeds
 * four accumulating rows of C, and a KC-deep slab of B stays in cache.
 */
import type { Backend, GemmArgs } from '../backend';

const KC = 128;

function rowMajor(src: Float32Array, rows: number, cols: number, transposed: boolean, scratch: Float32Array): Float32Array {
  if (!transposed) return src;
  // src holds the cols x rows matrix; write its transpose.
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) scratch[i * cols + j] = src[j * rows + i];
  return scratch;
}

export function createBlockedJsBackend(): Backend {
  let scratchA = new Float32Array(0),
    scratchB = new Float32Array(0);
  return {
    name: 'blocked-js',
    description: 'cache-blocked JavaScript loops (4-row register tiling)',
    gemm(args: GemmArgs): void {
      const { a, b, c, m, n, k, transA, transB, accumulate } = args;
      if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) {
        throw new TypeError(
          `blocked-js gemm: a, b and c must be float32 storage, got ${a.constructor.name}, ${b.constructor.name}, ${c.constructor.name}; backendFor keeps float64 on the reference backend`,
        );
      }
      if (scratchA.length < m * k) scratchA = new Float32Array(m * k);
      if (scratchB.length < k * n) scratchB = new Float32Array(k * n);
      const A = rowMajor(a, m, k, transA, scratchA);
      const B = rowMajor(b, k, n, transB, scratchB);
      if (!accumulate) c.fill(0, 0, m * n);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const p1 = Math.min(k, p0 + KC);
        let i = 0;
        for (; i + 4 <= m; i += 4) {
          const c0 = i * n,
            c1 = c0 + n,
            c2 = c1 + n,
            c3 = c2 + n;
          for (let p = p0; p < p1; p++) {
            const a0 = A[i * k + p],
              a1 = A[(i + 1) * k + p],
              a2 = A[(i + 2) * k + p],
              a3 = A[(i + 3) * k + p];
            const bp = p * n;
            for (let j = 0; j < n; j++) {
              const bv = B[bp + j];
              c[c0 + j] += a0 * bv;
              c[c1 + j] += a1 * bv;
              c[c2 + j] += a2 * bv;
              c[c3 + j] += a3 * bv;
            }
          }
        }
        for (; i < m; i++) {
          const ci = i * n;
          for (let p = p0; p < p1; p++) {
            const av = A[i * k + p],
              bp = p * n;
            for (let j = 0; j < n; j++) c[ci + j] += av * B[bp + j];
          }
        }
      }
    },
  };
}

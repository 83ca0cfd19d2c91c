/**
 * The float64-exact GEMM behind the reference backend, and so behind every
 * gradient check that multiplies matrices: each element of C is one dot product
 * summed in order of p, in a local, on whichever path runs it.
 */
import type { GemmArgs } from '../../backend';
import { wasmGemm64 } from './f64Kernels';

/**
 * m * n * k from which the float64 GEMM runs on WebAssembly: about where the two paths
 * tie (8x8x8, in Node on x64). Below it, copying the operands into the module's memory
 * and the result out costs more than the kernel's two columns per instruction save.
 */
export const WASM_GEMM64_MIN_MACS = 512;

/**
 * Plain TypeScript, two rows by four columns at a time, so each step of p loads 6 values
 * for 8 multiply-adds and C is written once, not once per p. The four transpose cases
 * differ only in strides, so one loop serves them all. No element is skipped for being
 * zero: 0 * Infinity stays NaN, as IEEE (and PyTorch) say.
 */
export function referenceGemm({ a, b, c, m, n, k, transA, transB, accumulate }: GemmArgs): void {
  // The kernel sums in the same order, so which path runs never changes a result.
  if (
    m * n * k >= WASM_GEMM64_MIN_MACS &&
    a instanceof Float64Array &&
    b instanceof Float64Array &&
    c instanceof Float64Array &&
    wasmGemm64(a, b, c, m, n, k, transA, transB, accumulate === true)
  )
    return;
  // op(A)[i, p] = a[i * ai + p * ap]; op(B)[p, j] = b[p * bp + j * bj].
  const ai = transA ? 1 : k;
  const ap = transA ? m : 1;
  const bp = transB ? 1 : n;
  const bj = transB ? k : 1;
  const keep = accumulate === true;
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const c0 = i * n;
    const c1 = c0 + n;
    for (let j = 0; j < n4; j += 4) {
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let pa = i * ai;
      let pb = j * bj;
      for (let p = 0; p < k; p++) {
        const a0 = a[pa],
          a1 = a[pa + ai];
        const b0 = b[pb],
          b1 = b[pb + bj],
          b2 = b[pb + 2 * bj],
          b3 = b[pb + 3 * bj];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s02 += a0 * b2;
        s03 += a0 * b3;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s12 += a1 * b2;
        s13 += a1 * b3;
        pa += ap;
        pb += bp;
      }
      if (keep) {
        c[c0 + j] += s00;
        c[c0 + j + 1] += s01;
        c[c0 + j + 2] += s02;
        c[c0 + j + 3] += s03;
        c[c1 + j] += s10;
        c[c1 + j + 1] += s11;
        c[c1 + j + 2] += s12;
        c[c1 + j + 3] += s13;
      } else {
        c[c0 + j] = s00;
        c[c0 + j + 1] = s01;
        c[c0 + j + 2] = s02;
        c[c0 + j + 3] = s03;
        c[c1 + j] = s10;
        c[c1 + j + 1] = s11;
        c[c1 + j + 2] = s12;
        c[c1 + j + 3] = s13;
      }
    }
    for (let j = n4; j < n; j++) {
      let s0 = 0,
        s1 = 0;
      let pa = i * ai;
      let pb = j * bj;
      for (let p = 0; p < k; p++) {
        const bv = b[pb];
        s0 += a[pa] * bv;
        s1 += a[pa + ai] * bv;
        pa += ap;
        pb += bp;
      }
      c[c0 + j] = keep ? c[c0 + j] + s0 : s0;
      c[c1 + j] = keep ? c[c1 + j] + s1 : s1;
    }
  }
  for (let i = m2; i < m; i++) {
    const ci = i * n;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let pa = i * ai;
      let pb = j * bj;
      for (let p = 0; p < k; p++) {
        s += a[pa] * b[pb];
        pa += ap;
        pb += bp;
      }
      c[ci + j] = keep ? c[ci + j] + s : s;
    }
  }
}

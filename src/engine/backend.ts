/**
 * The backend seam. Ops are written once, in terms of typed arrays; the few
 * kernels that dominate run time (a GEMM, and optionally fused convolution and
 * pooling kernels) are delegated to a Backend. float64 always runs on the
 * reference backend, so gradient checks never depend on a fast path; float32
 * runs on whichever backend is active (the fast CPU path or gpu.js).
 */
import type { FloatStorage } from './tensor';

export interface GemmArgs {
  /** C (m x n) = op(A) (m x k) * op(B) (k x n), op = transpose when the flag is set. */
  a: FloatStorage;
  b: FloatStorage;
  c: FloatStorage;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** C += instead of C = */
  accumulate?: boolean;
}

export interface Conv2dGeometry {
  n: number; c: number; h: number; w: number; // input
  o: number; kh: number; kw: number; // weights [o, c, kh, kw]
  stride: number; padding: number;
  oh: number; ow: number; // output
}

export interface Backend {
  readonly name: string;
  /** Human-readable detail for the UI ("threaded WebAssembly, 2 workers"). */
  readonly description: string;
  gemm(args: GemmArgs): void;
  /** Optional fused kernels; ops fall back to im2col + gemm when absent. */
  conv2dForward?(x: FloatStorage, w: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void;
  conv2dBackwardInput?(gOut: FloatStorage, w: FloatStorage, gx: FloatStorage, g: Conv2dGeometry): void;
  conv2dBackwardWeight?(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, g: Conv2dGeometry): void;
}

/** Plain loops in i-p-j order (rows of B stream through cache); exact in float64. */
export const referenceBackend: Backend = {
  name: 'reference',
  description: 'plain TypeScript loops (float64-exact reference)',
  gemm({ a, b, c, m, n, k, transA, transB, accumulate }) {
    if (!accumulate) c.fill(0);
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        if (aip === 0) continue;
        if (transB) {
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[j * k + p];
        } else {
          const bp = p * n;
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
        }
      }
    }
  },
};

let active: Backend = referenceBackend;

/** Make `backend` handle float32 kernels from now on. Returns the previous one. */
export function setBackend(backend: Backend): Backend {
  const prev = active;
  active = backend;
  return prev;
}

export function getActiveBackend(): Backend {
  return active;
}

/** The backend that computes for a given storage: float64 stays on the reference. */
export function backendFor(data: FloatStorage): Backend {
  return data instanceof Float64Array ? referenceBackend : active;
}

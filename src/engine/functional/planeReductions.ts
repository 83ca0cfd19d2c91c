/**
 * Reductions over one contiguous plane A[base .. base + len) with four independent
 * accumulators: a single running sum is bound by the add latency, not by memory. They
 * fold in a different order than a plain loop, which moves results only by rounding.
 */
import type { FloatStorage } from '../tensor';

/** Σ A[k] over one plane. */
export function planeSum(A: FloatStorage, base: number, len: number): number {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    k = base;
  const end = base + len,
    end4 = base + (len & ~3);
  for (; k < end4; k += 4) {
    a0 += A[k];
    a1 += A[k + 1];
    a2 += A[k + 2];
    a3 += A[k + 3];
  }
  for (; k < end; k++) a0 += A[k];
  return a0 + a1 + (a2 + a3);
}

/** Σ (A[k] - mu)² over one plane. */
export function planeSquaredDeviation(A: FloatStorage, base: number, len: number, mu: number): number {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    k = base;
  const end = base + len,
    end4 = base + (len & ~3);
  for (; k < end4; k += 4) {
    const d0 = A[k] - mu,
      d1 = A[k + 1] - mu,
      d2 = A[k + 2] - mu,
      d3 = A[k + 3] - mu;
    a0 += d0 * d0;
    a1 += d1 * d1;
    a2 += d2 * d2;
    a3 += d3 * d3;
  }
  for (; k < end; k++) {
    const d = A[k] - mu;
    a0 += d * d;
  }
  return a0 + a1 + (a2 + a3);
}

/** Σ G[k] (X[k] - mu) over one plane. */
export function planeDot(G: FloatStorage, X: FloatStorage, base: number, len: number, mu: number): number {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    k = base;
  const end = base + len,
    end4 = base + (len & ~3);
  for (; k < end4; k += 4) {
    a0 += G[k] * (X[k] - mu);
    a1 += G[k + 1] * (X[k + 1] - mu);
    a2 += G[k + 2] * (X[k + 2] - mu);
    a3 += G[k + 3] * (X[k + 3] - mu);
  }
  for (; k < end; k++) a0 += G[k] * (X[k] - mu);
  return a0 + a1 + (a2 + a3);
}

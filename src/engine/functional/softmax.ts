/**
 * softmax and logSoftmax along one dim. The tensor is seen as [outer, len, inner]
 * around that dim, so each "lane" of `len` elements sits at stride `inner`.
 */
import { allocate, type FloatStorage, record, Tensor } from '../tensor';
import { lanesOf, requireFloat } from './checks';

/**
 * p_j = e^(x_j - m) / Σ_k e^(x_k - m), m = max_k x_k (the shift changes nothing but overflow).
 * Backward: dp_j/dx_i = p_j(δ_ij - p_i), so dx_i = p_i (g_i - Σ_j g_j p_j).
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  const dtype = requireFloat('softmax', 'input', x);
  const { outer, len, inner } = lanesOf('softmax', x, dim);
  const X = x.data as FloatStorage;
  const P = allocate(dtype, x.size) as FloatStorage;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      const end = base + len * inner;
      let m = -Infinity;
      for (let j = base; j < end; j += inner) if (X[j] > m) m = X[j];
      let s = 0;
      for (let j = base; j < end; j += inner) { const e = Math.exp(X[j] - m); P[j] = e; s += e; }
      for (let j = base; j < end; j += inner) P[j] /= s;
    }
  }
  return record('softmax', new Tensor(P, x.shape, dtype), [x], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, x.size) as FloatStorage;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        const end = base + len * inner;
        let dot = 0;
        for (let j = base; j < end; j += inner) dot += G[j] * P[j];
        for (let j = base; j < end; j += inner) D[j] = P[j] * (G[j] - dot);
      }
    }
    return [new Tensor(D, x.shape, dtype)];
  });
}

/**
 * log p_j = x_j - m - log Σ_k e^(x_k - m).
 * Backward: d(log p_j)/dx_i = δ_ij - p_i, so dx_i = g_i - p_i Σ_j g_j.
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const dtype = requireFloat('logSoftmax', 'input', x);
  const { outer, len, inner } = lanesOf('logSoftmax', x, dim);
  const X = x.data as FloatStorage;
  const Y = allocate(dtype, x.size) as FloatStorage;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      const end = base + len * inner;
      let m = -Infinity;
      for (let j = base; j < end; j += inner) if (X[j] > m) m = X[j];
      let s = 0;
      for (let j = base; j < end; j += inner) s += Math.exp(X[j] - m);
      const lse = m + Math.log(s);
      for (let j = base; j < end; j += inner) Y[j] = X[j] - lse;
    }
  }
  return record('logSoftmax', new Tensor(Y, x.shape, dtype), [x], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, x.size) as FloatStorage;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        const end = base + len * inner;
        let gsum = 0;
        for (let j = base; j < end; j += inner) gsum += G[j];
        for (let j = base; j < end; j += inner) D[j] = G[j] - Math.exp(Y[j]) * gsum;
      }
    }
    return [new Tensor(D, x.shape, dtype)];
  });
}

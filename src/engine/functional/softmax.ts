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
  return laneByLane(
    'softmax',
    x,
    dim,
    (X, P, start, end, step) => {
      const m = laneMax(X, start, end, step);
      let s = 0;
      for (let j = start; j < end; j += step) {
        const e = Math.exp(X[j] - m);
        P[j] = e;
        s += e;
      }
      for (let j = start; j < end; j += step) P[j] /= s;
    },
    (P, G, D, start, end, step) => {
      let dot = 0;
      for (let j = start; j < end; j += step) dot += G[j] * P[j];
      for (let j = start; j < end; j += step) D[j] = P[j] * (G[j] - dot);
    },
  );
}

/**
 * log p_j = x_j - m - log Σ_k e^(x_k - m).
 * Backward: d(log p_j)/dx_i = δ_ij - p_i, so dx_i = g_i - p_i Σ_j g_j.
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return laneByLane(
    'logSoftmax',
    x,
    dim,
    (X, Y, start, end, step) => {
      const m = laneMax(X, start, end, step);
      let s = 0;
      for (let j = start; j < end; j += step) s += Math.exp(X[j] - m);
      const lse = m + Math.log(s);
      for (let j = start; j < end; j += step) Y[j] = X[j] - lse;
    },
    (Y, G, D, start, end, step) => {
      let gsum = 0;
      for (let j = start; j < end; j += step) gsum += G[j];
      for (let j = start; j < end; j += step) D[j] = G[j] - Math.exp(Y[j]) * gsum;
    },
  );
}

// A lane is the elements start, start + step, … before end.
type ForwardLane = (x: FloatStorage, y: FloatStorage, start: number, end: number, step: number) => void;
type BackwardLane = (y: FloatStorage, g: FloatStorage, dx: FloatStorage, start: number, end: number, step: number) => void;

/**
 * A recorded op that works lane by lane along `dim`: `forward(x, y, lane)` fills the
 * output's lane from the input's, `backward(y, g, dx, lane)` the input gradient's
 * lane from the output and the upstream gradient (both ops here need no more).
 */
function laneByLane(op: string, x: Tensor, dim: number, forward: ForwardLane, backward: BackwardLane): Tensor {
  const dtype = requireFloat(op, 'input', x);
  const { outer, len, inner } = lanesOf(op, x, dim);
  const span = len * inner;
  const X = x.data as FloatStorage;
  const Y = allocate(dtype, x.size) as FloatStorage;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) forward(X, Y, o * span + i, o * span + i + span, inner);
  return record(op, new Tensor(Y, x.shape, dtype), [x], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, x.size) as FloatStorage;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) backward(Y, G, D, o * span + i, o * span + i + span, inner);
    return [new Tensor(D, x.shape, dtype)];
  });
}

/** The lane's maximum: shifting by it keeps every e^(x - m) at most 1. */
function laneMax(X: FloatStorage, start: number, end: number, step: number): number {
  let m = -Infinity;
  for (let j = start; j < end; j += step) if (X[j] > m) m = X[j];
  return m;
}

/**
 * Scaled dot-product attention, the reference formula
 *
 *   weights = softmax(q kᵀ · scale + bias),   out = dropout(weights) v,
 *
 * with q [..., L, d], k [..., S, d], v [..., S, dv] and scale = 1/√d by default.
 * The bias comes from the mask: a boolean mask keeps its true positions and puts
 * -∞ on the false ones; a numeric mask is added as it is; isCausal masks the upper
 * triangle (key j > query i). Composed from recorded ops (matmul, softmax, dropout),
 * so its backward is theirs chained: dV = Wᵀ dO, dW = dO Vᵀ, the softmax Jacobian,
 * then dQ = dS K · scale and dK = dSᵀ Q · scale.
 */
import { optionalNumber, requireOptions } from '../args';
import type { Rng } from '../rng';
import { allocate, EngineError, fmtShape, type FloatDType, fromNested, type NestedArray, Tensor } from '../tensor';
import { add, mul } from '../ops/elementwise';
import { broadcastShapes } from '../ops/indexing';
import { matmul } from '../ops/matmul';
import { transpose } from '../ops/shape';
import { requireSameDtype, sameShape } from './checks';
import { dropout } from './dropout';
import { softmax } from './softmax';

export interface AttentionOptions {
  /** Boolean (true = attend) or additive float mask, broadcastable to [..., L, S]. */
  attnMask?: Tensor | NestedArray | null;
  /** Dropout probability on the attention weights (needs rng when > 0). */
  dropoutP?: number;
  isCausal?: boolean;
  /** Defaults to 1/√d. */
  scale?: number;
  rng?: Rng | null;
}

export interface AttentionResult {
  output: Tensor;
  /** softmax(q kᵀ · scale + bias), before dropout: [..., L, S]. */
  weights: Tensor;
}

/** The additive bias a mask stands for, checked against the scores' shape. */
function maskBias(op: string, mask: Tensor | NestedArray, scoresShape: number[], dtype: FloatDType, q: Tensor, k: Tensor): Tensor {
  let m = mask instanceof Tensor ? mask : fromNested(mask, undefined, op);
  // a numeric mask written as nested arrays takes the dtype of q
  if (!(mask instanceof Tensor) && m.dtype !== 'bool' && m.dtype !== dtype) m = fromNested(mask, dtype, op);
  const where = `attention scores are ${fmtShape(scoresShape)} for q ${fmtShape(q.shape)} and k ${fmtShape(k.shape)}`;
  let fits = m.ndim <= scoresShape.length;
  if (fits) {
    try {
      fits = sameShape(broadcastShapes(op, m.shape, scoresShape), scoresShape);
    } catch {
      fits = false;
    }
  }
  if (!fits) throw new EngineError(op, `attnMask of shape ${fmtShape(m.shape)} cannot be broadcast to the scores (${where})`);
  if (m.dtype !== 'bool') {
    if (m.dtype !== dtype) throw new EngineError(op, `attnMask is ${m.dtype} ${fmtShape(m.shape)} but q is ${dtype} ${fmtShape(q.shape)}`);
    return m;
  }
  const bias = allocate(dtype, m.size);
  for (let i = 0; i < bias.length; i++) bias[i] = m.data[i] ? 0 : -Infinity;
  return new Tensor(bias, m.shape, dtype);
}

function causalBias(L: number, S: number, dtype: FloatDType): Tensor {
  const bias = allocate(dtype, L * S);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) bias[i * S + j] = -Infinity;
  return new Tensor(bias, [L, S], dtype);
}

/** Attention that also hands back the weights (for display: the training panel's heatmaps). */
export function scaledDotProductAttentionWithWeights(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): AttentionResult {
  return attention('scaledDotProductAttentionWithWeights', q, k, v, opts);
}

export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  return attention('scaledDotProductAttention', q, k, v, opts).output;
}

function attention(op: string, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): AttentionResult {
  const dtype = requireSameDtype(op, ['q', q], ['k', k], ['v', v]);
  const opts = requireOptions(op, 'opts', options);
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new EngineError(
      op,
      `q, k and v need at least 2 dims [..., len, dim], got q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`,
    );
  }
  const d = q.shape[q.ndim - 1],
    L = q.shape[q.ndim - 2];
  const S = k.shape[k.ndim - 2];
  if (k.shape[k.ndim - 1] !== d)
    throw new EngineError(
      op,
      `q ${fmtShape(q.shape)} and k ${fmtShape(k.shape)} differ in their last dim (${d} vs ${k.shape[k.ndim - 1]})`,
    );
  if (v.shape[v.ndim - 2] !== S)
    throw new EngineError(
      op,
      `k ${fmtShape(k.shape)} and v ${fmtShape(v.shape)} differ in sequence length (${S} vs ${v.shape[v.ndim - 2]})`,
    );
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new EngineError(op, `scale must be a finite number, got ${String(opts.scale)}`);
  if (opts.isCausal && opts.attnMask != null) throw new EngineError(op, 'pass either attnMask or isCausal, not both');

  let scores = mul(matmul(q, transpose(k, -2, -1)), scale); // [..., L, S]
  if (opts.attnMask != null) scores = add(scores, maskBias(op, opts.attnMask, scores.shape, dtype, q, k));
  if (opts.isCausal) scores = add(scores, causalBias(L, S, dtype));
  const weights = softmax(scores, -1);
  const p = optionalNumber(op, 'dropoutP', opts.dropoutP, 0);
  const dropped = p > 0 ? dropout(weights, { p, training: true, rng: opts.rng }) : weights;
  return { output: matmul(dropped, v), weights };
}

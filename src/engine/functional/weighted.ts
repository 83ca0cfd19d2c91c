/**
 * The frame linear and conv2d share: an input, a weight and an optional bias of one
 * float dtype, recorded on the tape with a backward that fills a gradient buffer for
 * each of them that needs one.
 */
import { allocate, type FloatDType, type FloatStorage, record, Tensor } from '../tensor';
import { requireSameDtype } from './checks';

/** The dtype input, weight and bias (when given) must share. */
export function weightedDtype(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): FloatDType {
  return requireSameDtype(op, ['input', x], ['weight', weight], ...(bias ? [['bias', bias] as [string, Tensor]] : []));
}

/** Zeroed storage for t's gradient, or null when t is absent or needs none. */
export function gradBuffer(t: Tensor | null | undefined): FloatStorage | null {
  return t?.requiresGrad ? (allocate(t.dtype, t.size) as FloatStorage) : null;
}

/**
 * Records `out` as made from input, weight and bias (when given). `backward(g)` returns
 * the gradients of the three as gradBuffer storage, null where one is not needed.
 */
export function recordWeighted(
  op: string,
  out: Tensor,
  [x, weight, bias]: [Tensor, Tensor, Tensor | null | undefined],
  backward: (g: FloatStorage) => [FloatStorage | null, FloatStorage | null, FloatStorage | null],
): Tensor {
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(op, out, inputs, (g) => {
    const grads = backward(g.data as FloatStorage);
    return inputs.map((t, k) => {
      const d = grads[k];
      return d ? new Tensor(d, t.shape, t.dtype) : null;
    });
  });
}

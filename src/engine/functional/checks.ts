/**
 * Checks of how the functional ops' tensors relate: a common dtype, matching shapes,
 * lanes along a dim. Every failure is an EngineError that names the op and the shapes
 * involved, so a wrong call says what to fix. Single-argument checks (is it a tensor,
 * an integer, an options object) are in ../args.ts, re-exported here for the ops.
 */
import { EngineError, fmtShape, type FloatDType, fromNested, type NestedArray, type Shape, sizeOf, Tensor, describe } from '../tensor';
import { normAxis } from '../ops/indexing';
import { requireFloat } from '../args';

export { describe } from '../tensor';
export { requireFloat, requirePositiveInt } from '../args';

/** Throws unless every named tensor has the dtype of the first. */
export function requireSameDtype(op: string, ...named: [string, Tensor][]): FloatDType {
  const [firstName, first] = named[0];
  const dtype = requireFloat(op, firstName, first);
  for (const [name, t] of named.slice(1)) {
    requireFloat(op, name, t);
    if (t.dtype !== dtype) {
      throw new EngineError(
        op,
        `dtype mismatch: ${firstName} is ${dtype} ${fmtShape(first.shape)} but ${name} is ${t.dtype} ${fmtShape(t.shape)}; convert one with .to('${dtype}')`,
      );
    }
  }
  return dtype;
}

export function requireNdim(op: string, name: string, t: Tensor, ndims: number[], layout: string): void {
  if (!ndims.includes(t.ndim)) {
    throw new EngineError(op, `${name} must be ${layout}, got shape ${fmtShape(t.shape)}`);
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A target given as a tensor or nested arrays, as a float tensor of `dtype` (not differentiable when converted). */
export function asFloatTensor(op: string, name: string, v: Tensor | NestedArray, dtype: FloatDType): Tensor {
  if (v instanceof Tensor) {
    if (v.dtype === 'bool') return fromNested(v.toArray(), dtype, op);
    return v;
  }
  if (typeof v !== 'number' && !Array.isArray(v))
    throw new EngineError(op, `${name} must be a Tensor or nested arrays of numbers, got ${describe(v)}`);
  return fromNested(v, dtype, op);
}

/** A tensor seen as [outer, len, inner] around axis `dim`: the layout every "along dim" loop uses. */
export function lanesOf(op: string, x: Tensor, dim: number): { outer: number; len: number; inner: number; axis: number } {
  const axis = normAxis(op, dim, x.ndim);
  if (x.ndim === 0) return { outer: 1, len: 1, inner: 1, axis: 0 };
  return { outer: sizeOf(x.shape.slice(0, axis)), len: x.shape[axis], inner: sizeOf(x.shape.slice(axis + 1)), axis };
}

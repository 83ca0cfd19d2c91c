/**
 * Argument checks for the entry of every public function. Users call the engine from
 * plain JavaScript as often as from TypeScript, so nothing upstream has checked the
 * types: a wrong call must fail where it was made, with an EngineError that names the
 * function, the argument, what it needs and what it got, never as a TypeError thrown
 * from deep inside a loop. Checks of how tensors relate (shapes that must agree, a
 * common dtype) live with the functional ops in functional/checks.ts.
 */
import { describe, EngineError, type FloatDType, Tensor } from './tensor';

export function requireTensor(fn: string, name: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) throw new EngineError(fn, `${name} must be a Tensor, got ${describe(v)}`);
  return v;
}

/** Throws unless `v` is a float tensor; returns its dtype. */
export function requireFloat(fn: string, name: string, v: unknown): FloatDType {
  const t = requireTensor(fn, name, v);
  if (t.dtype === 'bool') throw new EngineError(fn, `${name} must be float32 or float64, got ${describe(t)} (a bool mask)`);
  return t.dtype;
}

/** A Tensor or a plain number (which the op turns into a 0-d tensor). */
export function requireTensorLike(fn: string, name: string, v: unknown): Tensor | number {
  if (!(v instanceof Tensor) && typeof v !== 'number')
    throw new EngineError(fn, `${name} must be a Tensor or a number, got ${describe(v)}`);
  return v;
}

export function requireNumber(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw new EngineError(fn, `${name} must be a number, got ${describe(v)}`);
  return v;
}

export function optionalNumber(fn: string, name: string, v: unknown, fallback: number): number {
  return v === undefined ? fallback : requireNumber(fn, name, v);
}

export function requireInt(fn: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new EngineError(fn, `${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(v)}`);
  }
  return v;
}

export function requirePositiveInt(fn: string, name: string, v: unknown, min = 1): number {
  return requireInt(fn, name, v, min);
}

/** `v` when given, else `fallback`; `undefined` is how JavaScript says "not given". */
export function optionalInt(fn: string, name: string, v: unknown, fallback: number, min = -Infinity): number {
  return v === undefined ? fallback : requireInt(fn, name, v, min);
}

/** A shape: an array of non-negative integers (a copy, so later edits by the caller do not reach the tensor). */
export function requireShape(fn: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
    throw new EngineError(
      fn,
      `${name} must be an array of non-negative integers, got ${Array.isArray(v) ? JSON.stringify(v) : describe(v)}`,
    );
  }
  return [...v];
}

/** A list of dims (axes), each an integer; their range is checked against the tensor by normAxis. */
export function requireDims(fn: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isInteger(d))) {
    throw new EngineError(fn, `${name} must be an array of integer dims, got ${Array.isArray(v) ? JSON.stringify(v) : describe(v)}`);
  }
  return v;
}

/** An options object; absent (undefined) means all defaults. */
export function requireOptions<T extends object>(fn: string, name: string, v: T | undefined): T {
  if (v === undefined) return {} as T;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Tensor) {
    throw new EngineError(fn, `${name} must be an options object, got ${describe(v)}`);
  }
  return v;
}

export function requireFunction(fn: string, name: string, v: unknown): void {
  if (typeof v !== 'function') throw new EngineError(fn, `${name} must be a function, got ${describe(v)}`);
}

export function requireTensorList(fn: string, name: string, v: unknown): Tensor[] {
  if (!Array.isArray(v)) throw new EngineError(fn, `${name} must be an array of Tensors, got ${describe(v)}`);
  v.forEach((t, i) => requireTensor(fn, `${name}[${i}]`, t));
  return v;
}

export function requireOneOf<T extends string>(fn: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T))
    throw new EngineError(fn, `${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(v)}`);
  return v as T;
}

/**
 * What passes between the checker and a JavaScript layer's code, both ways: the values the
 * contract accepts (tensors, numbers, nested arrays, typed arrays) as flat float64 arrays,
 * the nested arrays a course-style function receives, and the errors, naming the function,
 * the input and the index, when what user code returns breaks the contract. The adapters
 * (definition.ts, tagged.ts) build the checker's targets from these.
 */
import { noGrad, Tensor } from '../../engine';
import type { FlatTensor } from '../../gradcheck/types';

/** A broken promise of the contract (wrong count, ragged array, a string where a number belongs). */
export class ContractError extends Error {
  override name = 'ContractError';
}

export interface AdaptOptions {
  /** Seeds generated inputs and ctx.rng. */
  seed?: number;
  /** Turns an exception thrown by user code into a message (the sandbox adds file:line). */
  describeThrow?: (err: unknown) => string;
}

type FlatArray = Float64Array | Float32Array;

export const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function defaultDescribe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `a non-Error value was thrown: ${String(err)}`;
}

/**
 * Calls user code without the tape; what it throws comes back described (with file:line
 * in the sandbox). The checker says which call threw ("forward threw: ...").
 */
export function callUser<T>(describe: (err: unknown) => string, fn: () => T): T {
  try {
    return noGrad(fn);
  } catch (err) {
    if (err instanceof ContractError) throw err;
    throw new ContractError(describe(err));
  }
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return `an object with keys {${Object.keys(v as object).join(', ')}}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * A nested array as flat row-major values with its shape, checking that it is
 * rectangular and all numbers. The common case (well-formed) takes one pass without
 * allocating per element; anything irregular is walked again by describeNestedProblem,
 * which says what is wrong and where. `reuse`, when it has the right length, is
 * filled instead of a new array.
 */
export function nestedToFlat(value: unknown, what: string, reuse?: Float64Array): FlatTensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const size = sizeOf(shape);
  const data = reuse !== undefined && reuse.length === size ? reuse : new Float64Array(size);
  if (fillFlat(value, shape, 0, data, 0) < 0) throw new ContractError(describeNestedProblem(value, shape, what));
  return { data, shape };
}

/** Copies `v` (depth `depth` of a nested array of `shape`) into data from `at`; returns where it ended, or -1 where it is irregular. */
function fillFlat(v: unknown, shape: readonly number[], depth: number, data: Float64Array, at: number): number {
  if (depth === shape.length) {
    if (typeof v !== 'number') return -1;
    data[at] = v;
    return at + 1;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) return -1;
  if (depth === shape.length - 1) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'number') return -1;
      data[at + i] = x;
    }
    return at + v.length;
  }
  for (let i = 0; i < v.length && at >= 0; i++) at = fillFlat(v[i], shape, depth + 1, data, at);
  return at;
}

function describeNestedProblem(value: unknown, shape: readonly number[], what: string): string {
  const walk = (v: unknown, depth: number, path: number[]): string | undefined => {
    const where = path.map((i) => `[${i}]`).join('') || 'top level';
    if (depth === shape.length) {
      return typeof v === 'number' ? undefined : `${what} has ${describeValue(v)} at ${where} where a number belongs`;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      return `${what} is not rectangular: ${where} is ${describeValue(v)}, expected an array of length ${shape[depth]} (from the first row, shape ${formatShape(shape)})`;
    }
    for (let i = 0; i < v.length; i++) {
      const problem = walk(v[i], depth + 1, [...path, i]);
      if (problem) return problem;
    }
    return undefined;
  };
  return walk(value, 0, []) ?? `${what} could not be read as nested arrays of numbers`;
}

/**
 * Any value the contract accepts as numbers (a tensor, a number, nested arrays, a
 * typed array) as a float64 copy. A typed array carries no shape: `flatShape` gives
 * it one when its length fits.
 */
export function toFlat(value: unknown, what: string, flatShape?: readonly number[]): FlatTensor {
  if (value instanceof Tensor) {
    if (value.dtype === 'bool') throw new ContractError(`${what} is a bool tensor; it must hold numbers`);
    return {
      data: value.data instanceof Float64Array ? value.data.slice() : Float64Array.from(value.data as FlatArray),
      shape: value.shape.slice(),
    };
  }
  if (typeof value === 'number') return { data: Float64Array.of(value), shape: [] };
  if (value instanceof Float64Array || value instanceof Float32Array) {
    const shape = flatShape && sizeOf(flatShape) === value.length ? flatShape.slice() : [value.length];
    return { data: value instanceof Float64Array ? value.slice() : Float64Array.from(value), shape };
  }
  if (Array.isArray(value)) return nestedToFlat(value, what);
  throw new ContractError(`${what} must be a tensor, a number, nested arrays of numbers or a Float64Array; got ${describeValue(value)}`);
}

/**
 * A tensor over `t`'s own storage, not a copy. The checker hands forward its working
 * arrays, which it perturbs in place and restores between calls, and backward fresh
 * copies of its own; so copying here would only cost time. A forward that writes into
 * its inputs writes into the checker's arrays, and the checker reports that.
 */
export function wrapFlat(t: FlatTensor): Tensor {
  return new Tensor(t.data, t.shape, 'float64');
}

/** Fresh nested arrays holding t's values. */
export function flatToNested(t: FlatTensor): unknown {
  const { data, shape } = t;
  if (shape.length === 0) return data[0];
  const build = (dim: number, offset: number): unknown[] => {
    if (dim === shape.length - 1) return rowOf(data, offset, shape[dim]);
    const stride = sizeOf(shape.slice(dim + 1));
    const out: unknown[] = [];
    for (let i = 0; i < shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
    return out;
  };
  return build(0, 0);
}

/**
 * One innermost row, made at its own array literal so that V8 keeps every row as a
 * packed array of unboxed doubles (an allocation site that also made arrays of
 * arrays would make rows of boxed numbers), which user code indexes fastest and
 * refilling does without allocating.
 */
function rowOf(data: Float64Array, offset: number, length: number): number[] {
  const row: number[] = [];
  for (let i = 0; i < length; i++) row.push(data[offset + i]);
  return row;
}

/**
 * The nested arrays a pair's forward receives for one input, made once and refilled
 * from the flat values before every call: the checker calls forward thousands of
 * times, each time with one element changed, and building fresh arrays dominated
 * the adapter's cost. Refilling every element (not just the perturbed one) also undoes
 * anything the previous call wrote into its inputs; arrays whose structure the user's
 * code changed (a row replaced, resized, frozen) are rebuilt.
 */
export class NestedInput {
  private value: unknown;

  constructor(private readonly shape: readonly number[]) {}

  fill(data: Float64Array): unknown {
    if (this.shape.length === 0) return data[0];
    if (this.value === undefined || refill(this.value, this.shape, 0, data, 0) < 0) {
      this.value = flatToNested({ data, shape: this.shape.slice() });
    }
    return this.value;
  }
}

/** Writes data into the nested arrays v from `at`; -1 where v is no longer the arrays built for this shape. */
function refill(v: unknown, shape: readonly number[], depth: number, data: Float64Array, at: number): number {
  if (!Array.isArray(v) || v.length !== shape[depth] || !Object.isExtensible(v)) return -1;
  if (depth === shape.length - 1) {
    for (let i = 0; i < v.length; i++) v[i] = data[at + i];
    return at + v.length;
  }
  for (let i = 0; i < v.length && at >= 0; i++) at = refill(v[i], shape, depth + 1, data, at);
  return at;
}

/** Forward's output must be finite where the inputs are: a NaN there makes every difference meaningless. */
export function requireFinite(out: FlatTensor, fnName: string): void {
  for (let i = 0; i < out.data.length; i++) {
    if (!Number.isFinite(out.data[i])) {
      const idx: number[] = [];
      let r = i;
      for (let d = out.shape.length - 1; d >= 0; d--) {
        idx.unshift(r % out.shape[d]);
        r = Math.floor(r / out.shape[d]);
      }
      throw new ContractError(`${fnName} returned ${out.data[i]} at out[${idx.join(', ')}] (output shape ${formatShape(out.shape)})`);
    }
  }
}

/**
 * Adapts both ways of writing a layer to the checker's CheckTarget (flat float64
 * arrays in and out), and checks on the way that what the user's code returns is
 * what the contract promises: numbers, rectangular arrays, the right count of
 * gradients. Problems become errors that name the function, the input and the index.
 */
import { noGrad, randn, Rng, Tensor } from '../engine';
import type { CheckTarget, FlatTensor, Tolerance } from '../gradcheck/types';
import type { LayerContext, LayerDefinition } from './contract';

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

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function defaultDescribe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `a non-Error value was thrown: ${String(err)}`;
}

/**
 * Calls user code without the tape; what it throws comes back described (with file:line
 * in the sandbox). The checker says which call threw ("forward threw: ...").
 */
function callUser<T>(describe: (err: unknown) => string, fn: () => T): T {
  try {
    return noGrad(fn);
  } catch (err) {
    if (err instanceof ContractError) throw err;
    throw new ContractError(describe(err));
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v instanceof Tensor) return `a tensor of shape ${fmt(v.shape)}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return `an object with keys {${Object.keys(v as object).join(', ')}}`;
  return `${typeof v} ${String(v)}`;
}

/** The shape of a nested array, checking it is rectangular and all numbers. */
function nestedToFlat(value: unknown, what: string): FlatTensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const data = new Float64Array(sizeOf(shape));
  let k = 0;
  const walk = (v: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        const where = path.map((i) => `[${i}]`).join('');
        throw new ContractError(`${what} has ${describeValue(v)} at ${where || 'top level'} where a number belongs`);
      }
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const where = path.map((i) => `[${i}]`).join('');
      throw new ContractError(
        `${what} is not rectangular: ${where || 'top level'} is ${describeValue(v)}, expected an array of length ${shape[depth]}` +
          ` (from the first row, shape ${fmt(shape)})`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...path, i]);
  };
  walk(value, 0, []);
  return { data, shape };
}

/**
 * Any value the contract accepts as numbers (a tensor, a number, nested arrays, a
 * typed array) as a float64 copy. A typed array carries no shape: `flatShape` gives
 * it one when its length fits.
 */
export function toFlat(value: unknown, what: string, flatShape?: readonly number[]): FlatTensor {
  if (value instanceof Tensor) {
    if (value.dtype === 'bool') throw new ContractError(`${what} is a bool tensor; it must hold numbers`);
    return { data: Float64Array.from(value.data as FlatArray), shape: value.shape.slice() };
  }
  if (typeof value === 'number') return { data: Float64Array.of(value), shape: [] };
  if (value instanceof Float64Array || value instanceof Float32Array) {
    const shape = flatShape && sizeOf(flatShape) === value.length ? flatShape.slice() : [value.length];
    return { data: Float64Array.from(value), shape };
  }
  if (Array.isArray(value)) return nestedToFlat(value, what);
  throw new ContractError(`${what} must be a tensor, a number, nested arrays of numbers or a Float64Array; got ${describeValue(value)}`);
}

function flatToTensor(t: FlatTensor): Tensor {
  return new Tensor(Float64Array.from(t.data), t.shape, 'float64');
}

function flatToNested(t: FlatTensor): unknown {
  const { data, shape } = t;
  if (shape.length === 0) return data[0];
  const build = (dim: number, offset: number): unknown[] => {
    const stride = sizeOf(shape.slice(dim + 1));
    const out = new Array<unknown>(shape[dim]);
    for (let i = 0; i < shape[dim]; i++) out[i] = dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}

/** Forward's output must be finite where the inputs are: a NaN there makes every difference meaningless. */
function requireFinite(out: FlatTensor, fnName: string): void {
  for (let i = 0; i < out.data.length; i++) {
    if (!Number.isFinite(out.data[i])) {
      const idx: number[] = [];
      let r = i;
      for (let d = out.shape.length - 1; d >= 0; d--) {
        idx.unshift(r % out.shape[d]);
        r = Math.floor(r / out.shape[d]);
      }
      throw new ContractError(`${fnName} returned ${out.data[i]} at out[${idx.join(', ')}] (output shape ${fmt(out.shape)})`);
    }
  }
}

function isShapeSpec(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
}

function resolveInput(name: string, spec: unknown, rng: Rng): FlatTensor {
  const what = `input '${name}'`;
  if (typeof spec === 'function') {
    const made = callUser((e) => `${what}'s generator threw ${defaultDescribe(e)}`, () => (spec as (r: Rng) => unknown)(rng));
    return toFlat(made, `the value made for ${what}`);
  }
  if (isShapeSpec(spec)) return { data: randn(spec, { rng, dtype: 'float64' }).data as Float64Array, shape: spec.slice() };
  if (spec instanceof Tensor || Array.isArray(spec) || spec instanceof Float64Array || spec instanceof Float32Array || typeof spec === 'number') {
    return toFlat(spec, what);
  }
  throw new ContractError(`${what} must be a shape like [4, 5], a tensor, a nested array or (rng) => tensor; got ${describeValue(spec)}`);
}

/**
 * Gradients as the user returned them, one per input in order (null: not returned).
 * Accepts an object keyed by input name or an array in input order; a layer with a
 * single input may also return the gradient itself.
 */
function normalizeGradients(
  result: unknown,
  inputNames: readonly string[],
  inputs: readonly FlatTensor[],
  fnName: string,
): (FlatTensor | null)[] {
  const n = inputNames.length;
  const list = `(${inputNames.join(', ')})`;
  const convert = (g: unknown, i: number): FlatTensor | null =>
    g === null || g === undefined ? null : toFlat(g, `${fnName}'s gradient for '${inputNames[i]}'`, inputs[i].shape);

  const looksLikeOneGradient = (v: unknown) => {
    if (v instanceof Tensor || typeof v === 'number' || v instanceof Float64Array || v instanceof Float32Array) return true;
    if (!Array.isArray(v)) return false;
    try {
      const shape = nestedToFlat(v, '').shape;
      return shape.length === inputs[0].shape.length && shape.every((d, k) => d === inputs[0].shape[k]);
    } catch {
      return false;
    }
  };
  if (n === 1 && looksLikeOneGradient(result)) return [convert(result, 0)];

  if (Array.isArray(result)) {
    if (result.length !== n) {
      throw new ContractError(
        `${fnName} returned ${result.length} gradient${result.length === 1 ? '' : 's'}, expected ${n}, one per input in order ${list}`,
      );
    }
    return result.map(convert);
  }
  if (result !== null && typeof result === 'object' && !(result instanceof Tensor) && !ArrayBuffer.isView(result)) {
    const obj = result as Record<string, unknown>;
    const unknownKeys = Object.keys(obj).filter((k) => !inputNames.includes(k));
    if (unknownKeys.length > 0) {
      throw new ContractError(
        `${fnName} returned a gradient for ${unknownKeys.map((k) => `'${k}'`).join(', ')}, which ${unknownKeys.length === 1 ? 'is not an input' : 'are not inputs'}; inputs are ${list}`,
      );
    }
    return inputNames.map((name, i) => convert(obj[name], i));
  }
  throw new ContractError(
    `${fnName} must return the gradients as an object keyed by input name or an array in input order ${list}; got ${describeValue(result)}`,
  );
}

/** Makes the inputs from a definition's specs, each from its own stream of one seed. */
function makeInputs(specs: Record<string, unknown>, seed: number): { names: string[]; values: FlatTensor[] } {
  const base = new Rng(seed);
  const names = Object.keys(specs);
  const values = names.map((name) => resolveInput(name, specs[name], base.fork()));
  return { names, values };
}

function makeContext(seed: number): LayerContext & { rng: Rng } {
  // A stream separate from the inputs' so a layer's randomness does not echo its data.
  return { rng: new Rng((seed ^ 0x2545f491) >>> 0), seed };
}

/** A layer() definition as a CheckTarget. */
export function adaptLayerDefinition(def: LayerDefinition, name: string, options: AdaptOptions = {}): CheckTarget {
  if (def.problem) throw new ContractError(def.problem);
  const seed = options.seed ?? 0;
  const describe = options.describeThrow ?? defaultDescribe;
  const { names, values } = makeInputs(def.inputs as Record<string, unknown>, seed);
  const ctx = makeContext(seed);
  const asObject = (flat: FlatTensor[]) => Object.fromEntries(names.map((n, i) => [n, flatToTensor(flat[i])]));

  return {
    name,
    inputNames: names,
    inputs: values,
    tolerance: def.tolerance as Partial<Tolerance> | undefined,
    forward(inputs) {
      ctx.rng.reset();
      const result = callUser(describe, () => def.forward(asObject(inputs), ctx));
      const isPair = result !== null && typeof result === 'object' && !(result instanceof Tensor) && !Array.isArray(result) && !ArrayBuffer.isView(result);
      if (isPair && !('out' in result)) {
        throw new ContractError(`${name}.forward must return a tensor or { out, cache }; got ${describeValue(result)}`);
      }
      const out = toFlat(isPair ? (result as { out: unknown }).out : result, `${name}.forward's output`);
      requireFinite(out, `${name}.forward`);
      return { out, cache: isPair ? (result as { cache?: unknown }).cache : undefined };
    },
    backward(inputs, dout, cache) {
      ctx.rng.reset();
      const grads = callUser(describe, () => def.backward(asObject(inputs), flatToTensor(dout), cache, ctx));
      return normalizeGradients(grads, names, inputs, `${name}.backward`);
    },
  };
}

export interface PairSpec {
  /** The pair's stem: "affine" for affineForward/affineBackward. */
  name: string;
  forward: (...args: unknown[]) => unknown;
  backward: (dout: unknown, cache: unknown) => unknown;
  forwardName: string;
  backwardName: string;
  inputNames: string[];
  inputShapes: number[][];
  tolerance?: Partial<Tolerance>;
}

/** A course-style xxxForward/xxxBackward pair (nested arrays in and out) as a CheckTarget. */
export function adaptPair(pair: PairSpec, options: AdaptOptions = {}): CheckTarget {
  const { name, forwardName, backwardName, inputNames, inputShapes } = pair;
  if (inputNames.length !== inputShapes.length || inputNames.length === 0) {
    throw new ContractError(`the @gradcheck tag of ${forwardName} must name each input with its shape, like x:[4,5] w:[5,3]`);
  }
  const seed = options.seed ?? 0;
  const describe = options.describeThrow ?? defaultDescribe;
  const base = new Rng(seed);
  const values = inputShapes.map((shape) => ({ data: randn(shape, { rng: base.fork(), dtype: 'float64' }).data as Float64Array, shape: shape.slice() }));
  // A forward that returns a typed array gets its upstream gradient as one too.
  let outWasTyped = false;

  return {
    name,
    inputNames: inputNames.slice(),
    inputs: values,
    tolerance: pair.tolerance,
    forward(inputs) {
      const args = inputs.map(flatToNested);
      const result = callUser(describe, () => pair.forward(...args));
      let out: unknown;
      let cache: unknown;
      if (Array.isArray(result) && result.length === 2) [out, cache] = result;
      else if (result !== null && typeof result === 'object' && !Array.isArray(result) && 'out' in result) {
        ({ out, cache } = result as { out: unknown; cache?: unknown });
      } else {
        throw new ContractError(`${forwardName} must return [out, cache] or { out, cache }; got ${describeValue(result)}`);
      }
      outWasTyped = out instanceof Float64Array || out instanceof Float32Array;
      const flat = toFlat(out, `${forwardName}'s output`);
      requireFinite(flat, forwardName);
      return { out: flat, cache };
    },
    backward(inputs, dout, cache) {
      const upstream = outWasTyped ? Float64Array.from(dout.data) : flatToNested(dout);
      const grads = callUser(describe, () => pair.backward(upstream, cache));
      return normalizeGradients(grads, inputNames, inputs, backwardName);
    },
  };
}

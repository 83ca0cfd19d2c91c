/**
 * Adapts the ways of writing a JavaScript layer (layer() definitions, xxxForward/
 * xxxBackward pairs, loss functions) to the checker's CheckTarget (flat float64
 * arrays in and out), and checks on the way that what the user's code returns is
 * what the contract promises: numbers, rectangular arrays, the right count of
 * gradients. Problems become errors that name the function, the input and the index.
 */
import { noGrad, randn, Rng, Tensor } from '../engine';
import type { CheckTarget, FlatTensor, Tolerance } from '../gradcheck/types';
import type { LayerContext, LayerDefinition } from './contract';
import type { TagArg } from './tag';
import { tagValues } from './tagValues';

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
function nestedToFlat(value: unknown, what: string, reuse?: Float64Array): FlatTensor {
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
      return `${what} is not rectangular: ${where} is ${describeValue(v)}, expected an array of length ${shape[depth]} (from the first row, shape ${fmt(shape)})`;
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
    return { data: value.data instanceof Float64Array ? value.data.slice() : Float64Array.from(value.data as FlatArray), shape: value.shape.slice() };
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
function wrapFlat(t: FlatTensor): Tensor {
  return new Tensor(t.data, t.shape, 'float64');
}

/** Fresh nested arrays holding t's values. */
function flatToNested(t: FlatTensor): unknown {
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
class NestedInput {
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

interface GradientRules {
  /** A loss function owes a gradient for every checked input: a missing one is an error, not "not checked". */
  requireAll?: boolean;
  /** Arguments that are passed but never checked, with what they are ("integer labels", "a constant"). */
  unchecked?: ReadonlyMap<string, string>;
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
  rules: GradientRules = {},
): (FlatTensor | null)[] {
  const n = inputNames.length;
  const list = `(${inputNames.join(', ')})`;
  const convert = (g: unknown, i: number): FlatTensor | null => {
    if (g !== null && g !== undefined) return toFlat(g, `${fnName}'s gradient for '${inputNames[i]}'`, inputs[i].shape);
    if (rules.requireAll) {
      throw new ContractError(`${fnName} returned no gradient for '${inputNames[i]}'; expected one for each checked input ${list}, of the input's shape ${fmt(inputs[i].shape)}`);
    }
    return null;
  };

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
      const what = unknownKeys.map((k) => `'${k}'${rules.unchecked?.has(k) ? ` (${rules.unchecked.get(k)}, passed but not checked)` : ''}`).join(', ');
      const input = rules.unchecked ? 'checked input' : 'input';
      throw new ContractError(
        `${fnName} returned a gradient for ${what}, which ${unknownKeys.length === 1 ? `is not ${input === 'input' ? 'an' : 'a'} ${input}` : `are not ${input}s`}; ${input}s are ${list}`,
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
  const asObject = (flat: FlatTensor[]) => {
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < names.length; i++) tensors[names[i]] = wrapFlat(flat[i]);
    return tensors;
  };
  // A float64 output is used as it is, unless it is an input's own storage (forward
  // returned an input), which the checker goes on to perturb.
  const outputOf = (value: unknown, inputs: FlatTensor[]): FlatTensor => {
    if (value instanceof Tensor && value.data instanceof Float64Array && !inputs.some((t) => t.data === value.data)) {
      return { data: value.data, shape: value.shape.slice() };
    }
    return toFlat(value, `${name}.forward's output`);
  };

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
      const out = outputOf(isPair ? (result as { out: unknown }).out : result, inputs);
      requireFinite(out, `${name}.forward`);
      return { out, cache: isPair ? (result as { cache?: unknown }).cache : undefined };
    },
    backward(inputs, dout, cache) {
      ctx.rng.reset();
      const grads = callUser(describe, () => def.backward(asObject(inputs), wrapFlat(dout), cache, ctx));
      return normalizeGradients(grads, names, inputs, `${name}.backward`);
    },
  };
}

/**
 * The arguments of a tagged function (a pair's forward, a loss function), positionally
 * in tag order. Checked inputs and labels are nested arrays made once and refilled before
 * every call (see NestedInput), which also undoes whatever the previous call wrote into
 * them; a constant is a fresh copy of its JSON each call, so a layer that changes its
 * dict (pops a key, sets a default) sees the tag's value again next time. The values
 * come from tagValues, so a Python layer with the same tag and seed sees the same ones.
 */
class TagArguments {
  /** The checked inputs (the tensor args), in tag order: the checker's view. */
  readonly inputNames: string[] = [];
  readonly inputs: FlatTensor[] = [];
  /** Arguments passed but never checked, with what they are (for messages). */
  readonly unchecked = new Map<string, string>();
  private readonly makers: ((inputs: readonly FlatTensor[]) => unknown)[] = [];

  constructor(args: readonly TagArg[], seed: number) {
    for (const v of tagValues(args, seed)) {
      if (v.kind === 'tensor') {
        const k = this.inputs.length;
        const shape = v.value.shape;
        const nested = new NestedInput(shape);
        this.inputNames.push(v.name);
        this.inputs.push(v.value);
        this.makers.push((inputs) => (inputs[k].data.length === sizeOf(shape) ? nested.fill(inputs[k].data) : flatToNested(inputs[k])));
      } else if (v.kind === 'int') {
        const labels = Float64Array.from(v.value.data);
        const nested = new NestedInput(v.value.shape);
        this.unchecked.set(v.name, 'integer labels');
        this.makers.push(() => nested.fill(labels));
      } else {
        const value = v.value;
        const json = JSON.stringify(value);
        this.unchecked.set(v.name, 'a constant');
        this.makers.push(value !== null && typeof value === 'object' ? () => JSON.parse(json) : () => value);
      }
    }
  }

  build(inputs: readonly FlatTensor[]): unknown[] {
    return this.makers.map((make) => make(inputs));
  }
}

export interface PairSpec {
  /** The pair's name: "affine" for affineForward/affineBackward, "convNaive" for convForwardNaive. */
  name: string;
  forward: (...args: unknown[]) => unknown;
  backward: (dout: unknown, cache: unknown) => unknown;
  forwardName: string;
  backwardName: string;
  /** Every argument of the @gradcheck tag, in order; when absent, the inputs below are all there is. */
  args?: TagArg[];
  /** The checked inputs (used when `args` is absent). */
  inputNames?: string[];
  inputShapes?: number[][];
  tolerance?: Partial<Tolerance>;
}

/** A tag's args from a spec that has them, or from the names and shapes of checked inputs alone. */
function argsOf(spec: { args?: TagArg[]; inputNames?: string[]; inputShapes?: number[][] }, fnName: string): TagArg[] {
  if (spec.args) return spec.args;
  const names = spec.inputNames ?? [];
  const shapes = spec.inputShapes ?? [];
  if (names.length !== shapes.length) throw new ContractError(`the @gradcheck tag of ${fnName} must name each input with its shape, like x:[4,5] w:[5,3]`);
  return names.map((name, i) => ({ kind: 'tensor', name, shape: shapes[i] }));
}

/** A course-style xxxForward/xxxBackward pair (nested arrays in and out) as a CheckTarget. */
export function adaptPair(pair: PairSpec, options: AdaptOptions = {}): CheckTarget {
  const { name, forwardName, backwardName } = pair;
  const call = new TagArguments(argsOf(pair, forwardName), options.seed ?? 0);
  const { inputNames } = call;
  if (inputNames.length === 0) {
    throw new ContractError(`the @gradcheck tag of ${forwardName} must name each input with its shape, like x:[4,5] w:[5,3]`);
  }
  const describe = options.describeThrow ?? defaultDescribe;
  // A forward that returns a typed array gets its upstream gradient as one too.
  let outWasTyped = false;
  // The checker is done with one output before it calls forward again (CheckTarget.forward).
  let outBuffer: Float64Array | undefined;

  return {
    name,
    inputNames: inputNames.slice(),
    inputs: call.inputs,
    tolerance: pair.tolerance,
    forward(inputs) {
      const args = call.build(inputs);
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
      const flat = Array.isArray(out) ? nestedToFlat(out, `${forwardName}'s output`, outBuffer) : toFlat(out, `${forwardName}'s output`);
      if (Array.isArray(out)) outBuffer = flat.data;
      requireFinite(flat, forwardName);
      return { out: flat, cache };
    },
    backward(inputs, dout, cache) {
      const upstream = outWasTyped ? Float64Array.from(dout.data) : flatToNested(dout);
      const grads = callUser(describe, () => pair.backward(upstream, cache));
      return normalizeGradients(grads, inputNames, inputs, backwardName, { unchecked: call.unchecked });
    },
  };
}

export interface LossSpec {
  /** The function's name ("softmaxLoss"): the layer's name, and the one errors name. */
  name: string;
  fn: (...args: unknown[]) => unknown;
  /** Every argument of the @gradcheck tag, in order. */
  args: TagArg[];
  tolerance?: Partial<Tolerance>;
}

const GRADS_FORMS = 'grads being the gradient itself (one checked input), an array in tag order, or an object keyed by input name';

/** A loss's value as a number: a number, or a tensor holding one. */
function lossValue(loss: unknown, fnName: string): number {
  let v: unknown = loss;
  if (loss instanceof Tensor && loss.size === 1 && loss.dtype !== 'bool') v = Number(loss.data[0]);
  if (typeof v !== 'number') throw new ContractError(`${fnName}'s loss (the first thing it returns) must be a number; got ${describeValue(loss)}`);
  if (!Number.isFinite(v)) throw new ContractError(`${fnName} returned a loss of ${v}`);
  return v;
}

/**
 * A loss function `f(...args) -> [loss, grads]` (or `{ loss, grads }`) as a CheckTarget
 * whose output is the scalar loss. The gradients come with the loss, so forward keeps
 * them as its cache and backward only scales them: the checker differentiates
 * L = out * R for an upstream scalar R, whose gradient is R * grads.
 */
export function adaptLossFunction(spec: LossSpec, options: AdaptOptions = {}): CheckTarget {
  const { name } = spec;
  const call = new TagArguments(spec.args, options.seed ?? 0);
  const { inputNames } = call;
  if (inputNames.length === 0) {
    throw new ContractError(`the @gradcheck tag of ${name} must name at least one checked input with its shape, like x:[4,5]`);
  }
  const describe = options.describeThrow ?? defaultDescribe;
  // The checker is done with one output before it calls forward again (CheckTarget.forward).
  const out: FlatTensor = { data: new Float64Array(1), shape: [] };

  return {
    name,
    inputNames: inputNames.slice(),
    inputs: call.inputs,
    tolerance: spec.tolerance,
    forward(inputs) {
      const args = call.build(inputs);
      const result = callUser(describe, () => spec.fn(...args));
      let loss: unknown;
      let grads: unknown;
      if (Array.isArray(result) && result.length === 2) [loss, grads] = result;
      else if (result !== null && typeof result === 'object' && !Array.isArray(result) && !(result instanceof Tensor) && 'loss' in result) {
        ({ loss, grads } = result as { loss: unknown; grads?: unknown });
      } else {
        const spread = Array.isArray(result) && result.length > 2 ? ` (put the gradients in one array: [loss, [${inputNames.map((n) => `d${n}`).join(', ')}]])` : '';
        throw new ContractError(`${name} must return [loss, grads] or { loss, grads }, ${GRADS_FORMS}; got ${describeValue(result)}${spread}`);
      }
      out.data[0] = lossValue(loss, name);
      if (grads === undefined || grads === null) {
        throw new ContractError(`${name} returned its loss but no gradients; return [loss, grads], ${GRADS_FORMS} (${inputNames.join(', ')})`);
      }
      return { out, cache: grads };
    },
    backward(inputs, dout, grads) {
      const r = dout.data[0];
      const flat = normalizeGradients(grads, inputNames, inputs, name, { requireAll: true, unchecked: call.unchecked });
      // toFlat made copies, so scaling in place leaves the user's arrays alone.
      for (const g of flat) if (g) for (let i = 0; i < g.data.length; i++) g.data[i] *= r;
      return flat;
    },
  };
}

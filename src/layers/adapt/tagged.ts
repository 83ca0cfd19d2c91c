/**
 * Functions under a @gradcheck tag as the checker's CheckTarget: course-style
 * xxxForward/xxxBackward pairs (nested arrays in and out) and loss functions returning
 * [loss, grads]. Both are called with the tag's arguments in order.
 */
import { manualSeed, Tensor } from '../../engine';
import type { CheckTarget, FlatTensor, Tolerance } from '../../gradcheck/types';
import type { TagArg } from '../tag';
import { tagValues } from '../tagValues';
import { normalizeGradients } from './gradients';
import {
  type AdaptOptions,
  callUser,
  ContractError,
  defaultDescribe,
  describeValue,
  flatToNested,
  NestedInput,
  nestedToFlat,
  requireFinite,
  sizeOf,
  toFlat,
} from './values';

/**
 * A tagged function (a pair's forward, a loss function) called with the arguments of its
 * tag, positionally in tag order. Checked inputs and labels are nested arrays made once
 * and refilled before every call (see NestedInput), which also undoes whatever the
 * previous call wrote into them; a constant is a fresh copy of its JSON each call, so a
 * layer that changes its dict (pops a key, sets a default) sees the tag's value again next
 * time. The values come from tagValues, so a Python layer with the same tag and seed sees
 * the same ones.
 */
class TaggedCall {
  /** The checked inputs (the tensor args), in tag order: the checker's view. */
  readonly inputNames: string[] = [];
  readonly inputs: FlatTensor[] = [];
  /** Arguments passed but never checked, with what they are (for messages). */
  readonly unchecked = new Map<string, string>();
  private readonly makers: ((inputs: readonly FlatTensor[]) => unknown)[] = [];
  private readonly describe: (err: unknown) => string;
  /** The default generator's seed before every call (see call()). */
  private readonly randomSeed: number;

  constructor(
    args: readonly TagArg[],
    options: AdaptOptions,
    private readonly fn: (...args: unknown[]) => unknown,
    noInputProblem: string,
  ) {
    for (const v of tagValues(args, options.seed ?? 0)) {
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
    if (this.inputNames.length === 0) throw new ContractError(noInputProblem);
    this.describe = options.describeThrow ?? defaultDescribe;
    this.randomSeed = ((options.seed ?? 0) ^ 0x2545f491) >>> 0;
  }

  /** What the function returns for the checker's current inputs. */
  call(inputs: readonly FlatTensor[]): unknown {
    const args = this.makers.map((make) => make(inputs));
    // Every call replays the engine's default generator, so dropout drawn from it (no rng
    // passed) is one function of the inputs, as in a layer() definition.
    manualSeed(this.randomSeed);
    return callUser(this.describe, () => this.fn(...args));
  }

  /** The part of a CheckTarget that the tag alone decides. */
  target(name: string, tolerance: Partial<Tolerance> | undefined): Pick<CheckTarget, 'name' | 'inputNames' | 'inputs' | 'tolerance'> {
    return { name, inputNames: this.inputNames.slice(), inputs: this.inputs, tolerance };
  }
}

/** A returned `[a, b]`, or an object with `first` (and maybe `second`) as keys; undefined for anything else. */
function twoParts(result: unknown, first: string, second: string): [unknown, unknown] | undefined {
  if (Array.isArray(result)) return result.length === 2 ? [result[0], result[1]] : undefined;
  if (result === null || typeof result !== 'object' || result instanceof Tensor || !(first in result)) return undefined;
  const named = result as Record<string, unknown>;
  return [named[first], named[second]];
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

const NAME_EACH_INPUT = 'must name each input with its shape, like x:[4,5] w:[5,3]';

/** A tag's args from a spec that has them, or from the names and shapes of checked inputs alone. */
function argsOf(spec: { args?: TagArg[]; inputNames?: string[]; inputShapes?: number[][] }, fnName: string): TagArg[] {
  if (spec.args) return spec.args;
  const names = spec.inputNames ?? [];
  const shapes = spec.inputShapes ?? [];
  if (names.length !== shapes.length) throw new ContractError(`the @gradcheck tag of ${fnName} ${NAME_EACH_INPUT}`);
  return names.map((name, i) => ({ kind: 'tensor', name, shape: shapes[i] }));
}

/** A course-style xxxForward/xxxBackward pair (nested arrays in and out) as a CheckTarget. */
export function adaptPair(pair: PairSpec, options: AdaptOptions = {}): CheckTarget {
  const { forwardName, backwardName } = pair;
  const forward = new TaggedCall(
    argsOf(pair, forwardName),
    options,
    pair.forward,
    `the @gradcheck tag of ${forwardName} ${NAME_EACH_INPUT}`,
  );
  const describe = options.describeThrow ?? defaultDescribe;
  // A forward that returns a typed array gets its upstream gradient as one too.
  let outWasTyped = false;
  // The checker is done with one output before it calls forward again (CheckTarget.forward).
  let outBuffer: Float64Array | undefined;

  return {
    ...forward.target(pair.name, pair.tolerance),
    forward(inputs) {
      const result = forward.call(inputs);
      const parts = twoParts(result, 'out', 'cache');
      if (!parts) throw new ContractError(`${forwardName} must return [out, cache] or { out, cache }; got ${describeValue(result)}`);
      const [out, cache] = parts;
      outWasTyped = out instanceof Float64Array || out instanceof Float32Array;
      const flat = Array.isArray(out) ? nestedToFlat(out, `${forwardName}'s output`, outBuffer) : toFlat(out, `${forwardName}'s output`);
      if (Array.isArray(out)) outBuffer = flat.data;
      requireFinite(flat, forwardName);
      return { out: flat, cache };
    },
    backward(inputs, dout, cache) {
      const upstream = outWasTyped ? Float64Array.from(dout.data) : flatToNested(dout);
      const grads = callUser(describe, () => pair.backward(upstream, cache));
      return normalizeGradients(grads, forward.inputNames, inputs, backwardName, { unchecked: forward.unchecked });
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
  if (typeof v !== 'number')
    throw new ContractError(`${fnName}'s loss (the first thing it returns) must be a number; got ${describeValue(loss)}`);
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
  const loss = new TaggedCall(
    spec.args,
    options,
    spec.fn,
    `the @gradcheck tag of ${name} must name at least one checked input with its shape, like x:[4,5]`,
  );
  const { inputNames } = loss;
  // The checker is done with one output before it calls forward again (CheckTarget.forward).
  const out: FlatTensor = { data: new Float64Array(1), shape: [] };

  return {
    ...loss.target(name, spec.tolerance),
    forward(inputs) {
      const result = loss.call(inputs);
      const parts = twoParts(result, 'loss', 'grads');
      if (!parts) {
        const spread =
          Array.isArray(result) && result.length > 2
            ? ` (put the gradients in one array: [loss, [${inputNames.map((n) => `d${n}`).join(', ')}]])`
            : '';
        throw new ContractError(
          `${name} must return [loss, grads] or { loss, grads }, ${GRADS_FORMS}; got ${describeValue(result)}${spread}`,
        );
      }
      const [value, grads] = parts;
      out.data[0] = lossValue(value, name);
      if (grads === undefined || grads === null) {
        throw new ContractError(
          `${name} returned its loss but no gradients; return [loss, grads], ${GRADS_FORMS} (${inputNames.join(', ')})`,
        );
      }
      return { out, cache: grads };
    },
    backward(inputs, dout, grads) {
      const r = dout.data[0];
      const flat = normalizeGradients(grads, inputNames, inputs, name, { requireAll: true, unchecked: loss.unchecked });
      // toFlat made copies, so scaling in place leaves the user's arrays alone.
      for (const g of flat) if (g) for (let i = 0; i < g.data.length; i++) g.data[i] *= r;
      return flat;
    },
  };
}

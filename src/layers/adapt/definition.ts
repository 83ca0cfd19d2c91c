/**
 * A layer() definition as the checker's CheckTarget: inputs made from the definition's specs
 * (shapes, values or generators, each from its own stream of one seed), forward and
 * backward called on tensors over the checker's own arrays.
 */
import { manualSeed, randn, Rng, Tensor } from '../../engine';
import type { CheckTarget, FlatTensor, Tolerance } from '../../gradcheck/types';
import type { LayerContext, LayerDefinition } from '../contract';
import { normalizeGradients } from './gradients';
import { type AdaptOptions, callUser, ContractError, defaultDescribe, describeValue, requireFinite, toFlat, wrapFlat } from './values';

function isShapeSpec(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
}

function resolveInput(name: string, spec: unknown, rng: Rng): FlatTensor {
  const what = `input '${name}'`;
  if (typeof spec === 'function') {
    const made = callUser(
      (e) => `${what}'s generator threw ${defaultDescribe(e)}`,
      () => (spec as (r: Rng) => unknown)(rng),
    );
    return toFlat(made, `the value made for ${what}`);
  }
  if (isShapeSpec(spec)) return { data: randn(spec, { rng, dtype: 'float64' }).data as Float64Array, shape: spec.slice() };
  if (
    spec instanceof Tensor ||
    Array.isArray(spec) ||
    spec instanceof Float64Array ||
    spec instanceof Float32Array ||
    typeof spec === 'number'
  ) {
    return toFlat(spec, what);
  }
  throw new ContractError(`${what} must be a shape like [4, 5], a tensor, a nested array or (rng) => tensor; got ${describeValue(spec)}`);
}

/** Makes the inputs from a definition's specs, each from its own stream of one seed. */
function makeInputs(specs: Record<string, unknown>, seed: number): { names: string[]; values: FlatTensor[] } {
  const base = new Rng(seed);
  const names = Object.keys(specs);
  const values = names.map((name) => resolveInput(name, specs[name], base.fork()));
  return { names, values };
}

/**
 * The checker calls forward many times and must see one function of the inputs, so every
 * call replays the same draws: from ctx.rng and from the engine's default generator, which
 * a layer reaches through F.dropout and friends when it passes no rng.
 */
function replayRandomness(rng: Rng): void {
  rng.reset();
  manualSeed(rng.seed);
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
      replayRandomness(ctx.rng);
      const result = callUser(describe, () => def.forward(asObject(inputs), ctx));
      const isPair =
        result !== null &&
        typeof result === 'object' &&
        !(result instanceof Tensor) &&
        !Array.isArray(result) &&
        !ArrayBuffer.isView(result);
      if (isPair && !('out' in result)) {
        throw new ContractError(`${name}.forward must return a tensor or { out, cache }; got ${describeValue(result)}`);
      }
      const out = outputOf(isPair ? (result as { out: unknown }).out : result, inputs);
      requireFinite(out, `${name}.forward`);
      return { out, cache: isPair ? (result as { cache?: unknown }).cache : undefined };
    },
    backward(inputs, dout, cache) {
      replayRandomness(ctx.rng);
      const grads = callUser(describe, () => def.backward(asObject(inputs), wrapFlat(dout), cache, ctx));
      return normalizeGradients(grads, names, inputs, `${name}.backward`);
    },
  };
}

/**
 * The layer() contract: how a user describes a layer GradLens can check, using
 * the engine's tensors. layer() only records the definition; it never throws, so
 * one malformed layer cannot stop the other layers of the same file being checked
 * (its problem is reported on that layer when the file is checked).
 */
import type { NestedArray, Tensor } from '../engine';
import type { Rng } from '../engine';
import type { Tolerance } from '../gradcheck/types';

/**
 * How an input is given: a shape (seeded standard normal, float64), a tensor, a
 * nested array of numbers, or a function of a seeded generator returning either.
 * A flat array of non-negative integers is read as a shape: give 1-D data as
 * tensor([...]) or as numbers that are not all integers.
 */
export type LayerInput = readonly number[] | Tensor | NestedArray | ((rng: Rng) => Tensor | NestedArray);

export interface LayerContext {
  /** Seeded generator, reset before every forward and backward call: dropout masks repeat exactly. */
  readonly rng: Rng;
  /** The seed the check runs with. */
  readonly seed: number;
}

export type InputTensors<I> = { readonly [K in keyof I]: Tensor };

/** What forward may return: the output alone, or the output and whatever backward needs. */
export type ForwardResult = Tensor | number | NestedArray | { out: Tensor | number | NestedArray; cache?: unknown };

/** A gradient per input, keyed by input name; a missing or null entry is reported as "not checked". */
export type Gradients<I> = { [K in keyof I]?: Tensor | NestedArray | Float64Array | Float32Array | null };

export interface LayerSpec<I extends Record<string, LayerInput>> {
  /** The name reported; defaults to the name the layer is exported under. */
  name?: string;
  inputs: I;
  /** Runs without the autograd tape: the point is to check a hand-written backward. */
  forward(inputs: InputTensors<I>, ctx: LayerContext): ForwardResult;
  // `any` for cache: its type is whatever this layer's forward chose to keep.
  // biome-ignore lint/suspicious/noExplicitAny: the cache is whatever this layer's forward chose to keep
  backward(inputs: InputTensors<I>, dout: Tensor, cache: any, ctx: LayerContext): Gradients<I>;
  tolerance?: Partial<Tolerance>;
}

/** Shared by every copy of the engine (Symbol.for), so a definition is recognised wherever it was made. */
export const LAYER_BRAND: unique symbol = Symbol.for('gradlens.layer');

export type LayerDefinition<I extends Record<string, LayerInput> = Record<string, LayerInput>> = LayerSpec<I> & {
  readonly [LAYER_BRAND]: true;
  /** What is wrong with the definition itself, found when it was made. */
  readonly problem?: string;
};

export function layer<I extends Record<string, LayerInput>>(spec: LayerSpec<I>): LayerDefinition<I> {
  const problem = specProblem(spec);
  return Object.freeze({ ...spec, [LAYER_BRAND]: true as const, ...(problem ? { problem } : {}) });
}

export function isLayerDefinition(value: unknown): value is LayerDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[LAYER_BRAND] === true;
}

function specProblem(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null) return `layer() takes an object { inputs, forward, backward }, got ${typeof spec}`;
  const s = spec as Record<string, unknown>;
  if (s.name !== undefined && (typeof s.name !== 'string' || s.name === '')) return `layer(): name must be a non-empty string`;
  if (typeof s.inputs !== 'object' || s.inputs === null || Array.isArray(s.inputs)) {
    return `layer(): inputs must be an object mapping input names to shapes, tensors, arrays or (rng) => tensor`;
  }
  if (Object.keys(s.inputs).length === 0) return `layer(): inputs is empty: name at least one input`;
  if (typeof s.forward !== 'function') return `layer(): forward must be a function (inputs, ctx) => out`;
  if (typeof s.backward !== 'function') return `layer(): backward must be a function (inputs, dout, cache, ctx) => gradients`;
  if (s.tolerance !== undefined) {
    if (typeof s.tolerance !== 'object' || s.tolerance === null) return `layer(): tolerance must be an object { atol, rtol, eps }`;
    for (const [k, v] of Object.entries(s.tolerance)) {
      if (!['atol', 'rtol', 'eps'].includes(k)) return `layer(): unknown tolerance field '${k}' (use atol, rtol, eps)`;
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
        return `layer(): tolerance.${k} must be a non-negative number, got ${String(v)}`;
    }
  }
  return undefined;
}

/**
 * The gradients a layer's backward (or a loss function) returned, one per checked input in
 * order: as an object keyed by input name, an array in input order, or, for a single input,
 * the gradient itself. What does not fit says which input and why.
 */
import { Tensor } from '../../engine';
import type { FlatTensor } from '../../gradcheck/types';
import { ContractError, describeValue, formatShape, nestedToFlat, toFlat } from './values';

export interface GradientRules {
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
export function normalizeGradients(
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
      throw new ContractError(
        `${fnName} returned no gradient for '${inputNames[i]}'; expected one for each checked input ${list}, of the input's shape ${formatShape(inputs[i].shape)}`,
      );
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
      const what = unknownKeys
        .map((k) => `'${k}'${rules.unchecked?.has(k) ? ` (${rules.unchecked.get(k)}, passed but not checked)` : ''}`)
        .join(', ');
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

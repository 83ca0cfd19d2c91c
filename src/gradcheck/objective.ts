import type { CheckTarget, FlatTensor } from './types';
import { formatIndex, unravel } from './shapes';

/** A failure of the user's code (or of its contract) that ends the check of a layer. */
export class LayerFault extends Error {}

/**
 * The scalar the checker differentiates: L(inputs) = sum(out * R) for a fixed upstream
 * gradient R. Owns working copies of the inputs, which callers perturb in place and
 * restore, so the target's own arrays are never touched and nothing is reallocated
 * per evaluation.
 */
export class Objective {
  readonly work: FlatTensor[];
  forwardCalls = 0;
  private upstream: Float64Array = new Float64Array(0);
  // What is being perturbed, for error messages; kept as parts so the hot loop builds no strings.
  private perturbedInput: string | null = null;
  private perturbedFlat = -1;
  private perturbedShape: readonly number[] = [];

  constructor(private readonly target: CheckTarget) {
    this.work = target.inputs.map((t) => ({ data: Float64Array.from(t.data), shape: t.shape.slice() }));
  }

  setUpstream(r: Float64Array): void {
    this.upstream = r;
  }

  /** Calls the target's forward on the working inputs; user exceptions become LayerFaults. */
  forward(): { out: FlatTensor; cache: unknown } {
    this.forwardCalls++;
    let result: { out: FlatTensor; cache: unknown };
    try {
      result = this.target.forward(this.work);
    } catch (err) {
      throw new LayerFault(`forward threw${this.where()}: ${messageOf(err)}`);
    }
    if (!result?.out?.data) {
      throw new LayerFault(`forward returned no output${this.where()}`);
    }
    return result;
  }

  /** L at the current working inputs. */
  value(): number {
    const out = this.forward().out.data;
    const r = this.upstream;
    if (out.length !== r.length) {
      throw new LayerFault(`forward's output changed size from ${r.length} to ${out.length} elements${this.where()}`);
    }
    let s = 0;
    for (let i = 0; i < r.length; i++) s += out[i] * r[i];
    return s;
  }

  /** True when the target evaluates many one-element perturbations in one call. */
  get batches(): boolean {
    return typeof this.target.valuesAlong === 'function';
  }

  /**
   * L at the working inputs with each of `positions` of input `index` moved by +step and
   * by -step (see CheckTarget.valuesAlong); counts two forward calls per position.
   */
  valuesAlong(index: number, name: string, positions: Int32Array, step: number): { plus: Float64Array; minus: Float64Array } {
    this.forwardCalls += 2 * positions.length;
    try {
      const values = this.target.valuesAlong!(this.work, index, positions, step, this.upstream);
      if (values.plus.length !== positions.length || values.minus.length !== positions.length) {
        throw new Error(`the layer answered ${values.plus.length} values for ${positions.length} perturbations`);
      }
      return values;
    } catch (err) {
      const at = (err as { position?: unknown }).position;
      if (typeof at === 'number') this.perturbing(name, at, this.work[index].shape);
      const where = this.where();
      this.perturbing(null);
      throw new LayerFault(`forward threw${where}: ${messageOf(err)}`);
    }
  }

  /** Names the element being perturbed (flat = -1: a whole-input direction) in later errors. */
  perturbing(inputName: string | null, flat = -1, shape: readonly number[] = []): void {
    this.perturbedInput = inputName;
    this.perturbedFlat = flat;
    this.perturbedShape = shape;
  }

  private where(): string {
    if (this.perturbedInput === null) return '';
    if (this.perturbedFlat < 0) return ` while perturbing ${this.perturbedInput} along a random direction`;
    return ` while perturbing ${this.perturbedInput}${formatIndex(unravel(this.perturbedFlat, this.perturbedShape))}`;
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

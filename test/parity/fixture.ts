/**
 * Reading the PyTorch fixtures (written by scripts/torch_fixtures.py) and
 * comparing engine results with them.
 *
 * Tolerance: an engine value a matches PyTorch's value e when
 *     |a - e| <= RTOL * |e| + ATOL,   RTOL = 1e-6, ATOL = 1e-9.
 * RTOL is the "1e-6 relative"; ATOL only matters for values near zero
 * (a gradient that is exactly 0 in PyTorch and 1e-17 after a different order of
 * float64 operations here). Both sides compute in float64, so real agreement is
 * usually near 1e-15; anything past 1e-6 is a different formula, not rounding.
 */
import assert from 'node:assert/strict';
import { Tensor, fmtShape, sum } from '../../src/engine';

export const RTOL = 1e-6;
export const ATOL = 1e-9;

export interface FixtureTensor {
  shape: number[];
  data: number[];
  /** 'int' (indices, class targets) or 'bool' (masks, 0/1); float64 when absent. */
  dtype?: 'int' | 'bool';
}

export interface OpCase {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  grad: string[];
  output: FixtureTensor;
  weight: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  state?: Record<string, FixtureTensor>;
}

export interface FixtureFile<C> {
  generator: string;
  torch: string;
  cases: C[];
}

/** A fixture tensor as an engine tensor: float64 for numbers and indices, bool for masks. */
export function toTensor(t: FixtureTensor, requiresGrad = false): Tensor {
  if (t.dtype === 'bool') return new Tensor(Uint8Array.from(t.data), t.shape, 'bool');
  return new Tensor(Float64Array.from(t.data), t.shape, 'float64', requiresGrad);
}

/** Integer targets or ids as a plain number array (the form the F losses accept). */
export function toIntArray(t: FixtureTensor): number[] {
  return [...t.data];
}

/**
 * Assert that `actual` matches `expected` within the tolerance above. The message
 * names the case, what was compared, the count of mismatches and the worst element.
 */
export function assertClose(caseName: string, what: string, actual: Tensor | null | undefined, expected: FixtureTensor): void {
  assert.ok(actual, `${caseName}: ${what} is missing (expected shape ${fmtShape(expected.shape)})`);
  assert.equal(actual.dtype, 'float64', `${caseName}: ${what} has dtype ${actual.dtype}, expected float64`);
  assert.deepEqual(
    actual.shape,
    expected.shape,
    `${caseName}: ${what} has shape ${fmtShape(actual.shape)}, PyTorch gives ${fmtShape(expected.shape)}`,
  );
  const a = actual.data;
  const e = expected.data;
  let bad = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    const allowed = RTOL * Math.abs(e[i]) + ATOL;
    // written so that NaN in `a` fails too
    if (!(err <= allowed)) {
      bad++;
      const excess = Number.isNaN(err) ? Infinity : err / allowed;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    const at = unravel(worst, expected.shape);
    assert.fail(
      `${caseName}: ${what} differs from PyTorch at ${bad} of ${e.length} elements; ` +
        `worst at [${at.join(', ')}]: engine ${a[worst]}, torch ${e[worst]} ` +
        `(|diff| ${Math.abs(a[worst] - e[worst]).toExponential(3)}, allowed ${(RTOL * Math.abs(e[worst]) + ATOL).toExponential(3)})`,
    );
  }
}

function unravel(flat: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return out;
}

/** The largest relative error seen across a run, reported once at the end. */
export class ErrorTally {
  maxRel = 0;
  where = '';
  note(caseName: string, what: string, actual: Tensor, expected: FixtureTensor): void {
    let scale = 0;
    for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < expected.data.length; i++) {
      const rel = Math.abs(actual.data[i] - expected.data[i]) / Math.max(scale, 1e-300);
      if (rel > this.maxRel) {
        this.maxRel = rel;
        this.where = `${caseName} (${what})`;
      }
    }
  }
}

/**
 * Run one op case: build the inputs (those named in `grad` require grad), run
 * `compute`, compare the output, backprop L = sum(out * R) and compare each
 * input's gradient. Returns the leaf tensors so callers can check state too.
 */
export function checkOpCase(
  c: OpCase,
  compute: (inputs: Record<string, Tensor>, params: Record<string, unknown>) => Tensor,
  tally?: ErrorTally,
): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(c.inputs)) inputs[name] = toTensor(t, c.grad.includes(name));
  const out = compute(inputs, c.params);
  assertClose(c.name, 'output', out, c.output);
  tally?.note(c.name, 'output', out, c.output);
  assert.ok(out.requiresGrad, `${c.name}: output does not require grad although inputs ${c.grad.join(', ')} do`);
  sum(out.mul(toTensor(c.weight))).backward();
  for (const name of c.grad) {
    const g = inputs[name].grad;
    assertClose(c.name, `d loss / d ${name}`, g, c.grads[name]);
    tally?.note(c.name, `d loss / d ${name}`, g!, c.grads[name]);
  }
  return inputs;
}

/**
 * Central differences for the engine's own tests: perturb each input element by
 * ±eps, difference a scalar objective, compare with what backward() produced.
 * Non-scalar outputs are reduced by a fixed random projection Σ r ⊙ y, so every
 * output element's gradient is exercised with a different upstream weight.
 */
import { Rng, Tensor, noGrad } from '../../src/engine';

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random projection of a non-scalar output. */
  seed?: number;
}

export interface GradCheckResult {
  ok: boolean;
  /** max |analytic - numeric| / (atol + rtol |numeric|) over all checked elements (≤ 1 passes). */
  worst: number;
  message: string;
}

function project(y: Tensor, weights: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += weights[i] * y.data[i];
  return s;
}

/** Compare backward() with central differences for every input that requires grad. */
export function gradCheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-6,
    atol = opts.atol ?? 1e-7,
    rtol = opts.rtol ?? 1e-5;
  for (const x of inputs) if (x.requiresGrad && x.dtype !== 'float64') throw new Error('gradCheck runs in float64 only');
  const probe = noGrad(() => fn(...inputs));
  const rng = new Rng(opts.seed ?? 1234);
  const weights = new Float64Array(probe.size);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.normal();

  for (const x of inputs) x.grad = null;
  const y = fn(...inputs);
  const seed = new Tensor(new Float64Array(weights), y.shape, 'float64');
  y.backward(seed);

  let worst = 0;
  let message = 'ok';
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad ? x.grad.data : new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const up = project(
        noGrad(() => fn(...inputs)),
        weights,
      );
      x.data[i] = orig - eps;
      const down = project(
        noGrad(() => fn(...inputs)),
        weights,
      );
      x.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(analytic[i] - numeric) / (atol + rtol * Math.abs(numeric));
      if (!(err <= worst)) {
        worst = Number.isNaN(err) ? Infinity : err;
        message = `input ${k} element ${i}: analytic ${analytic[i]}, numeric ${numeric}`;
      }
    }
  });
  return { ok: worst <= 1, worst, message };
}

/** A float64 leaf of standard-normal samples that requires grad. */
export function leaf(shape: number[], seed: number, scale = 1, shift = 0): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = shift + scale * rng.normal();
  return new Tensor(d, shape, 'float64', true);
}

/** Assert-style wrapper: throws with the worst element when the check fails. */
export function assertGradOk(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const r = gradCheck(fn, inputs, opts);
  if (!r.ok) throw new Error(`${name}: gradient check failed (worst ${r.worst.toExponential(2)}): ${r.message}`);
}

/** Element-wise closeness of two flat arrays. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i],
      e = expected[i];
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e))) && !(a === e)) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
    }
  }
}

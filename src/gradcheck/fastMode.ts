import type { Tolerance } from './types';
import type { Objective } from './objective';
import type { Rng } from '../engine/rng';
import { differences, looksLikeKink, recheck } from './kinks';
import { elementPasses, relativeError } from './compare';

/**
 * PyTorch's fast mode, specialised to the checker's scalar L = sum(out * R): R already is
 * the random vector v, so vᵀJu is the directional derivative of L along u. Per input, a
 * few random unit directions u each cost two forward calls, against 2 x size for a full
 * check. A pass is a screen, not proof for every element; a failure is handed to the full
 * check to say where.
 */
export interface FastOutcome {
  /** 'passed' when every projection agreed; 'failed' or 'kink' send the input to a full check. */
  verdict: 'passed' | 'failed' | 'kink';
  maxAbsError: number;
  maxRelError: number;
  projections: number;
}

export function fastCheckInput(
  objective: Objective,
  data: Float64Array,
  analytic: Float64Array,
  l0: number,
  tol: Tolerance,
  rng: Rng,
  projections: number,
): FastOutcome {
  const n = data.length;
  const saved = Float64Array.from(data);
  const u = new Float64Array(n);
  let maxAbs = 0;
  let maxRel = 0;
  for (let p = 0; p < projections; p++) {
    let norm = 0;
    for (let i = 0; i < n; i++) {
      u[i] = rng.normal();
      norm += u[i] * u[i];
    }
    norm = Math.sqrt(norm);
    let directional = 0;
    for (let i = 0; i < n; i++) {
      u[i] /= norm;
      directional += analytic[i] * u[i];
    }
    const along = (step: number): { plus: number; minus: number } => {
      for (let i = 0; i < n; i++) data[i] = saved[i] + step * u[i];
      const plus = objective.value();
      for (let i = 0; i < n; i++) data[i] = saved[i] - step * u[i];
      const minus = objective.value();
      data.set(saved);
      return { plus, minus };
    };
    const coarse = along(tol.eps);
    const estimate = differences(coarse.plus, coarse.minus, l0, tol.eps);
    let numeric = estimate.central;
    if (looksLikeKink(estimate, tol)) {
      const fine = along(tol.eps / 10);
      const verdict = recheck(estimate, differences(fine.plus, fine.minus, l0, tol.eps / 10), tol);
      if (verdict.kink) return { verdict: 'kink', maxAbsError: maxAbs, maxRelError: maxRel, projections: p + 1 };
      numeric = verdict.numeric;
    }
    const abs = Math.abs(directional - numeric);
    maxAbs = Math.max(maxAbs, Number.isNaN(abs) ? Infinity : abs);
    maxRel = Math.max(maxRel, Number.isNaN(abs) ? Infinity : relativeError(directional, numeric, tol));
    if (!elementPasses(directional, numeric, tol)) {
      return { verdict: 'failed', maxAbsError: maxAbs, maxRelError: maxRel, projections: p + 1 };
    }
  }
  return { verdict: 'passed', maxAbsError: maxAbs, maxRelError: maxRel, projections };
}

import type { Tolerance } from './types';
import type { Objective } from './objective';
import { differences, looksLikeKink, recheck, type Differences, type Verdict } from './kinks';

/**
 * What central differences found at each position: the estimate, whether a kink was
 * crossed, and at a kink the one-sided slopes (low at 2j, high at 2j + 1) that a valid
 * subgradient lies between.
 */
export interface Estimates {
  numeric: Float64Array;
  kink: Uint8Array;
  slopes: Float64Array;
}

/**
 * Numeric derivative of the objective with respect to one element, perturbed in place
 * and restored exactly. Two forward calls, plus two more only where the one-sided
 * differences disagree (see kinks.ts). Writes the estimate, kink mark and slopes for j
 * into `est`; returns nothing to keep the hot loop free of allocations.
 */
export function estimateElement(objective: Objective, data: Float64Array, j: number, l0: number, tol: Tolerance, est: Estimates): void {
  const eps = tol.eps;
  valuesAround(objective, data, j, eps);
  const coarse = differences(around[0], around[1], l0, eps);
  // NaN differences never look like kinks: they are reported as they are and fail.
  if (!looksLikeKink(coarse, tol)) {
    est.numeric[j] = coarse.central;
    est.kink[j] = 0;
    return;
  }
  const fineEps = eps / 10;
  valuesAround(objective, data, j, fineEps);
  record(est, j, recheck(coarse, differences(around[0], around[1], l0, fineEps), tol));
}

/** L at data[j] + step and - step, reused across calls so the hot loop allocates nothing. */
const around = new Float64Array(2);

function valuesAround(objective: Objective, data: Float64Array, j: number, step: number): void {
  const original = data[j];
  data[j] = original + step;
  around[0] = objective.value();
  data[j] = original - step;
  around[1] = objective.value();
  data[j] = original;
}

function record(est: Estimates, j: number, verdict: Verdict): void {
  est.numeric[j] = verdict.numeric;
  est.kink[j] = verdict.kink ? 1 : 0;
  if (verdict.kink) {
    est.slopes[2 * j] = verdict.low;
    est.slopes[2 * j + 1] = verdict.high;
  }
}

/** Central differences of L at `positions` of input `index`; NaN elsewhere. */
export function numericAt(objective: Objective, index: number, name: string, positions: Int32Array, l0: number, tol: Tolerance): Estimates {
  const { data, shape } = objective.work[index];
  const est: Estimates = {
    numeric: new Float64Array(data.length).fill(NaN),
    kink: new Uint8Array(data.length),
    slopes: new Float64Array(2 * data.length).fill(NaN),
  };
  if (objective.batches) {
    batchedNumericAt(objective, index, name, positions, l0, tol, est);
    return est;
  }
  for (let i = 0; i < positions.length; i++) {
    const j = positions[i];
    objective.perturbing(name, j, shape);
    estimateElement(objective, data, j, l0, tol, est);
  }
  objective.perturbing(null);
  return est;
}

/**
 * The same estimates as estimateElement, asked of the target in two batches (see
 * CheckTarget.valuesAlong): every position at eps, then at eps/10 only those whose
 * one-sided differences disagreed.
 */
function batchedNumericAt(
  objective: Objective,
  index: number,
  name: string,
  positions: Int32Array,
  l0: number,
  tol: Tolerance,
  est: Estimates,
): void {
  if (positions.length === 0) return;
  const coarse = objective.valuesAlong(index, name, positions, tol.eps);
  const suspects: number[] = [];
  const coarseAt: Differences[] = [];
  for (let k = 0; k < positions.length; k++) {
    const d = differences(coarse.plus[k], coarse.minus[k], l0, tol.eps);
    est.numeric[positions[k]] = d.central;
    if (looksLikeKink(d, tol)) {
      suspects.push(k);
      coarseAt.push(d);
    }
  }
  if (suspects.length === 0) return;
  const finePositions = Int32Array.from(suspects, (k) => positions[k]);
  const fineEps = tol.eps / 10;
  const fine = objective.valuesAlong(index, name, finePositions, fineEps);
  suspects.forEach((_, s) => {
    record(est, finePositions[s], recheck(coarseAt[s], differences(fine.plus[s], fine.minus[s], l0, fineEps), tol));
  });
}

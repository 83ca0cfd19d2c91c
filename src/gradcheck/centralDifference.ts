import type { Tolerance } from './types';
import type { Objective } from './objective';
import { differences, looksLikeKink, recheck, type Differences } from './kinks';

/**
 * Numeric derivative of the objective with respect to one element, perturbed in place
 * and restored exactly. Two forward calls, plus two more only where the one-sided
 * differences disagree (see kinks.ts). Writes the estimate to numeric[j] and marks
 * kink[j]; returns nothing to keep the hot loop free of allocations.
 */
export function estimateElement(
  objective: Objective,
  data: Float64Array,
  j: number,
  l0: number,
  tol: Tolerance,
  numeric: Float64Array,
  kink: Uint8Array,
): void {
  const original = data[j];
  const eps = tol.eps;
  data[j] = original + eps;
  const lPlus = objective.value();
  data[j] = original - eps;
  const lMinus = objective.value();
  data[j] = original;

  const coarse = differences(lPlus, lMinus, l0, eps);
  // NaN differences never look like kinks: they are reported as they are and fail.
  if (!looksLikeKink(coarse, tol)) {
    numeric[j] = coarse.central;
    kink[j] = 0;
    return;
  }
  const fineEps = eps / 10;
  data[j] = original + fineEps;
  const finePlus = objective.value();
  data[j] = original - fineEps;
  const fineMinus = objective.value();
  data[j] = original;
  const verdict = recheck(coarse, differences(finePlus, fineMinus, l0, fineEps), tol);
  numeric[j] = verdict.numeric;
  kink[j] = verdict.kink ? 1 : 0;
}

/** Central differences of L at `positions` of input `index`; NaN elsewhere. */
export function numericAt(
  objective: Objective,
  index: number,
  name: string,
  positions: Int32Array,
  l0: number,
  tol: Tolerance,
): { numeric: Float64Array; kink: Uint8Array } {
  const { data, shape } = objective.work[index];
  const numeric = new Float64Array(data.length).fill(NaN);
  const kink = new Uint8Array(data.length);
  if (objective.batches) {
    batchedNumericAt(objective, index, name, positions, l0, tol, numeric, kink);
    return { numeric, kink };
  }
  for (let i = 0; i < positions.length; i++) {
    const j = positions[i];
    objective.perturbing(name, j, shape);
    estimateElement(objective, data, j, l0, tol, numeric, kink);
  }
  objective.perturbing(null);
  return { numeric, kink };
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
  numeric: Float64Array,
  kink: Uint8Array,
): void {
  if (positions.length === 0) return;
  const coarse = objective.valuesAlong(index, name, positions, tol.eps);
  const suspects: number[] = [];
  const coarseAt: Differences[] = [];
  for (let k = 0; k < positions.length; k++) {
    const d = differences(coarse.plus[k], coarse.minus[k], l0, tol.eps);
    numeric[positions[k]] = d.central;
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
    const verdict = recheck(coarseAt[s], differences(fine.plus[s], fine.minus[s], l0, fineEps), tol);
    numeric[finePositions[s]] = verdict.numeric;
    kink[finePositions[s]] = verdict.kink ? 1 : 0;
  });
}

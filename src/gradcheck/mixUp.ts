import type { Rng } from '../engine/rng';
import type { FlatTensor, LayerFinding, Tolerance } from './types';
import type { Objective } from './objective';
import { numericAt } from './centralDifference';
import { elementPasses } from './compare';
import { listOf } from './layerHint';
import { samplePositions } from './sampling';
import { sameShape } from './shapes';

/**
 * Recognises one common derivation slip: two inputs of the same shape mixed up in the
 * backward (W1ᵀ where W2ᵀ belongs). If the analytic gradients of the failing inputs
 * come out right once the two inputs hold the same values, and again with the values
 * the other way round, whatever is wrong depends only on their difference: the backward
 * uses one where the other belongs. Each trial is a forward, the user's backward and a
 * seeded sample of central differences per failing input, so it costs a small fraction
 * of the check that found the failures.
 */
export interface MixUpProbe {
  objective: Objective;
  names: readonly string[];
  /** Inputs whose gradients failed, each with the right shape. */
  failing: readonly number[];
  tol: Tolerance;
  rng: Rng;
  /** L and the user's analytic gradients at the objective's current working inputs; throws on any fault. */
  analyticHere(): { l0: number; gradients: (FlatTensor | null)[] };
  /** Forward calls the probe may spend. */
  budget: number;
}

/** Positions sampled per failing input in each trial. */
const MIX_UP_SAMPLE = 12;
/** Same-shape pairs tried at most. */
const MAX_PAIRS = 6;

export function findMixUp(p: MixUpProbe): LayerFinding | undefined {
  const { objective, names, failing } = p;
  const work = objective.work;
  const pairs: [number, number][] = [];
  for (let a = 0; a < work.length; a++) {
    for (let b = a + 1; b < work.length; b++) {
      if (work[a].data.length >= 2 && sameShape(work[a].shape, work[b].shape)) pairs.push([a, b]);
    }
  }
  if (pairs.length === 0) return undefined;
  // Central differences cost two calls per element (four where one looks like a kink).
  const perTrial = 1 + failing.reduce((s, i) => s + 2 * Math.min(MIX_UP_SAMPLE, work[i].data.length), 0);
  const start = objective.forwardCalls;
  for (const [a, b] of pairs.slice(0, MAX_PAIRS)) {
    if (objective.forwardCalls - start + 2 * perTrial > p.budget) break;
    if (rightWhenEqual(p, a, b) && rightWhenEqual(p, b, a)) {
      const swap = `uses ${names[a]} where ${names[b]} belongs, or ${names[b]} where ${names[a]} belongs`;
      return {
        kind: 'mix-up',
        short: `backward ${swap}`,
        text:
          `${listOf(failing.map((i) => names[i]))} ${failing.length === 1 ? 'comes' : 'come'} out right when ${names[a]} is given ${names[b]}'s values, and when ${names[b]} is given ${names[a]}'s, ` +
          `so the backward seems to mix them up: it ${swap}`,
      };
    }
  }
  return undefined;
}

/** Gives input `to` the values of input `from`, checks the failing inputs there, and puts `to` back. */
function rightWhenEqual(p: MixUpProbe, to: number, from: number): boolean {
  const target = p.objective.work[to].data;
  const saved = Float64Array.from(target);
  target.set(p.objective.work[from].data);
  try {
    return failingInputsPass(p);
  } catch {
    // A forward or backward that cannot run at this point tells nothing either way.
    return false;
  } finally {
    target.set(saved);
    p.objective.perturbing(null);
  }
}

function failingInputsPass(p: MixUpProbe): boolean {
  const { objective, names, tol } = p;
  const { l0, gradients } = p.analyticHere();
  for (const i of p.failing) {
    const { data, shape } = objective.work[i];
    const g = gradients[i];
    if (!g || g.data.length !== data.length || (g.shape && !sameShape(g.shape, shape))) return false;
    const positions = samplePositions(data.length, MIX_UP_SAMPLE, p.rng);
    const { numeric, kink } = numericAt(objective, i, names[i], positions, l0, tol);
    let compared = 0;
    let largest = 0;
    for (const j of positions) {
      if (kink[j]) continue;
      if (!elementPasses(g.data[j], numeric[j], tol)) return false;
      compared++;
      largest = Math.max(largest, Math.abs(numeric[j]));
    }
    // A point where the gradient vanishes, or sits on kinks, would pass anything.
    if (compared < Math.min(2, positions.length) || !(largest > 10 * tol.atol)) return false;
  }
  return true;
}

import type { Tolerance } from './types';

/**
 * Kinks: points where the layer is not differentiable (ReLU at 0, max and max-pool at
 * ties). A central difference whose +eps / -eps steps straddle one measures an average
 * of two slopes, which no analytic gradient should be held to.
 *
 * Detection reuses what the central difference already paid for: with L0 (the
 * unperturbed value, computed once per layer) the forward and backward one-sided
 * differences come free. Where they agree within tolerance no kink was crossed (and the
 * central estimate is within half their gap of either slope). Only where they disagree is
 * the element re-measured at eps/10, which tells a kink from mere curvature:
 *  - smooth curvature makes the one-sided gap shrink in proportion to eps;
 *  - a kink between eps/10 and eps makes it vanish (the finer estimate is then valid);
 *  - a kink closer than eps/10 (or exactly at the point) leaves it as large as before.
 */
export interface Differences {
  central: number;
  forward: number;
  backward: number;
}

export function differences(lPlus: number, lMinus: number, l0: number, eps: number): Differences {
  return {
    central: (lPlus - lMinus) / (2 * eps),
    forward: (lPlus - l0) / eps,
    backward: (l0 - lMinus) / eps,
  };
}

function gapOf(d: Differences): number {
  return Math.abs(d.forward - d.backward);
}

function gapTolerance(d: Differences, tol: Tolerance): number {
  return tol.atol + tol.rtol * Math.max(Math.abs(d.forward), Math.abs(d.backward));
}

/** True when the one-sided differences disagree: a kink may have been crossed. */
export function looksLikeKink(d: Differences, tol: Tolerance): boolean {
  return gapOf(d) > gapTolerance(d, tol);
}

/** How much of the coarse gap must survive at eps/10 to call it a kink (curvature leaves ~0.1). */
const KINK_GAP_SURVIVAL = 0.3;

/**
 * At a kink the layer has no derivative, but a backward still owes a valid subgradient:
 * a value between the slopes on either side. The lowest and highest one-sided quotients
 * measured (at eps and eps/10) bound that range; a kink a little off the point blends
 * the two slopes, which only narrows the measured range, never widens it.
 */
export type Verdict = { kink: true; numeric: number; low: number; high: number } | { kink: false; numeric: number };

/**
 * Decides an element that looked like a kink at eps, given its differences at eps/10.
 * `numeric` is the estimate to report (for a kink, the coarse central difference, for
 * display only: the kink is judged by `low` and `high`).
 */
export function recheck(coarse: Differences, fine: Differences, tol: Tolerance): Verdict {
  const fineGap = gapOf(fine);
  if (fineGap > gapTolerance(fine, tol)) {
    if (fineGap > KINK_GAP_SURVIVAL * gapOf(coarse)) {
      const slopes = [coarse.forward, coarse.backward, fine.forward, fine.backward];
      return { kink: true, numeric: coarse.central, low: Math.min(...slopes), high: Math.max(...slopes) };
    }
    // The gap shrank with eps like curvature does: the coarse central difference is sound.
    return { kink: false, numeric: coarse.central };
  }
  // The one-sided slopes agree at eps/10: any kink lies beyond, and the fine estimate holds.
  return { kink: false, numeric: fine.central };
}

/** True when `analytic` is a valid subgradient: between the one-sided slopes, within tolerance of either end. */
export function withinSlopes(analytic: number, low: number, high: number, tol: Tolerance): boolean {
  return analytic >= low - (tol.atol + tol.rtol * Math.abs(low)) && analytic <= high + (tol.atol + tol.rtol * Math.abs(high));
}

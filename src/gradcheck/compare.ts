import type { Tolerance, WorstElement } from './types';
import { withinSlopes } from './kinks';
import { unravel } from './shapes';

/** How many of the worst elements a report lists. */
export const WORST_COUNT = 5;

export function elementPasses(analytic: number, numeric: number, tol: Tolerance): boolean {
  // Written so that NaN on either side fails.
  return Math.abs(analytic - numeric) <= tol.atol + tol.rtol * Math.abs(numeric);
}

/**
 * Relative error against the larger magnitude, floored at atol so that two values that
 * are both noise around zero do not read as 100% apart.
 */
export function relativeError(analytic: number, numeric: number, tol: Tolerance): number {
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), tol.atol);
}

export interface Comparison {
  maxAbsError: number;
  maxRelError: number;
  worst: WorstElement[];
  /** Flat positions that failed, kinks whose analytic value is no valid subgradient included. */
  failing: Int32Array;
  /** Elements at kinks, passed or failed. */
  kinkCount: number;
  checkedCount: number;
}

/**
 * Compares analytic with numeric at `positions`. At a kink the central difference is no
 * derivative, so the analytic value is held to the one-sided slopes instead (`slopes`:
 * low at 2j, high at 2j + 1) and its error is its distance outside them. A NaN counts as
 * an infinite error, so a broken gradient never reports a small one.
 */
export function compareAt(
  analytic: Float64Array,
  numeric: Float64Array,
  kink: Uint8Array,
  slopes: Float64Array,
  positions: Int32Array,
  shape: readonly number[],
  tol: Tolerance,
): Comparison {
  let maxAbs = 0;
  let maxRel = 0;
  let kinkCount = 0;
  const failing: number[] = [];
  // Keep the positions of the largest errors without sorting everything.
  const top: { pos: number; err: number }[] = [];
  for (let i = 0; i < positions.length; i++) {
    const j = positions[i];
    const a = analytic[j];
    let abs: number;
    let rel: number;
    if (kink[j]) {
      kinkCount++;
      const low = slopes[2 * j];
      const high = slopes[2 * j + 1];
      if (withinSlopes(a, low, high, tol)) continue;
      const nearest = a < low ? low : high;
      abs = Math.abs(a - nearest);
      rel = relativeError(a, nearest, tol);
      failing.push(j);
    } else {
      const n = numeric[j];
      abs = Math.abs(a - n);
      rel = relativeError(a, n, tol);
      if (!elementPasses(a, n, tol)) failing.push(j);
    }
    if (Number.isNaN(abs)) abs = rel = Infinity;
    if (abs > maxAbs) maxAbs = abs;
    if (rel > maxRel) maxRel = rel;
    if (top.length < WORST_COUNT || abs > top[top.length - 1].err) {
      top.push({ pos: j, err: abs });
      top.sort((p, q) => q.err - p.err);
      if (top.length > WORST_COUNT) top.pop();
    }
  }
  return {
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worst: top.map(({ pos }) => ({ index: unravel(pos, shape), analytic: analytic[pos], numeric: numeric[pos] })),
    failing: Int32Array.from(failing),
    kinkCount,
    checkedCount: positions.length,
  };
}

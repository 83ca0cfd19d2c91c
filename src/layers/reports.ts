import { resolveTolerance } from '../gradcheck';
import type { CheckMode, LayerReport, Tolerance } from '../gradcheck/types';

/** A layer that could not be checked at all: the message says why. */
export function errorReport(name: string, error: string, mode: CheckMode, tolerance?: Partial<Tolerance>): LayerReport {
  let tol: Tolerance;
  try {
    tol = resolveTolerance(tolerance);
  } catch {
    tol = resolveTolerance();
  }
  return { name, passed: false, error, inputs: [], mode, timeMs: 0, forwardCalls: 0, tolerance: tol };
}

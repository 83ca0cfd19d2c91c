/**
 * One input's gradient against central differences: its shape first, then (fast mode)
 * random projections, then the elements (all, or a seeded sample), each compared and,
 * when some fail, diagnosed. The layer-level work (forward, backward, nondeterminism,
 * findings) stays in checker.ts.
 */
import type { Rng } from '../engine/rng';
import { numericAt } from './centralDifference';
import { compareAt } from './compare';
import { diagnose, diagnoseShape, isSwappedShape, nonFinite, valuesMatchTransposed } from './diagnosis';
import { fastCheckInput } from './fastMode';
import type { Objective } from './objective';
import { allPositions, samplePositions } from './sampling';
import { sameShape, sizeOf } from './shapes';
import type { CheckOptions, FlatTensor, InputReport, Tolerance } from './types';

export const DEFAULT_SAMPLE_SIZE = 64;
export const DEFAULT_PROJECTIONS = 2;
/** Inputs up to this many elements carry their full gradients in the report (for heatmaps). */
export const HEATMAP_LIMIT = 4096;

export function notChecked(name: string, shape: number[], why: string): InputReport {
  return {
    name,
    status: 'not-checked',
    shape: shape.slice(),
    maxAbsError: 0,
    maxRelError: 0,
    worst: [],
    diagnosis: why,
    kinkCount: 0,
    checkedCount: 0,
  };
}

export function checkInput(
  objective: Objective,
  index: number,
  name: string,
  gradient: FlatTensor,
  l0: number,
  tol: Tolerance,
  options: CheckOptions,
  fastRng: Rng,
  sampleRng: Rng,
): InputReport {
  const work = objective.work[index];
  const shape = work.shape;
  const size = work.data.length;
  const analytic = gradient.data instanceof Float64Array ? gradient.data : Float64Array.from(gradient.data);
  const analyticShape = gradient.shape ? gradient.shape.slice() : [analytic.length];

  const positionsFor = (): { positions: Int32Array; sampled: boolean } => {
    if (options.mode === 'sparse') {
      const k = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
      return { positions: samplePositions(size, k, sampleRng), sampled: k < size };
    }
    return { positions: allPositions(size), sampled: false };
  };

  // Shape problems are found before any comparison.
  if (!sameShape(analyticShape, shape) || analytic.length !== size) {
    let transposedValues = false;
    if (analytic.length === size && isSwappedShape(analyticShape, shape)) {
      const { positions } = positionsFor();
      const { numeric, kink } = numericAt(objective, index, name, positions, l0, tol);
      transposedValues = valuesMatchTransposed(analytic, numeric, kink, positions, shape, tol);
    }
    const shownShape = analytic.length === sizeOf(analyticShape) ? analyticShape : [analytic.length];
    return {
      name,
      status: 'failed',
      shape: shape.slice(),
      maxAbsError: NaN,
      maxRelError: NaN,
      worst: [],
      diagnosis: diagnoseShape(name, shownShape, shape, transposedValues),
      kinkCount: 0,
      checkedCount: 0,
    };
  }

  let fastProjections: number | undefined;
  if (options.mode === 'fast' && nonFinite(analytic, shape, 'analytic', '') === undefined) {
    const projections = options.projections ?? DEFAULT_PROJECTIONS;
    objective.perturbing(name);
    const fast = fastCheckInput(objective, work.data, analytic, l0, tol, fastRng, projections);
    objective.perturbing(null);
    if (fast.verdict === 'passed') {
      return {
        name,
        status: 'passed',
        shape: shape.slice(),
        maxAbsError: fast.maxAbsError,
        maxRelError: fast.maxRelError,
        worst: [],
        kinkCount: 0,
        checkedCount: fast.projections,
        projections: fast.projections,
        ...(size <= HEATMAP_LIMIT ? { analytic: Array.from(analytic) } : {}),
      };
    }
    fastProjections = fast.projections;
  }

  const { positions, sampled } = positionsFor();
  const { numeric, kink, slopes } = numericAt(objective, index, name, positions, l0, tol);
  const comparison = compareAt(analytic, numeric, kink, slopes, positions, shape, tol);
  const brokenAnalytic = nonFinite(analytic, shape, 'analytic', '');
  const nonKink = comparison.checkedCount - comparison.kinkCount;

  const report: InputReport = {
    name,
    status: 'passed',
    shape: shape.slice(),
    maxAbsError: comparison.maxAbsError,
    maxRelError: comparison.maxRelError,
    worst: comparison.worst,
    kinkCount: comparison.kinkCount,
    checkedCount: comparison.checkedCount,
  };
  if (sampled) report.sampled = true;
  if (fastProjections !== undefined) {
    report.projections = fastProjections;
    report.fastFallback = true;
  }
  if (comparison.failing.length > 0 || brokenAnalytic) {
    report.status = 'failed';
    report.diagnosis = diagnose({
      name,
      shape,
      analytic,
      numeric,
      kink,
      slopes,
      positions,
      failing: comparison.failing,
      complete: !sampled,
      tol,
    });
  } else if (nonKink === 0) {
    report.status = 'kink';
    report.diagnosis =
      `every ${sampled ? 'sampled ' : ''}element of ${name} sits at a kink (e.g. a ReLU input at 0 or a max-pool tie), so nothing could be verified: ` +
      'check at inputs away from ties';
  }
  if (size <= HEATMAP_LIMIT) {
    report.analytic = Array.from(analytic);
    if (!sampled) report.numeric = Array.from(numeric);
  }
  return report;
}

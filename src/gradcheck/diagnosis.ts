import type { Tolerance } from './types';
import { elementPasses } from './compare';
import { allZero, confinedPattern } from './confined';
import { rearranged } from './rearranged';
import { formatIndex, formatShape, transposedPositions, unravel } from './shapes';
import { fmt } from './wording';

/**
 * Says in one sentence what a failing gradient's error looks like. Checks run from the
 * most specific explanation to the least: broken values (NaN/Infinity), a gradient that
 * is zero or should be, a constant factor (sign, 1/N, ...), a transpose, the right values
 * moved (shifted, slices reordered, turned: rearranged.ts), one factor per row or column,
 * errors confined to a diagonal, a block, some rows/columns, the border or a few elements
 * (confined.ts), zero or nonzero where the other is not, then a plain count. A named
 * pattern holds at every compared element; near misses get the plain count.
 */
export interface DiagnosisInput {
  name: string;
  shape: readonly number[];
  analytic: Float64Array;
  numeric: Float64Array;
  kink: Uint8Array;
  /** At a kink j, the one-sided slopes: low at 2j, high at 2j + 1. */
  slopes: Float64Array;
  /** The positions compared (all of them, or a sample). */
  positions: Int32Array;
  failing: Int32Array;
  /** Numeric values exist at every position, so spatial patterns and transposes can be judged. */
  complete: boolean;
  tol: Tolerance;
}

export function diagnose(all: DiagnosisInput): string {
  const atKinks = all.failing.filter((j) => all.kink[j] === 1);
  // Patterns are judged on derivatives, which kinks lack: those failures get their own words.
  const d = atKinks.length === 0 ? all : { ...all, failing: all.failing.filter((j) => all.kink[j] === 0) };
  const kinks = atKinks.length === 0 ? undefined : kinkFailures(all, atKinks);
  if (kinks !== undefined && d.failing.length === 0) return nonFinite(d.analytic, d.shape, 'analytic', '') ?? kinks;
  const rest = smoothDiagnosis(d);
  return kinks === undefined ? rest : `${rest}; and ${kinks}`;
}

function kinkFailures(d: DiagnosisInput, atKinks: Int32Array): string {
  const j = atKinks[0];
  const low = d.slopes[2 * j];
  const high = d.slopes[2 * j + 1];
  const more = atKinks.length > 1 ? ` (and ${atKinks.length - 1} more ${atKinks.length === 2 ? 'kink' : 'kinks'} like it)` : '';
  return `at a kink of ${d.name}${formatIndex(unravel(j, d.shape))}: analytic ${fmt(d.analytic[j])} is outside the one-sided slopes [${fmt(low)}, ${fmt(high)}]${more}`;
}

function smoothDiagnosis(d: DiagnosisInput): string {
  const compared = d.positions.filter((j) => !d.kink[j]);
  return (
    nonFinite(d.analytic, d.shape, 'analytic', '') ??
    nonFiniteAt(d.numeric, compared, d.shape, 'numeric', `: the forward produces NaN or Infinity when ${d.name} is perturbed there`) ??
    zeroEverywhere(d, compared) ??
    constantFactor(d, compared) ??
    transposed(d, compared) ??
    (d.complete ? rearranged(d, compared) : undefined) ??
    (d.complete ? factorPerSlice(d, compared) : undefined) ??
    (d.complete ? confinedPattern(d, compared) : undefined) ??
    zeroWhereFailing(d, compared) ??
    nonzeroWhereZero(d, compared) ??
    plainCount(d, compared)
  );
}

/** The analytic gradient was returned with the wrong shape (found before any comparison). */
export function diagnoseShape(
  name: string,
  analyticShape: readonly number[],
  expectedShape: readonly number[],
  valuesAreTransposed: boolean,
): string {
  const base = `wrong shape: the analytic gradient has shape ${formatShape(analyticShape)}, but ${name} has shape ${formatShape(expectedShape)}`;
  return valuesAreTransposed ? `${base}; its values are the transpose of the right gradient` : base;
}

/** True when `shape` is `expected` with its last two dimensions swapped (and they differ). */
export function isSwappedShape(shape: readonly number[], expected: readonly number[]): boolean {
  const n = expected.length;
  if (n < 2 || shape.length !== n || expected[n - 1] === expected[n - 2]) return false;
  for (let i = 0; i < n - 2; i++) if (shape[i] !== expected[i]) return false;
  return shape[n - 2] === expected[n - 1] && shape[n - 1] === expected[n - 2];
}

export function nonFinite(values: Float64Array, shape: readonly number[], which: string, hint: string): string | undefined {
  return nonFiniteAt(values, null, shape, which, hint);
}

function nonFiniteAt(
  values: Float64Array,
  positions: Int32Array | null,
  shape: readonly number[],
  which: string,
  hint: string,
): string | undefined {
  let nan = 0;
  let inf = 0;
  let first = -1;
  const count = positions ? positions.length : values.length;
  for (let i = 0; i < count; i++) {
    const j = positions ? positions[i] : i;
    const v = values[j];
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
    else continue;
    if (first < 0) first = j;
  }
  if (first < 0) return undefined;
  const kinds = nan && inf ? 'NaN and Infinity' : nan ? 'NaN' : 'Infinity';
  return `the ${which} gradient has ${kinds} at ${nan + inf} of ${count} elements (first at ${formatIndex(unravel(first, shape))})${hint}`;
}

function zeroEverywhere(d: DiagnosisInput, compared: Int32Array): string | undefined {
  let analyticZero = true;
  let numericSmall = true;
  let maxNumeric = 0;
  let maxAnalytic = 0;
  for (const j of compared) {
    if (d.analytic[j] !== 0) analyticZero = false;
    if (Math.abs(d.numeric[j]) > d.tol.atol) numericSmall = false;
    maxNumeric = Math.max(maxNumeric, Math.abs(d.numeric[j]));
    maxAnalytic = Math.max(maxAnalytic, Math.abs(d.analytic[j]));
  }
  if (analyticZero && !numericSmall) {
    return `the analytic gradient is zero everywhere, but the numeric one is not (up to ${fmt(maxNumeric)}): the gradient never reaches ${d.name}?`;
  }
  if (numericSmall && !analyticZero) {
    return `the numeric gradient is zero (the output does not depend on ${d.name}), but the analytic one is not (up to ${fmt(maxAnalytic)})`;
  }
  return undefined;
}

function constantFactor(d: DiagnosisInput, compared: Int32Array): string | undefined {
  let an = 0;
  let nn = 0;
  for (const j of compared) {
    an += d.analytic[j] * d.numeric[j];
    nn += d.numeric[j] * d.numeric[j];
  }
  if (!(nn > 0)) return undefined;
  const k = an / nn;
  if (Math.abs(k - 1) <= d.tol.rtol || Math.abs(k) < 1e-12) return undefined;
  for (const j of compared) {
    if (!elementPasses(d.analytic[j], k * d.numeric[j], d.tol)) return undefined;
  }
  // A factor that only holds on a handful of elements is a coincidence, not a finding.
  if (compared.length < 2) return undefined;
  return describeFactor(k);
}

/** The smallest-denominator fraction p/q (q <= 64) equal to k within 1e-4 relative. */
export function simpleFraction(k: number): { p: number; q: number } | undefined {
  for (let q = 1; q <= 64; q++) {
    const p = Math.round(k * q);
    if (p !== 0 && Math.abs(k - p / q) <= 1e-4 * Math.abs(k)) return { p, q };
  }
  return undefined;
}

export function describeFactor(k: number): string {
  const f = simpleFraction(k);
  if (!f) return `off by a constant factor of about ${fmt(k)} (analytic ≈ ${fmt(k)} × numeric)`;
  const { p, q } = f;
  if (p === -1 && q === 1) return 'sign flipped: the analytic gradient is exactly -1 × the numeric one';
  const sign = p < 0 ? 'sign flipped and ' : '';
  const ap = Math.abs(p);
  if (ap === 1) return `${sign}off by a constant factor of exactly ${p < 0 ? '-' : ''}1/${q} (N = ${q}): a mean where a sum belongs?`;
  if (q === 1)
    return `${sign}off by a constant factor of exactly ${p}x (N = ${ap}): a sum where a mean belongs, or a factor applied twice?`;
  return `${sign}off by a constant factor of exactly ${p}/${q}`;
}

/**
 * Right up to one factor per row (or per column) of the last two axes: analytic ≈ k_r ×
 * numeric in each, with at least two different factors (one is constantFactor's finding).
 * A row whose numeric gradient is all zero fixes no factor, so it must match as it is.
 */
function factorPerSlice(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const nd = d.shape.length;
  if (nd < 2) return undefined;
  const rows = d.shape[nd - 2];
  const cols = d.shape[nd - 1];
  for (const [what, count, sliceOf] of [
    ['row', rows, (j: number) => Math.floor(j / cols) % rows],
    ['column', cols, (j: number) => j % cols],
  ] as const) {
    if (count < 2) continue;
    const an = new Float64Array(count);
    const nn = new Float64Array(count);
    for (const j of compared) {
      an[sliceOf(j)] += d.analytic[j] * d.numeric[j];
      nn[sliceOf(j)] += d.numeric[j] * d.numeric[j];
    }
    const k = Array.from(an, (a, r) => (nn[r] > 0 ? a / nn[r] : 1));
    if (!compared.every((j) => elementPasses(d.analytic[j], k[sliceOf(j)] * d.numeric[j], d.tol))) continue;
    const off = k.map((f, r) => ({ f, r })).filter(({ f }) => Math.abs(f - 1) > d.tol.rtol);
    const distinct = new Set(k.map((f) => f.toPrecision(4)));
    // Zeroed slices are a missing term, which the confined and zero patterns name better.
    if (off.length < 2 || distinct.size < 2 || off.some(({ f }) => Math.abs(f) <= d.tol.rtol)) continue;
    const listed = off.slice(0, 4).map(({ f, r }) => `${what} ${r} × ${fmt(f)}`);
    const more = off.length > 4 ? `, … (${off.length} ${what}s in all)` : '';
    return `the analytic gradient is right up to one factor per ${what}: ${listed.join(', ')}${more}: a per-${what} scale (a norm, a count) applied or left out?`;
  }
  return undefined;
}

function transposed(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const nd = d.shape.length;
  if (!d.complete || nd < 2 || d.shape[nd - 1] !== d.shape[nd - 2] || d.shape[nd - 1] < 2) return undefined;
  if (valuesMatchTransposed(d.analytic, d.numeric, d.kink, compared, d.shape, d.tol)) {
    return `the analytic gradient is the transpose of the right one (it matches the numeric gradient with its last two dimensions swapped)`;
  }
  return undefined;
}

/**
 * True when `analytic`, read as the transpose of a tensor of `shape` (its last two
 * dimensions swapped), matches `numeric` at the compared positions.
 * `analytic` holds the swapped tensor's data, row-major.
 */
export function valuesMatchTransposed(
  analytic: Float64Array,
  numeric: Float64Array,
  kink: Uint8Array,
  compared: Int32Array,
  shape: readonly number[],
  tol: Tolerance,
): boolean {
  const swappedShape = shape.slice();
  const nd = shape.length;
  swappedShape[nd - 2] = shape[nd - 1];
  swappedShape[nd - 1] = shape[nd - 2];
  // Transposing the swapped layout gives the original one: fromSwapped[j] is where the
  // element at original position j sits in `analytic`.
  const fromSwapped = transposedPositions(swappedShape);
  let any = false;
  for (const j of compared) {
    if (kink[j]) continue;
    if (!elementPasses(analytic[fromSwapped[j]], numeric[j], tol)) return false;
    any = true;
  }
  return any;
}

function zeroWhereFailing(d: DiagnosisInput, compared: Int32Array): string | undefined {
  if (d.failing.length === 0 || !allZero(d.analytic, d.failing)) return undefined;
  return `the analytic gradient is zero at ${d.failing.length} of ${compared.length} ${d.complete ? '' : 'sampled '}elements where the numeric one is not: a missing term or a wrong mask?`;
}

function nonzeroWhereZero(d: DiagnosisInput, compared: Int32Array): string | undefined {
  if (d.failing.length === 0) return undefined;
  for (const j of d.failing) if (!(Math.abs(d.numeric[j]) <= d.tol.atol)) return undefined;
  return `the analytic gradient is nonzero at ${d.failing.length} of ${compared.length} ${d.complete ? '' : 'sampled '}elements where the numeric one is zero: a missing mask (such as ReLU's z > 0 gate)?`;
}

const NO_PATTERN = 'elements with no simple pattern';

/** True for the diagnosis that names no pattern, only how many elements are wrong. */
export function namesNoPattern(diagnosis: string): boolean {
  return diagnosis.startsWith('wrong at ') && diagnosis.includes(NO_PATTERN);
}

function plainCount(d: DiagnosisInput, compared: Int32Array): string {
  let worst = -1;
  let worstErr = -1;
  for (const j of d.failing) {
    const e = Math.abs(d.analytic[j] - d.numeric[j]);
    if (e > worstErr || Number.isNaN(e)) {
      worstErr = e;
      worst = j;
    }
  }
  const where = worst >= 0 ? ` (largest error ${fmt(worstErr)} at ${formatIndex(unravel(worst, d.shape))})` : '';
  return `wrong at ${d.failing.length} of ${compared.length} ${d.complete ? '' : 'sampled '}${NO_PATTERN}${where}`;
}

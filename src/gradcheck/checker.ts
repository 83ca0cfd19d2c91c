import { Rng } from '../engine/rng';
import type { CheckOptions, CheckTarget, FlatTensor, LayerFinding, LayerReport, Tolerance } from './types';
import { DEFAULT_TOLERANCE } from './types';
import { LayerFault, Objective, messageOf } from './objective';
import { nonFinite } from './diagnosis';
import { checkInput, notChecked } from './checkInput';
import { passFailFinding } from './layerHint';
import { looserThanSettings } from './looserTolerance';
import { findMixUp } from './mixUp';
import { formatIndex, formatShape, sizeOf, unravel } from './shapes';

/** Bad options from the caller (user settings, CLI flags), as opposed to faults of the layer. */
class OptionsError extends Error {}

/**
 * Checks a layer's analytic gradients against central differences of
 * L = sum(out * R), R a seeded standard-normal upstream gradient. Synchronous: it runs
 * inside the sandbox worker. Whatever the layer's code does (throw, return garbage,
 * NaN), the answer is a LayerReport; nothing escapes.
 */
export function checkTarget(target: CheckTarget, options: CheckOptions): LayerReport {
  const started = performance.now();
  const report: LayerReport = {
    name: target.name,
    passed: false,
    inputs: [],
    mode: options.mode,
    timeMs: 0,
    forwardCalls: 0,
    tolerance: { ...DEFAULT_TOLERANCE },
  };
  let objective: Objective | undefined;
  try {
    const tol = resolveTolerance(options.tolerance, target.tolerance);
    report.tolerance = tol;
    const settings = resolveTolerance(options.tolerance);
    const looser = looserThanSettings(settings, tol);
    if (looser) {
      report.settingsTolerance = settings;
      report.looserTolerance = looser;
    }
    validateOptions(options);
    validateTarget(target);
    objective = new Objective(target);
    runCheck(target, objective, options, tol, report);
  } catch (err) {
    report.error =
      err instanceof LayerFault
        ? err.message
        : err instanceof OptionsError
          ? `invalid check options: ${err.message}`
          : `the check itself failed: ${messageOf(err)}`;
    report.inputs = [];
  }
  report.forwardCalls = objective?.forwardCalls ?? 0;
  report.passed = layerPassed(report);
  report.timeMs = performance.now() - started;
  return report;
}

function validateOptions(options: CheckOptions): void {
  if (!['full', 'fast', 'sparse'].includes(options.mode))
    throw new OptionsError(`mode must be full, fast or sparse, got ${String(options.mode)}`);
  const positiveInt = (key: 'sampleSize' | 'projections'): void => {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new OptionsError(`${key} must be a positive integer, got ${String(v)}`);
  };
  positiveInt('sampleSize');
  positiveInt('projections');
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    throw new OptionsError(`seed must be an integer, got ${String(options.seed)}`);
}

/** Defaults, overridden by the user's settings, overridden by the layer's own tolerance. */
export function resolveTolerance(settings?: Partial<Tolerance>, layer?: Partial<Tolerance>): Tolerance {
  const tol = { ...DEFAULT_TOLERANCE };
  for (const [source, fault] of [
    [settings, OptionsError],
    [layer, LayerFault],
  ] as const) {
    if (!source) continue;
    for (const key of ['atol', 'rtol', 'eps'] as const) {
      const v = source[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (key === 'eps' && v === 0)) {
        const owner = fault === LayerFault ? "the layer's " : '';
        throw new fault(
          `${owner}tolerance.${key} must be a ${key === 'eps' ? 'positive' : 'non-negative'} finite number, got ${String(v)}`,
        );
      }
      tol[key] = v;
    }
  }
  return tol;
}

function layerPassed(report: LayerReport): boolean {
  if (report.error !== undefined || report.nondeterminism !== undefined) return false;
  const statuses = report.inputs.map((i) => i.status);
  return statuses.includes('passed') && statuses.every((s) => s === 'passed' || s === 'not-checked');
}

function validateTarget(target: CheckTarget): void {
  if (target.inputs.length !== target.inputNames.length) {
    throw new LayerFault(`the layer has ${target.inputNames.length} input names but ${target.inputs.length} inputs`);
  }
  target.inputs.forEach((t, i) => {
    if (t.data.length !== sizeOf(t.shape)) {
      throw new LayerFault(`input ${target.inputNames[i]} has ${t.data.length} values but shape ${formatShape(t.shape)}`);
    }
  });
}

function runCheck(target: CheckTarget, objective: Objective, options: CheckOptions, tol: Tolerance, report: LayerReport): void {
  const rng = new Rng(options.seed ?? 0);
  const names = target.inputNames;

  const base = objective.forward();
  const out = Float64Array.from(base.out.data);
  const outShape = base.out.shape ? base.out.shape.slice() : [out.length];
  if (out.length === 0) throw new LayerFault('forward returned an empty output');
  if (out.length !== sizeOf(outShape)) {
    throw new LayerFault(`forward's output has ${out.length} values but shape ${formatShape(outShape)}`);
  }
  const badOut = nonFinite(out, outShape, 'forward output', '');
  if (badOut) throw new LayerFault(badOut.replace('the forward output gradient has', 'the forward output has'));
  assertInputsUntouched(target, objective);

  const upstream = new Float64Array(out.length);
  for (let i = 0; i < upstream.length; i++) upstream[i] = rng.normal();
  objective.setUpstream(upstream);
  let l0 = 0;
  for (let i = 0; i < out.length; i++) l0 += out[i] * upstream[i];

  // Backward right after the forward that made its cache, on copies it may scribble on.
  const gradients = callBackward(target, target.inputs, base.cache, upstream, outShape);

  const again = objective.forward().out.data;
  if (again.length !== out.length) {
    throw new LayerFault(
      `forward's output changed size between two calls on the same inputs (${out.length}, then ${again.length} elements)`,
    );
  }
  const drift = maxDifference(out, again);
  if (drift !== 0) {
    report.nondeterminism =
      `forward gave different outputs for the same inputs (max difference ${drift.toExponential(2)}), so its gradients cannot be checked: ` +
      (target.randomnessAdvice ??
        "draw randomness from ctx.rng or the engine's default generator (F.dropout with no rng), which are both replayed before every call, not Math.random or state kept between calls");
    report.inputs = names.map((name, i) => notChecked(name, target.inputs[i].shape, 'not checked: the forward is nondeterministic'));
    return;
  }

  const fastRng = rng.fork();
  const sampleRng = rng.fork();
  report.inputs = names.map((name, i) => {
    const shape = target.inputs[i].shape;
    const gradient = gradients[i];
    if (gradient === null || gradient === undefined) {
      return notChecked(name, shape, `not checked: backward returned no gradient for ${name}`);
    }
    const started = performance.now();
    const calls = objective.forwardCalls;
    const result = checkInput(objective, i, name, gradient, l0, tol, options, fastRng, sampleRng);
    result.timeMs = performance.now() - started;
    result.forwardCalls = objective.forwardCalls - calls;
    return result;
  });

  const findings = [passFailFinding(report.inputs), mixUpFinding(target, objective, report, upstream, outShape, tol, rng.fork())].filter(
    (f) => f !== undefined,
  );
  if (findings.length > 0) {
    report.findings = findings;
    report.hint = findings.map((f) => f.text).join('. ');
  }
}

/** Forward calls the mix-up probe may always spend: enough for a small layer's two trials. */
const MIX_UP_MIN_BUDGET = 300;

/**
 * When inputs fail, tries whether same-shape inputs were mixed up in the backward (see
 * mixUp.ts), spending at most half the forward calls the check took so far (or
 * MIX_UP_MIN_BUDGET, for a small layer).
 */
function mixUpFinding(
  target: CheckTarget,
  objective: Objective,
  report: LayerReport,
  upstream: Float64Array,
  outShape: number[],
  tol: Tolerance,
  rng: Rng,
): LayerFinding | undefined {
  const failing: number[] = [];
  report.inputs.forEach((input, i) => {
    if (input.status === 'failed' && input.checkedCount > 0) failing.push(i);
  });
  if (failing.length === 0) return undefined;
  return findMixUp({
    objective,
    names: target.inputNames,
    failing,
    tol,
    rng,
    budget: Math.max(Math.floor(objective.forwardCalls / 2), MIX_UP_MIN_BUDGET),
    analyticHere() {
      const here = objective.forward();
      const out = here.out.data;
      if (out.length !== upstream.length) throw new LayerFault('the output changed size');
      let l0 = 0;
      for (let i = 0; i < out.length; i++) l0 += out[i] * upstream[i];
      return { l0, gradients: callBackward(target, objective.work, here.cache, upstream, outShape) };
    },
  });
}

/** The user's backward for the inputs `at` (copied: backward may scribble on them) and the cache their forward made. */
function callBackward(
  target: CheckTarget,
  at: FlatTensor[],
  cache: unknown,
  upstream: Float64Array,
  outShape: number[],
): (FlatTensor | null)[] {
  const inputs = at.map((t) => ({ data: Float64Array.from(t.data), shape: t.shape.slice() }));
  let gradients: unknown;
  try {
    gradients = target.backward(inputs, { data: Float64Array.from(upstream), shape: outShape.slice() }, cache);
  } catch (err) {
    throw new LayerFault(`backward threw: ${messageOf(err)}`);
  }
  const names = target.inputNames;
  if (!Array.isArray(gradients)) {
    throw new LayerFault(`backward returned ${describeValue(gradients)} instead of one gradient per input (${names.join(', ')})`);
  }
  if (gradients.length !== names.length) {
    throw new LayerFault(
      `backward returned ${gradients.length} gradient${gradients.length === 1 ? '' : 's'} for ${names.length} inputs (${names.join(', ')})`,
    );
  }
  gradients.forEach((g, i) => {
    if (g === null || g === undefined) return;
    const t = g as Partial<FlatTensor>;
    if (!t.data || typeof (t.data as ArrayLike<number>).length !== 'number') {
      throw new LayerFault(`backward's gradient for ${names[i]} is ${describeValue(g)}, not an array of numbers`);
    }
  });
  return gradients as (FlatTensor | null)[];
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function assertInputsUntouched(target: CheckTarget, objective: Objective): void {
  target.inputs.forEach((t, i) => {
    const work = objective.work[i].data;
    for (let j = 0; j < work.length; j++) {
      if (!Object.is(work[j], t.data[j])) {
        throw new LayerFault(
          `forward changed its input ${target.inputNames[i]} in place (at ${formatIndex(unravel(j, t.shape))}); ` +
            'it must leave its inputs untouched for the check to mean anything',
        );
      }
    }
  });
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > m || (Number.isNaN(d) && !(Number.isNaN(a[i]) && Number.isNaN(b[i])))) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/**
 * Gradient-check speed (issue 3's "Speed" targets), measured in the bench's run:
 *  - a full check of Linear(64 -> 32) + ReLU on x [8, 64] with respect to x, W and b
 *    (2,592 scalars), against PyTorch's torch.autograd.gradcheck on the same layer in
 *    float64 (scripts/bench_torch_gradcheck.py), and the same in fast mode. GradLens is
 *    timed on three forms of the layer: a CheckTarget over typed arrays (the checker's
 *    own cost), and the two ways users write layers, through the real adapters of
 *    src/layers/adapt.ts: an xxxForward/xxxBackward pair over nested arrays, and a
 *    layer() definition over engine tensors;
 *  - "check this file" to report, through the sandbox (bundle with esbuild-wasm, run in
 *    the worker, check), cold and warm, for a small layer file (bench/fixtures).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { randn, Rng, type Tensor } from '../../src/engine';
import { checkTarget } from '../../src/gradcheck';
import type { CheckMode, CheckTarget, FlatTensor, LayerReport } from '../../src/gradcheck/types';
import { adaptLayerDefinition, adaptPair } from '../../src/layers/adapt';
import { layer } from '../../src/layers/contract';
import { checkFile, disposeSandbox, type FileCheckResult, type SandboxOptions } from '../../src/layers/sandbox';
import { median } from '../stats';
import type { BenchCell, BenchContext, BenchSectionResult } from './index';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = 'scripts/bench_torch_gradcheck.py';
const TORCH_THREADS = 2;
const FIXTURE = 'bench/fixtures/twoLayerNet.ts';
const WORKER = 'dist/sandboxWorker.js';

// Issue 3's targets.
const TARGET_FULL_VS_TORCH = 1 / 3;
const TARGET_FAST_MS = 10;
const TARGET_WARM_FILE_MS = 300;

const N = 8;
const IN = 64;
const OUT = 32;
const SHAPES = { x: [N, IN], w: [IN, OUT], b: [OUT] };
const SEED = 0;

// ---------------------------------------------------------------------------
// The layer in three forms.

/** Linear + ReLU over flat row-major arrays: what any layer becomes once adapted, with no adapter cost. */
function typedArrayTarget(): CheckTarget {
  const rng = new Rng(SEED);
  const inputs = [SHAPES.x, SHAPES.w, SHAPES.b].map((shape) => ({
    data: randn(shape, { rng: rng.fork(), dtype: 'float64' }).data as Float64Array,
    shape,
  }));
  return {
    name: 'linear+relu (typed arrays)',
    inputNames: ['x', 'w', 'b'],
    inputs,
    forward([{ data: x }, { data: w }, { data: b }]) {
      const z = new Float64Array(N * OUT);
      const out = new Float64Array(N * OUT);
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < OUT; j++) {
          let s = b[j];
          for (let i = 0; i < IN; i++) s += x[n * IN + i] * w[i * OUT + j];
          z[n * OUT + j] = s;
          out[n * OUT + j] = Math.max(s, 0);
        }
      }
      return { out: { data: out, shape: [N, OUT] }, cache: z };
    },
    backward([{ data: x }, { data: w }], { data: g }, cache) {
      const z = cache as Float64Array;
      const dz = new Float64Array(N * OUT);
      for (let k = 0; k < dz.length; k++) dz[k] = z[k] > 0 ? g[k] : 0;
      const dx = new Float64Array(N * IN);
      const dw = new Float64Array(IN * OUT);
      const db = new Float64Array(OUT);
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < OUT; j++) {
          const d = dz[n * OUT + j];
          db[j] += d;
          for (let i = 0; i < IN; i++) {
            dx[n * IN + i] += d * w[i * OUT + j];
            dw[i * OUT + j] += x[n * IN + i] * d;
          }
        }
      }
      const flat = (data: Float64Array, shape: number[]): FlatTensor => ({ data, shape });
      return [flat(dx, [N, IN]), flat(dw, [IN, OUT]), flat(db, [OUT])];
    },
  };
}

/**
 * The course-assignment convention: nested arrays in and out, written with plain loops as
 * such code usually is, and adapted by adaptPair as the sandbox does.
 */
function pairTarget(): CheckTarget {
  const forward = (x: number[][], w: number[][], b: number[]): [number[][], unknown] => {
    const z: number[][] = [];
    const out: number[][] = [];
    for (let n = 0; n < x.length; n++) {
      const zn: number[] = [];
      const on: number[] = [];
      for (let j = 0; j < b.length; j++) {
        let s = b[j];
        for (let i = 0; i < w.length; i++) s += x[n][i] * w[i][j];
        zn.push(s);
        on.push(Math.max(s, 0));
      }
      z.push(zn);
      out.push(on);
    }
    return [out, { x, w, z }];
  };
  const backward = (dout: number[][], cache: { x: number[][]; w: number[][]; z: number[][] }) => {
    const { x, w, z } = cache;
    const dx = x.map((row) => row.map(() => 0));
    const dw = w.map((row) => row.map(() => 0));
    const db = w[0].map(() => 0);
    for (let n = 0; n < x.length; n++) {
      for (let j = 0; j < db.length; j++) {
        const d = z[n][j] > 0 ? dout[n][j] : 0;
        db[j] += d;
        for (let i = 0; i < w.length; i++) {
          dx[n][i] += d * w[i][j];
          dw[i][j] += x[n][i] * d;
        }
      }
    }
    return [dx, dw, db];
  };
  return adaptPair(
    {
      name: 'linearRelu',
      forward: forward as (...args: unknown[]) => unknown,
      backward: backward as (dout: unknown, cache: unknown) => unknown,
      forwardName: 'linearReluForward',
      backwardName: 'linearReluBackward',
      inputNames: ['x', 'w', 'b'],
      inputShapes: [SHAPES.x, SHAPES.w, SHAPES.b],
    },
    { seed: SEED },
  );
}

/** A layer() definition over engine tensors, adapted by adaptLayerDefinition as the sandbox does. */
function layerTarget(): CheckTarget {
  const def = layer({
    inputs: SHAPES,
    forward: ({ x, w, b }) => {
      const z = x.matmul(w).add(b);
      return { out: z.relu(), cache: z };
    },
    backward: ({ x, w }, dout, z: Tensor) => {
      const dz = dout.mul(z.gt(0));
      return { x: dz.matmul(w.T), w: x.T.matmul(dz), b: dz.sum(0) };
    },
  });
  return adaptLayerDefinition(def, 'linearRelu', { seed: SEED });
}

const SUBJECTS: Array<{ label: string; make: () => CheckTarget }> = [
  { label: 'GradLens, typed-array target', make: typedArrayTarget },
  { label: 'GradLens, forward/backward pair (nested arrays)', make: pairTarget },
  { label: 'GradLens, layer() (engine tensors)', make: layerTarget },
];

// ---------------------------------------------------------------------------
// Measurements.

interface CheckTiming {
  medianMs: number;
  runsMs: number[];
  /** The process's CPU time (all threads), which other processes on the cores skew far less than the wall clock. */
  cpuMedianMs: number;
  forwardCalls: number;
  passed: boolean;
  error?: string;
}

function timeCheck(target: CheckTarget, mode: CheckMode, runs: number): CheckTiming {
  checkTarget(target, { mode, seed: SEED }); // warm-up: lets V8 optimise the checker and the layer
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  let last: LayerReport | undefined;
  for (let r = 0; r < runs; r++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    last = checkTarget(target, { mode, seed: SEED });
    runsMs.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  return {
    medianMs: median(runsMs),
    runsMs,
    cpuMedianMs: median(cpuMs),
    forwardCalls: last?.forwardCalls ?? 0,
    passed: last?.passed ?? false,
    error: last?.error,
  };
}

export interface TorchCheck {
  median_ms: number;
  runs_ms: number[];
  cpu_median_ms: number;
  cpu_runs_ms: number[];
  forward_calls: number;
  passed: boolean;
}
export type TorchOutcome =
  | {
      status: 'ok';
      version: string;
      threads: number;
      full: TorchCheck;
      fast: TorchCheck;
      /** The same layer as a torch.autograd.Function with a hand-written backward. */
      function_full: TorchCheck;
      function_fast: TorchCheck;
    }
  | { status: 'skipped'; reason: string };

export function runTorch(quick: boolean): TorchOutcome {
  if (!existsSync(PYTHON)) return { status: 'skipped', reason: `${PYTHON} not found` };
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) {
    return {
      status: 'skipped',
      reason: `${PYTHON} -c "import torch" failed: ${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}`,
    };
  }
  if (!existsSync(TORCH_SCRIPT)) return { status: 'skipped', reason: `${TORCH_SCRIPT} not found (run the bench from the repository root)` };
  const capMs = 180_000;
  const args = [TORCH_SCRIPT, '--threads', String(TORCH_THREADS), ...(quick ? ['--quick'] : [])];
  const run = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    timeout: capMs,
    env: { ...process.env, OMP_NUM_THREADS: String(TORCH_THREADS) },
  });
  if (run.status !== 0) {
    const why = run.signal ? `did not finish within ${capMs / 1000} s` : (run.stderr || '').trim().split('\n').slice(-2).join(' ');
    return { status: 'skipped', reason: `${TORCH_SCRIPT} failed: ${why}` };
  }
  try {
    const parsed = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as { torch: string; threads: number } & Record<
      'full' | 'fast' | 'function_full' | 'function_fast',
      TorchCheck
    >;
    return {
      status: 'ok',
      version: parsed.torch,
      threads: parsed.threads,
      full: parsed.full,
      fast: parsed.fast,
      function_full: parsed.function_full,
      function_fast: parsed.function_fast,
    };
  } catch {
    return { status: 'skipped', reason: `${TORCH_SCRIPT} printed no JSON result` };
  }
}

/** One result from the runs that succeeded: every timed run pooled, one median over them. */
export function pooled(outcomes: TorchOutcome[]): TorchOutcome {
  const ok = outcomes.filter((o): o is Extract<TorchOutcome, { status: 'ok' }> => o.status === 'ok');
  if (ok.length === 0) return outcomes[0];
  const pool = (mode: 'full' | 'fast' | 'function_full' | 'function_fast'): TorchCheck => {
    const runs_ms = ok.flatMap((o) => o[mode].runs_ms);
    const cpu_runs_ms = ok.flatMap((o) => o[mode].cpu_runs_ms);
    return {
      median_ms: median(runs_ms),
      runs_ms,
      cpu_median_ms: median(cpu_runs_ms),
      cpu_runs_ms,
      forward_calls: ok[0][mode].forward_calls,
      passed: ok.every((o) => o[mode].passed),
    };
  };
  return { ...ok[0], full: pool('full'), fast: pool('fast'), function_full: pool('function_full'), function_fast: pool('function_fast') };
}

export interface FileTiming {
  ms: number;
  /** CPU time of the whole process: this thread, the bundler and the sandbox worker. */
  cpuMs: number;
  /** Over all layers of the file; null when the file did not pass, so nothing was counted fully. */
  forwardCalls: number | null;
  /** Time the checker itself took (sum of the layers' timeMs); the rest is bundling, loading and messaging. */
  checkMs: number;
  problem?: string;
}

export async function timeFileCheck(file: string, workerPath: string, mode: CheckMode, extra: SandboxOptions = {}): Promise<FileTiming> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const result: FileCheckResult = await checkFile(file, { workerPath, mode, seed: SEED, ...extra });
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const failed = result.layers.filter((l) => !l.passed).map((l) => `${l.name}${l.error ? `: ${l.error}` : ' failed'}`);
  const problem = result.loadError ?? (result.layers.length === 0 ? 'no layers found' : failed.length > 0 ? failed.join('; ') : undefined);
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    forwardCalls: problem ? null : result.layers.reduce((s, l) => s + l.forwardCalls, 0),
    checkMs: result.layers.reduce((s, l) => s + l.timeMs, 0),
    ...(problem ? { problem } : {}),
  };
}

// ---------------------------------------------------------------------------
// The section.

type Row = Record<string, BenchCell>;

interface RowValues {
  ms: number | null;
  cpuMs?: number | null;
  calls: number | null;
  vsTorch?: number | null;
  vsTorchCpu?: number | null;
  target?: string | null;
  status?: string | null;
}

function row(subject: string, mode: string, v: RowValues): Row {
  return {
    subject,
    mode,
    'ms (median)': v.ms,
    'CPU ms (median)': v.cpuMs ?? null,
    'forward calls': v.calls,
    'x PyTorch time': v.vsTorch ?? null,
    'x PyTorch CPU time': v.vsTorchCpu ?? null,
    target: v.target ?? null,
    status: v.status ?? null,
  };
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

export async function gradcheckSection(ctx: BenchContext): Promise<BenchSectionResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const fullRuns = ctx.quick ? 2 : 5;
  const fastRuns = ctx.quick ? 5 : 20;

  // PyTorch runs before and (unless quick) after GradLens, and its runs are pooled: the
  // load on these shared cores drifts, and bracketing keeps the ratio honest.
  ctx.log(`gradient check: PyTorch gradcheck (${TORCH_THREADS} threads)`);
  const torchRuns = [runTorch(ctx.quick)];

  const timings = new Map<string, CheckTiming>();
  for (const mode of ['full', 'fast'] as const) {
    for (const subject of SUBJECTS) {
      ctx.log(`gradient check: ${subject.label}, ${mode} mode`);
      timings.set(`${subject.label}/${mode}`, timeCheck(subject.make(), mode, mode === 'full' ? fullRuns : fastRuns));
    }
  }
  if (!ctx.quick && torchRuns[0].status === 'ok') {
    ctx.log(`gradient check: PyTorch gradcheck again (${TORCH_THREADS} threads)`);
    torchRuns.push(runTorch(false));
  }
  const torch = pooled(torchRuns);
  const torchLabel = torch.status === 'ok' ? `PyTorch ${torch.version} gradcheck (${torch.threads} threads)` : 'PyTorch gradcheck';
  if (torch.status === 'skipped') notes.push(`PyTorch skipped: ${torch.reason}`);

  for (const mode of ['full', 'fast'] as const) {
    const torchRun = torch.status === 'ok' ? torch[mode] : undefined;
    for (const subject of SUBJECTS) {
      const timing = timings.get(`${subject.label}/${mode}`) as CheckTiming;
      const ratio = torchRun ? timing.medianMs / torchRun.median_ms : null;
      const cpuRatio = torchRun ? timing.cpuMedianMs / torchRun.cpu_median_ms : null;
      let target: string;
      let status: string;
      if (mode === 'full') {
        // The target is on time; where CPU time disagrees, the load on the shared cores decided it.
        target = '<= 1/3 x PyTorch';
        status = ratio === null || cpuRatio === null ? 'not measured' : verdict(ratio <= TARGET_FULL_VS_TORCH);
        if (cpuRatio !== null && ratio !== null && ratio <= TARGET_FULL_VS_TORCH !== cpuRatio <= TARGET_FULL_VS_TORCH) {
          status += ` (${cpuRatio <= TARGET_FULL_VS_TORCH ? 'met' : 'missed'} on CPU time)`;
        }
      } else {
        target = `< ${TARGET_FAST_MS} ms`;
        status = verdict(timing.medianMs < TARGET_FAST_MS);
      }
      if (!timing.passed) {
        status = 'CHECK FAILED';
        notes.push(
          `${subject.label} (${mode}) did not pass its check: ${timing.error ?? 'see the report'}; its time measures something broken`,
        );
      }
      rows.push(
        row(subject.label, mode, {
          ms: timing.medianMs,
          cpuMs: timing.cpuMedianMs,
          calls: timing.forwardCalls,
          vsTorch: ratio,
          vsTorchCpu: cpuRatio,
          target,
          status,
        }),
      );
    }
    if (torchRun) {
      rows.push(
        row(torchLabel, mode, {
          ms: torchRun.median_ms,
          cpuMs: torchRun.cpu_median_ms,
          calls: torchRun.forward_calls,
          vsTorch: 1,
          vsTorchCpu: 1,
          status: torchRun.passed ? null : 'CHECK FAILED',
        }),
      );
    } else {
      rows.push(row(torchLabel, mode, { ms: null, calls: null, status: 'skipped' }));
    }
  }

  const workerPath = path.resolve(WORKER);
  const fileLabel = `check this file: ${FIXTURE}`;
  if (!existsSync(workerPath)) {
    rows.push(row(fileLabel, 'full', { ms: null, calls: null, target: `< ${TARGET_WARM_FILE_MS} ms warm`, status: 'skipped' }));
    notes.push(`"check this file" skipped: ${WORKER} not found (run \`node esbuild.mjs\` first)`);
  } else {
    const file = path.resolve(FIXTURE);
    const problems = new Set<string>();
    const record = (t: FileTiming) => {
      if (t.problem) problems.add(t.problem);
      return t;
    };
    try {
      ctx.log('check this file: cold (worker start, esbuild-wasm init)');
      const first = record(await timeFileCheck(file, workerPath, 'full'));
      // More cold starts in this process: fresh threads each time, so esbuild-wasm initialises again.
      const colds: FileTiming[] = [];
      for (let r = 0; r < (ctx.quick ? 1 : 3); r++) {
        disposeSandbox();
        colds.push(record(await timeFileCheck(file, workerPath, 'full')));
      }
      ctx.log('check this file: warm');
      const warmRuns = ctx.quick ? 3 : 10;
      const warm: FileTiming[] = [];
      for (let r = 0; r < warmRuns; r++) warm.push(record(await timeFileCheck(file, workerPath, 'full')));
      const warmFast: FileTiming[] = [];
      for (let r = 0; r < warmRuns; r++) warmFast.push(record(await timeFileCheck(file, workerPath, 'fast')));

      const warmMs = median(warm.map((t) => t.ms));
      const warmFastMs = median(warmFast.map((t) => t.ms));
      const ok = problems.size === 0;
      const failed = ok ? null : 'CHECK FAILED';
      const warmTarget = `< ${TARGET_WARM_FILE_MS} ms`;
      rows.push(
        row(`${fileLabel}, cold (first in process)`, 'full', {
          ms: first.ms,
          cpuMs: first.cpuMs,
          calls: first.forwardCalls,
          status: failed,
        }),
      );
      rows.push(
        row(`${fileLabel}, cold (fresh threads, median of ${colds.length})`, 'full', {
          ms: median(colds.map((t) => t.ms)),
          cpuMs: median(colds.map((t) => t.cpuMs)),
          calls: colds[0].forwardCalls,
          status: failed,
        }),
      );
      rows.push(
        row(`${fileLabel}, warm (median of ${warm.length})`, 'full', {
          ms: warmMs,
          cpuMs: median(warm.map((t) => t.cpuMs)),
          calls: warm[0].forwardCalls,
          target: warmTarget,
          status: failed ?? verdict(warmMs < TARGET_WARM_FILE_MS),
        }),
      );
      rows.push(
        row(`${fileLabel}, warm (median of ${warmFast.length})`, 'fast', {
          ms: warmFastMs,
          cpuMs: median(warmFast.map((t) => t.cpuMs)),
          calls: warmFast[0].forwardCalls,
          target: warmTarget,
          status: failed ?? verdict(warmFastMs < TARGET_WARM_FILE_MS),
        }),
      );
      const warmCheck = median(warm.map((t) => t.checkMs));
      notes.push(
        `warm "check this file" (full): ${warmCheck.toFixed(1)} ms of ${warmMs.toFixed(1)} ms in the checker; the rest is bundling with esbuild-wasm, loading the bundle and messaging`,
      );
      for (const p of problems) notes.push(`"check this file" did not pass: ${p}`);
    } finally {
      disposeSandbox();
    }
  }

  const torchNote =
    torch.status === 'ok'
      ? `PyTorch: medians of ${torch.full.runs_ms.length} (full) and ${torch.fast.runs_ms.length} (fast) runs after a warm-up, from ${torchRuns.length} run(s) of ${TORCH_SCRIPT}`
      : '';
  notes.push([`GradLens: medians of ${fullRuns} (full) and ${fastRuns} (fast) runs after a warm-up`, torchNote].filter(Boolean).join('; '));
  notes.push(
    'CPU ms: CPU time of the whole process, all threads (PyTorch: time.process_time), which other processes on these cores skew far less than the wall clock',
  );
  notes.push(
    "not the same computation: in full mode GradLens compares the analytic gradient of one random projection of the outputs (vᵀy) with central differences for every input element, while PyTorch's full gradcheck builds the whole Jacobian, every output against every input; in fast mode both sides check random projections only",
  );
  notes.push(`load average ${loadavg()[0].toFixed(2)}: other processes on these cores skew every number`);
  return {
    title: 'gradient check: Linear(64 -> 32) + ReLU on x [8, 64], w.r.t. x, W and b (2,592 scalars, float64); "check this file" to report',
    rows,
    notes,
  };
}

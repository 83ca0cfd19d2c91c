/**
 * Python layers' check speed (issue 9's targets), in the bench's run:
 *  - the bench's subject, Linear(64 -> 32) + ReLU on x [8, 64], written as a numpy
 *    forward/backward pair (bench/fixtures/linear_relu.py) and checked in full through the
 *    warm Python worker, against PyTorch's gradcheck on the same layer written as a
 *    torch.autograd.Function with a hand-written backward (scripts/bench_torch_gradcheck.py);
 *  - "check this .py file" (three small layers) end to end, cold (a fresh interpreter
 *    importing numpy) and warm.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckMode } from '../../src/gradcheck/types';
import { disposeSandbox } from '../../src/layers/sandbox';
import { median } from '../stats';
import { pooled, runTorch, timeFileCheck, type FileTiming, type TorchOutcome } from './gradcheck';
import type { BenchCell, BenchContext, BenchSectionResult } from './index';

const PYTHON = '/usr/bin/python3';
const FIXTURE = 'bench/fixtures/linear_relu.py';
const WORKER = 'dist/sandboxWorker.js';
const SUBJECT = 'linear_relu';

// Issue 9's targets.
const TARGET_VS_TORCH_FUNCTION = 1;
const TARGET_WARM_FILE_MS = 500;

const timeCheck = (file: string, mode: CheckMode, only?: string[]): Promise<FileTiming> =>
  timeFileCheck(file, path.resolve(WORKER), mode, { pythonPath: PYTHON, only });

type Row = Record<string, BenchCell>;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

export async function pythonSection(ctx: BenchContext): Promise<BenchSectionResult> {
  const title = 'Python layers: numpy pair through the warm worker vs PyTorch gradcheck on an autograd.Function';
  const rows: Row[] = [];
  const notes: string[] = [];
  if (!existsSync(PYTHON) || !existsSync(path.resolve(WORKER))) {
    return { title, rows: [{ subject: 'skipped', status: `needs ${PYTHON} and ${WORKER}` }] };
  }
  const file = path.resolve(FIXTURE);
  const problems = new Set<string>();
  const record = (t: FileTiming) => {
    if (t.problem) problems.add(t.problem);
    return t;
  };
  const runs = ctx.quick ? 3 : 9;

  ctx.log(`python: PyTorch gradcheck on ${SUBJECT} as an autograd.Function`);
  const torchRuns: TorchOutcome[] = [runTorch(ctx.quick)];

  try {
    ctx.log('python: check this .py file, cold (a fresh interpreter importing numpy)');
    const colds: FileTiming[] = [];
    for (let r = 0; r < (ctx.quick ? 1 : 3); r++) {
      disposeSandbox();
      colds.push(record(await timeCheck(file, 'full')));
    }
    ctx.log('python: check this .py file, warm');
    const warm: FileTiming[] = [];
    for (let r = 0; r < runs; r++) warm.push(record(await timeCheck(file, 'full')));
    const layerRuns: Record<'full' | 'fast', FileTiming[]> = { full: [], fast: [] };
    for (const mode of ['full', 'fast'] as const) {
      ctx.log(`python: ${SUBJECT} alone, ${mode} mode, warm`);
      await timeCheck(file, mode, [SUBJECT]);
      for (let r = 0; r < runs; r++) layerRuns[mode].push(record(await timeCheck(file, mode, [SUBJECT])));
    }
    if (!ctx.quick && torchRuns[0].status === 'ok') {
      ctx.log('python: PyTorch gradcheck again');
      torchRuns.push(runTorch(false));
    }
    const torch = pooled(torchRuns);
    const torchLabel =
      torch.status === 'ok' ? `PyTorch ${torch.version} gradcheck, autograd.Function (${torch.threads} threads)` : 'PyTorch gradcheck';
    if (torch.status === 'skipped') notes.push(`PyTorch skipped: ${torch.reason}`);

    for (const mode of ['full', 'fast'] as const) {
      const t = layerRuns[mode];
      const checkMs = median(t.map((x) => x.checkMs));
      const wholeMs = median(t.map((x) => x.ms));
      const torchRun = torch.status === 'ok' ? (mode === 'full' ? torch.function_full : torch.function_fast) : undefined;
      const vsTorch = torchRun ? checkMs / torchRun.median_ms : null;
      rows.push({
        subject: `GradLens, numpy pair in the warm worker (${SUBJECT})`,
        mode,
        'ms (median)': checkMs,
        'whole call ms': wholeMs,
        'forward calls': t[0].forwardCalls,
        'x PyTorch time': vsTorch,
        target: mode === 'full' ? '<= 1x PyTorch' : null,
        status: mode === 'full' ? (vsTorch === null ? 'not measured' : verdict(vsTorch <= TARGET_VS_TORCH_FUNCTION)) : null,
      });
      if (torchRun) {
        rows.push({
          subject: torchLabel,
          mode,
          'ms (median)': torchRun.median_ms,
          'whole call ms': null,
          'forward calls': torchRun.forward_calls,
          'x PyTorch time': 1,
          target: null,
          status: torchRun.passed ? null : 'CHECK FAILED',
        });
      }
    }
    const warmMs = median(warm.map((x) => x.ms));
    rows.push({
      subject: `check this .py file: ${FIXTURE}, cold (median of ${colds.length})`,
      mode: 'full',
      'ms (median)': median(colds.map((x) => x.ms)),
      'whole call ms': null,
      'forward calls': colds[0].forwardCalls,
      'x PyTorch time': null,
      target: null,
      status: null,
    });
    rows.push({
      subject: `check this .py file: ${FIXTURE}, warm (median of ${warm.length})`,
      mode: 'full',
      'ms (median)': warmMs,
      'whole call ms': null,
      'forward calls': warm[0].forwardCalls,
      'x PyTorch time': null,
      target: `< ${TARGET_WARM_FILE_MS} ms`,
      status: problems.size > 0 ? 'CHECK FAILED' : verdict(warmMs < TARGET_WARM_FILE_MS),
    });
    notes.push(
      `${SUBJECT}: "ms" is the checker's time for the layer, every round trip to Python included (the worker is warm); ` +
        '"whole call ms" adds reading the file, re-importing the module and setting the layer up',
    );
    notes.push('cold: a new interpreter starts and imports numpy, then loads the file; warm: the same worker re-imports the module');
    notes.push('both sides check every element (full) or random projections (fast) in float64 with eps 1e-6, atol 1e-5, rtol 1e-3');
    for (const p of problems) notes.push(`a check did not pass: ${p}`);
  } finally {
    disposeSandbox();
  }
  return { title, rows, notes };
}

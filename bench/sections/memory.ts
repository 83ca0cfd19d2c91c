/**
 * Peak resident memory of training the seed CNN at batch 64, GradLens against PyTorch
 * in the same run. Each side trains in a fresh process of its own (a few steps after
 * a warm-up), so the peak is that of the training alone plus the runtime: the figure
 * next to it is the process's resident memory before the model was built (Node and
 * the engine; Python with torch imported), and the difference is what training holds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useFastBackend } from '../../src/engine/backends';
import { cnnTrainer, type CnnSpec, SEED_CNN, SMALL_CNN } from '../models';
import type { BenchCell, BenchContext, BenchSectionResult } from './index';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = 'scripts/bench_torch.py';
const BATCH = 64;

export interface MemoryReading {
  /** Resident memory before the model is built, bytes. */
  baselineRss: number;
  /** The process's peak resident memory after the timed steps, bytes. */
  peakRss: number;
  steps: number;
}

const MODELS: Record<string, CnnSpec> = { seed: SEED_CNN, small: SMALL_CNN };

/** The child side (`node dist/bench.js --memory-child seed`): trains and prints one JSON line. */
export function memoryChild(model: string, steps: number): void {
  const spec = MODELS[model];
  if (!spec) throw new Error(`--memory-child takes ${Object.keys(MODELS).join(' or ')}, got ${model}`);
  useFastBackend();
  const baselineRss = process.memoryUsage.rss();
  const trainer = cnnTrainer(spec, BATCH);
  for (let i = 0; i < steps; i++) trainer.step();
  const reading: MemoryReading = { baselineRss, peakRss: process.resourceUsage().maxRSS * 1024, steps };
  console.log(JSON.stringify(reading));
}

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
}

function mib(bytes: number | null | undefined): number | null {
  return bytes == null ? null : bytes / 2 ** 20;
}

export async function memorySection(ctx: BenchContext): Promise<BenchSectionResult> {
  const steps = ctx.quick ? 2 : 5;
  const notes: string[] = [];
  ctx.log(`memory: ${SEED_CNN.name}, batch ${BATCH}, GradLens in a fresh process`);
  const ours = spawnSync(process.execPath, [process.argv[1], '--memory-child', 'seed', '--steps', String(steps)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const gradlens = ours.status === 0 ? lastJson<MemoryReading>(ours.stdout) : null;
  if (!gradlens) notes.push(`GradLens child failed: ${(ours.stderr || ours.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
  let torch: { torch: string; baseline_rss: number; peak_rss: number; steps: number } | null = null;
  if (!existsSync(PYTHON)) notes.push(`PyTorch skipped: ${PYTHON} not found`);
  else {
    ctx.log(`memory: ${SEED_CNN.name}, batch ${BATCH}, PyTorch in a fresh process`);
    const run = spawnSync(PYTHON, [TORCH_SCRIPT, '--memory', 'seed', '--steps', String(steps), '--threads', '2'], {
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...process.env, OMP_NUM_THREADS: '2' },
    });
    if (run.status === 0) torch = lastJson(run.stdout);
    else notes.push(`PyTorch skipped: ${(run.stderr || run.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
  }
  const row = (subject: string, baseline: number | null, peak: number | null, stepsRun: number | null): Record<string, BenchCell> => ({
    subject,
    'before the model (MiB)': mib(baseline),
    'peak RSS (MiB)': mib(peak),
    'peak - before (MiB)': baseline !== null && peak !== null ? mib(peak - baseline) : null,
    'x PyTorch (peak - before)': null,
    steps: stepsRun,
  });
  const rows = [
    row('GradLens fast CPU', gradlens?.baselineRss ?? null, gradlens?.peakRss ?? null, gradlens?.steps ?? null),
    row(torch ? `PyTorch ${torch.torch} CPU` : 'PyTorch CPU', torch?.baseline_rss ?? null, torch?.peak_rss ?? null, torch?.steps ?? null),
  ];
  const torchTraining = rows[1]['peak - before (MiB)'] as number | null;
  for (const r of rows) {
    const mine = r['peak - before (MiB)'] as number | null;
    r['x PyTorch (peak - before)'] = mine !== null && torchTraining ? mine / torchTraining : null;
  }
  notes.push('each side in a fresh process: a warm-up step and the timed steps, then the peak resident set (Linux maxrss)');
  return { title: `memory: ${SEED_CNN.name} training at batch ${BATCH} (peak resident memory)`, rows, notes };
}

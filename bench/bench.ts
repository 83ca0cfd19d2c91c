/**
 * `npm run bench`: GradLens's float32 speed side by side with PyTorch CPU and
 * TensorFlow.js's pure-JS backend, in one run.
 *
 *   node dist/bench.js [--quick] [--no-torch] [--no-tfjs] [--out FILE] [--section NAME]
 *
 * --section runs one of the extra sections alone (profile, memory, gpujs, gradcheck, python).
 *
 * Prints tables (medians of several runs) to stdout, progress to stderr, and
 * writes every number to dist/bench-results.json (or FILE).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, arch } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { referenceBackend } from '../src/engine';
import { createFastCpuBackend, type FastCpuBackend } from '../src/engine/backends';
import { benchMatmul } from './matmul';
import { SEED_CNN, SMALL_CNN } from './models';
import { type BenchContext, type BenchSectionResult, extraSections } from './sections';
import { memoryChild } from './sections/memory';
import { formatTable } from './table';
import { benchTfjs, runTfjsChild, type TfjsResult } from './tfjs';
import { benchTorch, type TorchResult } from './torch';
import { benchTraining, type TrainRow } from './training';

// Targets for this 2-core machine: issue 5's, raised for the CNNs by issue 10.
const TARGET_MATMUL_GFLOPS = 20;
const TARGET_VS_TORCH = 0.8;
const TARGET_SEED_VS_TORCH = 0.7;
const TARGET_VS_TFJS = 500;

const TORCH_THREADS = 2;

function machine(): Record<string, string | number> {
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {
    // not Linux: leave the SIMD level out
  }
  const simd = /\bavx512f\b/.test(flags) ? 'AVX-512' : /\bavx2\b/.test(flags) ? 'AVX2' : flags ? 'SSE' : 'unknown';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    simd,
    node: process.version,
    platform: `${platform()} ${arch()}`,
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
  };
}

function parseOptions() {
  return parseArgs({
    options: {
      quick: { type: 'boolean' },
      'no-torch': { type: 'boolean' },
      'no-tfjs': { type: 'boolean' },
      out: { type: 'string' },
      section: { type: 'string' },
      // child modes: the bench runs itself in a fresh process for these
      'tfjs-child': { type: 'boolean' },
      'memory-child': { type: 'string' },
      steps: { type: 'string' },
    },
    allowPositionals: true,
  });
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a && b ? a / b : null;
}

const USAGE = 'usage: node dist/bench.js [--quick] [--no-torch] [--no-tfjs] [--out FILE] [--section NAME]';

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { values, positionals } = parsed;
  if (values['tfjs-child']) return runTfjsChild(Number(positionals[0]), Number(positionals[1]));
  if (values['memory-child']) return memoryChild(values['memory-child'], Number(values.steps ?? 5));
  const quick = values.quick === true;
  const outFile = values.out ?? 'dist/bench-results.json';
  const ctx: BenchContext = { quick, log: (line) => process.stderr.write(`[bench] ${line}\n`) };
  if (values.section) {
    const name = values.section;
    const section = extraSections.find((s) => s.name === `${name}Section`);
    if (!section)
      throw new Error(`--section takes one of ${extraSections.map((s) => s.name.replace(/Section$/, '')).join(', ')}; got ${name}`);
    const t = await section(ctx);
    console.log(formatTable(t.title, t.rows, t.notes));
    return;
  }
  const started = Date.now();
  const host = machine();
  console.log(`# GradLens bench — ${host.cpu}, ${host.cores} cores (${host.simd}), Node ${host.node}, load average ${host.loadAverage1m}`);

  const fast = createFastCpuBackend() as FastCpuBackend;
  const fastLabel = `fast CPU: ${fast.description}`;
  const tables: BenchSectionResult[] = [];
  try {
    ctx.log('matmul: reference, blocked JS, wasm SIMD on 1 thread, fast CPU');
    const matmul = benchMatmul(fast, [256, 512], quick);
    tables.push({
      title: 'matmul, float32 (GFLOP/s, median)',
      rows: [...new Set(matmul.map((r) => r.backend))].map((backend) => ({
        backend,
        '256^3': matmul.find((r) => r.backend === backend && r.size === 256)?.gflops ?? null,
        '512^3': matmul.find((r) => r.backend === backend && r.size === 512)?.gflops ?? null,
      })),
    });

    ctx.log(`${SMALL_CNN.name}: fast CPU`);
    const smallFast = benchTraining(fastLabel, fast, {
      spec: SMALL_CNN,
      batch: 64,
      warmup: quick ? 1 : 3,
      runs: quick ? 2 : 10,
      maxMs: 15_000,
    });
    ctx.log(`${SMALL_CNN.name}: reference backend (float32)`);
    // Seconds per step: no separate warm-up; the median of 3 sets the first (JIT-cold) step aside.
    const smallRef = benchTraining('reference (float32)', referenceBackend, {
      spec: SMALL_CNN,
      batch: 64,
      warmup: 0,
      runs: quick ? 1 : 3,
      maxMs: 15_000,
    });
    ctx.log(`${SEED_CNN.name}: fast CPU`);
    // The same batch as PyTorch's side (64), so the two rows compare like with like.
    const seedFast = benchTraining(fastLabel, fast, { spec: SEED_CNN, batch: 64, warmup: 1, runs: quick ? 1 : 5, maxMs: 30_000 });

    let torch: TorchResult = { status: 'skipped', reason: '--no-torch' };
    if (!values['no-torch']) {
      ctx.log(`PyTorch CPU (${TORCH_THREADS} threads)`);
      torch = benchTorch(TORCH_THREADS, quick, 150_000);
    }
    let tfjs: TfjsResult = { status: 'skipped', reason: '--no-tfjs', batch: 0, stepsMs: [], timedSteps: 0, imagesPerSec: null };
    if (!values['no-tfjs']) {
      // Well under 1 image/s: a batch of 8 is a ~10 s step. One warm-up step, then timed ones until the cap.
      const batch = quick ? 2 : 8;
      ctx.log(`TensorFlow.js pure-JS backend (batch ${batch}; slow, capped)`);
      tfjs = await benchTfjs(batch, 3, quick ? 45_000 : 80_000);
    }

    const torchSmall = torch.status === 'ok' ? torch.results.find((r) => r.name === SMALL_CNN.name) : undefined;
    const torchSeed = torch.status === 'ok' ? torch.results.find((r) => r.name === SEED_CNN.name) : undefined;
    const torchLabel = torch.status === 'ok' ? `PyTorch ${torch.version} CPU (${torch.threads} threads)` : 'PyTorch CPU';
    const tfjsIps = tfjs.imagesPerSec;
    const trainRow = (
      name: string,
      batch: number | null,
      ips: number | null,
      torchIps: number | null | undefined,
      steps: number | null,
    ) => ({
      subject: name,
      batch,
      'images/s': ips,
      'x PyTorch': ratio(ips, torchIps),
      'x TF.js': ratio(ips, tfjsIps),
      'timed steps': steps,
    });
    const notes: string[] = [];
    if (torch.status === 'skipped') notes.push(`PyTorch skipped: ${torch.reason}`);
    if (tfjs.status === 'skipped') notes.push(`TF.js skipped: ${tfjs.reason}`);
    else if (tfjs.timedSteps === 0)
      notes.push('TF.js: only its first (warm-up) step finished within the time cap; that step is the figure');
    const smallRows = (rows: TrainRow[]) =>
      rows.map((r) => trainRow(`GradLens ${r.backend}`, r.batch, r.imagesPerSec, torchSmall?.images_per_sec, r.steps));
    tables.push({
      title: `${SMALL_CNN.name} training step (conv 3-32-64-128 + BN + ReLU + pool, FC 2048-256-10, dropout, Adam)`,
      rows: [
        ...smallRows([smallFast, smallRef]),
        trainRow(
          torchLabel,
          torchSmall?.batch ?? null,
          torchSmall?.images_per_sec ?? null,
          torchSmall?.images_per_sec,
          torchSmall?.steps_ms.length ?? null,
        ),
        trainRow(
          'TensorFlow.js 4 pure-JS (cpu)',
          tfjs.batch || null,
          tfjsIps,
          torchSmall?.images_per_sec,
          tfjs.status === 'ok' ? tfjs.timedSteps : null,
        ),
      ],
      notes,
    });
    tables.push({
      title: `${SEED_CNN.name} training step (conv 64-128-256-512, FC 2048-1024-512-10); reference backend left out (minutes per step)`,
      rows: [
        {
          subject: `GradLens ${seedFast.backend}`,
          batch: seedFast.batch,
          'images/s': seedFast.imagesPerSec,
          'x PyTorch': ratio(seedFast.imagesPerSec, torchSeed?.images_per_sec),
          'timed steps': seedFast.steps,
        },
        {
          subject: torchLabel,
          batch: torchSeed?.batch ?? null,
          'images/s': torchSeed?.images_per_sec ?? null,
          'x PyTorch': torchSeed ? 1 : null,
          'timed steps': torchSeed?.steps_ms.length ?? null,
        },
      ],
    });

    for (const section of extraSections) tables.push(await section(ctx));

    const matmul512 = matmul.find((r) => r.size === 512 && r.backend.startsWith('fast CPU'))?.gflops ?? 0;
    const vsTorch = ratio(smallFast.imagesPerSec, torchSmall?.images_per_sec);
    const vsTfjs = ratio(smallFast.imagesPerSec, tfjsIps);
    const seedVsTorch = ratio(seedFast.imagesPerSec, torchSeed?.images_per_sec);
    const verdict = (v: number | null, target: number) => (v === null ? 'not measured' : v >= target ? 'met' : 'MISSED');
    tables.push({
      title: 'targets',
      rows: [
        {
          target: `fast CPU matmul 512^3 >= ${TARGET_MATMUL_GFLOPS} GFLOP/s`,
          measured: matmul512,
          status: verdict(matmul512, TARGET_MATMUL_GFLOPS),
        },
        { target: `small CNN step >= ${TARGET_VS_TORCH}x PyTorch CPU`, measured: vsTorch, status: verdict(vsTorch, TARGET_VS_TORCH) },
        {
          target: `seed CNN step (batch 64) >= ${TARGET_SEED_VS_TORCH}x PyTorch CPU`,
          measured: seedVsTorch,
          status: verdict(seedVsTorch, TARGET_SEED_VS_TORCH),
        },
        { target: `small CNN step >= ${TARGET_VS_TFJS}x TF.js pure-JS`, measured: vsTfjs, status: verdict(vsTfjs, TARGET_VS_TFJS) },
      ],
      notes: [
        `load average now ${loadavg()[0].toFixed(2)} (was ${host.loadAverage1m} at the start): other processes on these cores skew every number`,
      ],
    });

    for (const t of tables) console.log(formatTable(t.title, t.rows, t.notes));
    const results = {
      date: new Date().toISOString(),
      machine: host,
      quick,
      seconds: (Date.now() - started) / 1000,
      matmul,
      training: { small: [smallFast, smallRef], seed: [seedFast] },
      torch,
      tfjs,
      tables,
    };
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${outFile} (${results.seconds.toFixed(0)} s)`);
  } finally {
    fast.dispose();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});

/**
 * Where a training step's time goes: the small and the seed CNN at batch 64 on the
 * fast CPU backend, under V8's sampling profiler (node:inspector, in process). Each
 * sample is charged to the innermost frame of its stack that names a known part of
 * the step (the table below), so time inside a GEMM called by a convolution counts
 * as "GEMM and conv kernels", and a typed-array constructor called by `allocate`
 * counts as allocation. Worker threads are not sampled: while they compute, the
 * main thread works on its own share of the chunks or waits for theirs, and both
 * are charged to the kernel that posted the job.
 *
 * With GRADLENS_PROFILE_FUNCTIONS=1 it also prints the 25 functions with the most
 * samples (with the source line of their nearest frame of ours) to stderr.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setBackend } from '../../src/engine';
import { createFastCpuBackend } from '../../src/engine/backends';
import { cnnTrainer, type CnnSpec, SEED_CNN, SMALL_CNN } from '../models';
import type { BenchCell, BenchContext, BenchSectionResult } from './index';

/**
 * The part of the step a frame belongs to, from its original source file (through the
 * bundle's source map) and its name; null sends the question to the caller. The fast
 * backend's kernels, its thread pool's wait and the WebAssembly they run are charged
 * to the backend method that started them (gemm, reluForward, channelGradAffine...),
 * and that method to its op.
 */
const FAST_METHODS: Array<[RegExp, string]> = [
  [/^(gemm|conv2d)/, 'GEMM and conv kernels'],
  [/^channel|^affine$/, 'batch norm'],
  [/^maxPool/, 'pooling'],
  [/^relu/, 'elementwise, shapes, reductions'],
];
const FILES: Array<[RegExp, string]> = [
  [/engine\/(backends\/|backend\.ts|functional\/conv\.ts|ops\/matmul\.ts)/, 'GEMM and conv kernels'],
  [/engine\/functional\/norm\.ts/, 'batch norm'],
  [/engine\/functional\/pool\.ts/, 'pooling'],
  [/engine\/optim\.ts/, 'optimiser'],
  [/engine\/functional\/(losses|softmax|dropout)\.ts/, 'loss, softmax, dropout'],
  [/engine\/(functional\/activations|ops\/(elementwise|reduce|shape|indexing))\.ts/, 'elementwise, shapes, reductions'],
  [/engine\/storagePool\.ts/, 'allocation'],
  [/engine\/(tensor|methods)\.ts/, 'autograd bookkeeping'],
];
const CATEGORIES = [...new Set([...FAST_METHODS, ...FILES].map(([, c]) => c))];

function categoryOfFrame(name: string, file: string | null): string | null {
  if (file === null || file === 'wasm:' || /backends\/(threadPool|wasmKernels)\.ts/.test(file)) return null;
  if (/backends\/fastCpu\.ts/.test(file)) return FAST_METHODS.find(([re]) => re.test(name))?.[1] ?? null;
  if (name === 'allocate') return 'allocation';
  return FILES.find(([re]) => re.test(file))?.[1] ?? null;
}
const GC = 'GC';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** The original file of a frame in our bundle, from its source map (loaded once per bundle). */
function originalFile(frame: ProfileNode['callFrame'], maps: Map<string, SourceMap | null>): string | null {
  if (frame.url.startsWith('wasm://')) return 'wasm:';
  if (!frame.url.startsWith('file://')) return null;
  if (!maps.has(frame.url)) {
    try {
      maps.set(frame.url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(frame.url)}.map`, 'utf8'))));
    } catch {
      maps.set(frame.url, null);
    }
  }
  const entry = maps.get(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  return entry && 'originalSource' in entry ? entry.originalSource : null;
}

/** Milliseconds per category, each sample charged through its node's chain of callers. */
export function chargeSamples(profile: CpuProfile): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const maps = new Map<string, SourceMap | null>();
  const categoryOf = new Map<number, string>();
  const classify = (node: ProfileNode): string => {
    const known = categoryOf.get(node.id);
    if (known) return known;
    let found = node.callFrame.functionName === '(garbage collector)' ? GC : 'other';
    for (let n: ProfileNode | undefined = node; n && found === 'other'; n = parent.get(n.id)) {
      found = categoryOfFrame(n.callFrame.functionName, originalFile(n.callFrame, maps)) ?? 'other';
    }
    categoryOf.set(node.id, found);
    return found;
  };
  const ms = new Map<string, number>();
  const leaves = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const cat = classify(node);
    ms.set(cat, (ms.get(cat) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    if (process.env.GRADLENS_PROFILE_FUNCTIONS) {
      let n: ProfileNode | undefined = node;
      while (n && !originalFile(n.callFrame, maps)) n = parent.get(n.id);
      const f = n
        ? `${node.callFrame.functionName}<${n.callFrame.functionName}@${originalFile(n.callFrame, maps)}:${maps.get(n.callFrame.url)?.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber)?.originalLine}`
        : node.callFrame.functionName;
      leaves.set(f, (leaves.get(f) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
  });
  if (process.env.GRADLENS_PROFILE_FUNCTIONS)
    for (const [k, v] of [...leaves].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stderr.write(`${v.toFixed(0).padStart(6)} ${k}\n`);
  return ms;
}

interface Profiled {
  stepMs: number;
  shares: Map<string, number>;
}

async function profileSteps(spec: CnnSpec, steps: number): Promise<Profiled> {
  const trainer = cnnTrainer(spec, 64);
  trainer.step();
  trainer.step();
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) trainer.step();
    const stepMs = (performance.now() - t0) / steps;
    const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
    const ms = chargeSamples(profile);
    const total = [...ms.values()].reduce((a, b) => a + b, 0);
    return { stepMs, shares: new Map([...ms].map(([k, v]) => [k, v / total])) };
  } finally {
    session.disconnect();
  }
}

export async function profileSection(ctx: BenchContext): Promise<BenchSectionResult> {
  const fast = createFastCpuBackend();
  const previous = setBackend(fast);
  const rows: Array<Record<string, BenchCell>> = [];
  const notes = [
    "worker threads are not sampled; the main thread's share of a parallel kernel (and its wait for the rest) counts as that kernel",
  ];
  try {
    const results: Array<[CnnSpec, Profiled]> = [];
    for (const spec of [SMALL_CNN, SEED_CNN]) {
      ctx.log(`profile: ${spec.name}, batch 64`);
      results.push([spec, await profileSteps(spec, ctx.quick ? 2 : spec === SEED_CNN ? 4 : 10)]);
    }
    const categories = [...CATEGORIES, GC, 'other'];
    for (const cat of categories) {
      const row: Record<string, BenchCell> = { part: cat };
      for (const [spec, r] of results) row[`${spec.name} %`] = 100 * (r.shares.get(cat) ?? 0);
      rows.push(row);
    }
    rows.push(Object.fromEntries([['part', 'step (ms, profiled)'], ...results.map(([spec, r]) => [`${spec.name} %`, r.stepMs])]));
  } finally {
    setBackend(previous);
    fast.dispose?.();
  }
  return {
    title: 'where a training step goes (fast CPU, batch 64, % of main-thread samples)',
    rows,
    notes,
  };
}

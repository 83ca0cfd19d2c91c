/**
 * The host side of the sandbox: checks the layers of a user's file in a worker
 * thread with a time limit and a memory limit, so that whatever the user's code
 * does (loop forever, throw, exhaust memory, exit) the caller gets a report and
 * this process lives on. A layer that hangs or crashes its worker is marked as
 * such, and the rest of the file is checked in a fresh worker.
 *
 * Two threads are kept warm between checks: the bundler (esbuild-wasm, which never
 * runs user code) and the sandbox (the engine and the checker); checks are queued
 * onto them one file at a time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CheckOptions, LayerReport } from '../gradcheck/types';
import type { Bundle, BundleOutcome } from './bundle';
import { discoverLayers } from './javascript/discover';
import { collectLayerFiles } from './files';
import { sourceKindOf } from './languages';
import { abortError, DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS, formatSeconds } from './limits';
import { checkPythonFile } from './python/runner';
import { disposePython, warmUpPython as warmUpPythonRunner } from './python/warm';
import type { BundleRequest, BundleResponse, RunRequest, RuntimeLayer, WorkerMessage } from './protocol';
import { errorReport } from './reports';
import type { CheckFileOptions, DiscoveredLayer } from './types';

export interface FileCheckResult {
  /** Absolute path of the file. */
  file: string;
  /** One report per layer, with file and 1-based lines filled in. */
  layers: LayerReport[];
  /** The file could not be bundled or run (a syntax error, a throw at load, a hang while loading). */
  loadError?: string;
}

export interface SandboxOptions extends CheckFileOptions {
  /** The worker script (default: sandboxWorker.js beside this bundle, i.e. in dist/). */
  workerPath?: string;
}

export { DEFAULT_TIMEOUT_MS, DEFAULT_MEMORY_LIMIT_MB };
/**
 * Typed arrays live outside the V8 heap that resourceLimits bounds, so the host also
 * watches the process's resident memory and stops a worker that grows it by more
 * than its heap limit plus this allowance (esbuild's wasm memory, the engine).
 */
const RSS_ALLOWANCE_MB = 768;
const RSS_POLL_MS = 100;
/** Time allowed for starting esbuild and bundling, or a worker, before any user code runs (a cold start on a busy machine). */
const STARTUP_ALLOWANCE_MS = 60_000;

interface WarmWorker {
  worker: Worker;
  /** Workers are reused only for the same script and limits. */
  key: string;
}

let warm: WarmWorker | undefined;
let queue: Promise<unknown> = Promise.resolve();
/** Where the running check's console output goes; the warm worker outlives any one check. */
let logSink: ((text: string) => void) | undefined;

function workerPathOf(options: SandboxOptions): string {
  return options.workerPath ?? path.join(__dirname, 'sandboxWorker.js');
}

interface BundlerThread {
  worker: Worker;
  path: string;
  pending: Map<number, (outcome: BundleOutcome) => void>;
}

let bundler: BundlerThread | undefined;
let nextBundleId = 1;

function bundlerThread(workerPath: string): BundlerThread {
  if (bundler && bundler.path === workerPath) return bundler;
  if (bundler) void bundler.worker.terminate();
  const worker = new Worker(workerPath, { workerData: { role: 'bundler' } });
  const thread: BundlerThread = { worker, path: workerPath, pending: new Map() };
  const failAll = (why: string) => {
    if (bundler === thread) bundler = undefined;
    for (const resolve of thread.pending.values()) resolve({ ok: false, error: `the bundler stopped: ${why}` });
    thread.pending.clear();
  };
  worker.on('message', (m: BundleResponse | WorkerMessage) => {
    if (m.type !== 'bundled') return;
    thread.pending.get(m.id)?.(m.outcome);
    thread.pending.delete(m.id);
    if (thread.pending.size === 0) worker.unref();
  });
  worker.on('error', (err) => failAll(err.message));
  worker.on('exit', (code) => failAll(`exit code ${code}`));
  worker.unref();
  bundler = thread;
  return thread;
}

/** Bundles in the bundler thread, which stays warm between checks. */
function bundleInThread(file: string, text: string | undefined, options: SandboxOptions): Promise<BundleOutcome> {
  const thread = bundlerThread(workerPathOf(options));
  const id = nextBundleId++;
  return new Promise<BundleOutcome>((resolve, reject) => {
    const done = (outcome: BundleOutcome | Error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      thread.pending.delete(id);
      if (thread.pending.size === 0) thread.worker.unref();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = () => done(abortError());
    const timer = setTimeout(() => {
      // esbuild itself is stuck: start a fresh one next time.
      if (bundler === thread) bundler = undefined;
      void thread.worker.terminate();
      done({ ok: false, error: `bundling ${path.basename(file)} took longer than ${formatSeconds(STARTUP_ALLOWANCE_MS)}` });
    }, STARTUP_ALLOWANCE_MS);
    options.signal?.addEventListener('abort', onAbort);
    thread.pending.set(id, done);
    thread.worker.ref();
    thread.worker.postMessage({ type: 'bundle', id, file, text } satisfies BundleRequest);
  });
}

function acquireWorker(options: SandboxOptions): Worker {
  const file = workerPathOf(options);
  const memory = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const key = `${file}\n${memory}`;
  if (warm && warm.key === key) return warm.worker;
  if (warm) retire(warm.worker);
  const worker = new Worker(file, {
    resourceLimits: { maxOldGenerationSizeMb: memory },
    workerData: { role: 'sandbox' },
  });
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'log') (logSink ?? ((t: string) => process.stderr.write(t)))(m.text);
  });
  // A worker that dies while idle is simply replaced next time.
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    if (warm?.worker === worker) warm = undefined;
  });
  worker.unref();
  warm = { worker, key };
  return worker;
}

function retire(worker: Worker): void {
  if (warm?.worker === worker) warm = undefined;
  void worker.terminate();
}

/** Starts the worker and esbuild ahead of the first check (the extension calls this on activation). */
export function warmUp(options: SandboxOptions = {}): void {
  bundlerThread(workerPathOf(options)).worker.postMessage({ type: 'warm' });
  acquireWorker(options);
}

/** Starts a Python interpreter for later checks of .py files and notebooks (it runs no user code). */
export function warmUpPython(pythonPath: string, options: SandboxOptions = {}): void {
  warmUpPythonRunner(pythonPath, path.dirname(workerPathOf(options)));
}

/** Stops the warm threads (on deactivation, or to free their memory). */
export function disposeSandbox(): void {
  disposePython();
  const w = warm;
  warm = undefined;
  if (w) void w.worker.terminate();
  const b = bundler;
  bundler = undefined;
  if (b) void b.worker.terminate();
}

type RunOutcome = { kind: 'done' } | { kind: 'loadError'; message: string } | { kind: 'died'; reason: string; current?: string };

interface RunState {
  layers?: RuntimeLayer[];
  reports: Map<string, LayerReport>;
}

/** One pass of a worker over the file, until it finishes, fails to load, or has to be stopped. */
function runOnce(worker: Worker, request: RunRequest, state: RunState, options: SandboxOptions): Promise<RunOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memoryMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  return new Promise<RunOutcome>((resolve, reject) => {
    let current: string | undefined;
    let settled = false;
    const rssLimit = process.memoryUsage.rss() + (memoryMb + RSS_ALLOWANCE_MB) * 1024 * 1024;

    const finish = (outcome: RunOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryWatch);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      options.signal?.removeEventListener('abort', onAbort);
      worker.unref();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const stop = (reason: string) => {
      retire(worker);
      finish({ kind: 'died', reason, current });
    };
    const onMessage = (m: WorkerMessage) => {
      switch (m.type) {
        case 'loading':
          clearTimeout(timer);
          timer = setTimeout(onTimeout, timeoutMs);
          break;
        case 'layers':
          state.layers ??= m.layers;
          break;
        case 'layerStart':
          current = m.id;
          break;
        case 'layerReport':
          state.reports.set(m.id, m.report);
          current = undefined;
          break;
        case 'loadError':
          finish({ kind: 'loadError', message: m.message });
          break;
        case 'done':
          finish({ kind: 'done' });
          break;
      }
    };
    const onError = (err: Error & { code?: string }) => {
      retire(worker);
      const reason =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `ran out of memory (the sandbox's heap limit is ${memoryMb} MB)`
          : `crashed the sandbox: ${err.message}`;
      finish({ kind: 'died', reason, current });
    };
    const onExit = (code: number) => {
      if (warm?.worker === worker) warm = undefined;
      finish({ kind: 'died', reason: `stopped the sandbox (process.exit(${code})?)`, current });
    };
    const onAbort = () => {
      retire(worker);
      finish(abortError());
    };
    const onTimeout = () => stop(`timed out after ${formatSeconds(timeoutMs)} (an infinite loop?)`);
    let timer = setTimeout(() => stop(`could not start the sandbox within ${formatSeconds(STARTUP_ALLOWANCE_MS)}`), STARTUP_ALLOWANCE_MS);
    const memoryWatch = setInterval(() => {
      if (process.memoryUsage.rss() > rssLimit)
        stop(`ran out of memory (it grew this process by more than ${memoryMb + RSS_ALLOWANCE_MB} MB)`);
    }, RSS_POLL_MS);

    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    options.signal?.addEventListener('abort', onAbort);
    worker.ref();
    worker.postMessage(request);
  });
}

function matchesOnly(only: string[] | undefined, name: string, id: string): boolean {
  return !only || only.includes(name) || only.includes(id);
}

async function runFile(file: string, options: SandboxOptions): Promise<FileCheckResult> {
  if (options.signal?.aborted) throw abortError();
  const abs = path.resolve(file);
  const mode = options.mode ?? 'full';
  let text: string;
  try {
    text = options.text ?? readFileSync(abs, 'utf8');
  } catch (err) {
    return { file: abs, layers: [], loadError: `cannot read ${file}: ${(err as Error).message}` };
  }
  const discovered = discoverLayers(text);
  const check: CheckOptions = { mode, sampleSize: options.sampleSize, seed: options.seed, tolerance: options.tolerance };
  const byId = new Map(discovered.map((d) => [d.exportName, d]));
  const bundled = await bundleInThread(abs, options.text, options);
  const state: RunState = { reports: new Map() };
  if (!bundled.ok) return { file: abs, layers: assemble(abs, discovered, byId, state, bundled.error, options), loadError: bundled.error };
  const bundle: Bundle = bundled.bundle;
  let loadError: string | undefined;

  logSink = options.onLog;
  try {
    for (;;) {
      const worker = acquireWorker(options);
      const request: RunRequest = {
        type: 'run',
        file: abs,
        bundle,
        discovered,
        skip: [...state.reports.keys()],
        only: options.only,
        check,
      };
      const outcome = await runOnce(worker, request, state, options);
      if (outcome.kind === 'done') break;
      if (outcome.kind === 'loadError') {
        loadError = outcome.message;
        break;
      }
      if (outcome.current === undefined) {
        // Died while bundling or loading the file, not in any one layer.
        loadError = `loading ${path.basename(abs)} ${outcome.reason}`;
        break;
      }
      const name = state.layers?.find((l) => l.id === outcome.current)?.name ?? outcome.current;
      state.reports.set(outcome.current, errorReport(name, `${name} ${outcome.reason}`, mode, options.tolerance));
    }
  } finally {
    logSink = undefined;
  }
  return { file: abs, layers: assemble(abs, discovered, byId, state, loadError, options), ...(loadError ? { loadError } : {}) };
}

/** Reports in the order of the file, with file and 1-based lines; on a load error, one per layer found in the text. */
function assemble(
  file: string,
  discovered: DiscoveredLayer[],
  byId: Map<string, DiscoveredLayer>,
  state: RunState,
  loadError: string | undefined,
  options: SandboxOptions,
): LayerReport[] {
  const mode = options.mode ?? 'full';
  const place = (report: LayerReport, d: DiscoveredLayer | undefined): LayerReport => {
    const placed: LayerReport = { ...report, file };
    if (d) {
      placed.line = d.line + 1;
      if (d.backwardLine !== undefined) placed.backwardLine = d.backwardLine + 1;
    }
    return placed;
  };
  if (loadError !== undefined) {
    return discovered
      .filter((d) => matchesOnly(options.only, d.name, d.exportName))
      .map((d) => place(state.reports.get(d.exportName) ?? errorReport(d.name, loadError, mode, options.tolerance), d));
  }
  const order = state.layers ?? [];
  return order.map((l) =>
    place(state.reports.get(l.id) ?? errorReport(l.name, `${l.name} was not checked`, mode, options.tolerance), byId.get(l.id)),
  );
}

/**
 * Checks every layer of one file in the sandbox. Never rejects for anything the user's
 * code does; rejects with an AbortError when `options.signal` aborts.
 */
export function checkFile(file: string, options: SandboxOptions = {}): Promise<FileCheckResult> {
  const kind = sourceKindOf(file);
  if (kind === 'python' || kind === 'notebook') return checkPythonFile(file, { ...options, distDir: path.dirname(workerPathOf(options)) });
  const result = queue.then(() => runFile(file, options));
  queue = result.catch(() => undefined);
  return result;
}

/**
 * Checks files and folders (searched recursively for files that contain layers). A path
 * that does not exist comes back as a result with a loadError.
 */
export async function checkFiles(paths: string[], options: SandboxOptions = {}): Promise<FileCheckResult[]> {
  const { files, missing } = collectLayerFiles(paths);
  const results: FileCheckResult[] = missing.map((p) => ({ file: path.resolve(p), layers: [], loadError: `no such file or folder: ${p}` }));
  for (const file of files) results.push(await checkFile(file, options));
  return results;
}

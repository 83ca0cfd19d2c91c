/**
 * The host side of checking Python layers (.py files and notebooks' definitions): keeps
 * a warm Python worker process per interpreter and a checker thread, loads the user's
 * module, sets each layer up with its tag's values, and relays the checker's requests.
 * Every layer is checked under a time limit; an endless loop, os._exit or a crash is
 * reported on its own layer, the worker is restarted, and the other layers are still
 * checked. Nothing the user's code does rejects the returned promise.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { CheckOptions, LayerReport } from '../../gradcheck/types';
import { abortError, DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS, formatSeconds } from '../limits';
import { errorReport } from '../reports';
import { tagValues } from '../tagValues';
import type { CheckFileOptions, DiscoveredLayer } from '../types';
import type { CheckJob, RelayAnswer, ThreadAnswer, ThreadData } from './checkThread';
import { discoverPythonLayers } from './discover';
import { discoverNotebookLayers, notebookCodeCells, notebookDefinitions } from './notebook';
import { PythonExited, PythonProcess, PythonSetupError } from './process';
import type { WireMessage } from './wire';

export interface PythonRunOptions extends CheckFileOptions {
  /** Folder holding pythonCheck.js and python/worker.py (the bundles' dist/ folder). */
  distDir: string;
}

export interface PythonFileResult {
  file: string;
  layers: LayerReport[];
  loadError?: string;
}

export const DEFAULT_PYTHON = 'python3';
/** Starting an interpreter (and importing numpy) on a busy machine, before any user code runs. */
const STARTUP_MS = 60_000;

/** The source the worker runs, and how to name a line of it in messages. */
interface Program {
  source: string;
  /** The file name Python compiles it under (tracebacks use it). */
  filename: string;
  layers: DiscoveredLayer[];
  where(line: number): string;
}

function readProgram(file: string, options: CheckFileOptions): Program {
  const base = path.basename(file);
  if (file.toLowerCase().endsWith('.ipynb')) {
    const cells = options.notebookCells ?? notebookCodeCells(options.text ?? readFileSync(file, 'utf8'));
    const definitions = notebookDefinitions(cells);
    return {
      source: definitions.source,
      filename: file,
      layers: discoverNotebookLayers(cells),
      where(line) {
        const at = definitions.lines[line - 1];
        return at ? `${base}, cell ${at.cell + 1}, line ${at.line + 1}` : `${base}`;
      },
    };
  }
  const source = options.text ?? readFileSync(file, 'utf8');
  return { source, filename: file, layers: discoverPythonLayers(source), where: (line) => `${base}:${line}` };
}

interface Frame {
  line: number;
  name: string;
  file: string | null;
}

interface PythonError {
  error: string;
  frames?: Frame[];
  syntax?: { line: number | null; column: number | null; message: string } | null;
  position?: number | null;
}

type Status = { ok: boolean } & PythonError;

function statusOf(message: WireMessage): Status {
  return message.header as unknown as Status;
}

/** "ValueError: ... (at conv.py:23 in conv_forward_naive)", with the innermost frame in the user's code. */
function describeError(answer: PythonError, program: Program): string {
  if (answer.syntax?.line) {
    return `${answer.error.split(':')[0]}: ${answer.syntax.message} (at ${program.where(answer.syntax.line)}${answer.syntax.column ? `, column ${answer.syntax.column}` : ''})`;
  }
  const frame = answer.frames?.[answer.frames.length - 1];
  if (!frame) return answer.error;
  const where = frame.file === null ? program.where(frame.line) : `${path.basename(frame.file)}:${frame.line}`;
  return `${answer.error} (at ${where}${frame.name && frame.name !== '<module>' ? ` in ${frame.name}` : ''})`;
}

/** An import the user's module needs that the interpreter lacks gets the fix beside it. */
function withImportFix(message: string, pythonPath: string): string {
  const missing = /No module named '([\w.]+)'/.exec(message)?.[1]?.split('.')[0];
  if (!missing) return message;
  const debian = missing === 'torch' ? 'python3-torch' : missing === 'numpy' ? 'python3-numpy' : `python3-${missing}`;
  const pip = missing === 'torch' ? 'torch' : missing;
  return `${message}: the interpreter '${pythonPath}' cannot import ${missing}; install it there ('${pythonPath} -m pip install ${pip}', or Debian's ${debian}) or set the gradlens.pythonPath setting (CLI: --python) to a Python that has it`;
}

// ---------------------------------------------------------------- warm process and thread

let warm: PythonProcess | undefined;
interface CheckThread {
  worker: Worker;
  distDir: string;
  /** Answers the thread's blocked request. */
  answer: (a: RelayAnswer) => void;
  /** Takes the thread's requests while a layer is being checked. */
  relay?: (m: WireMessage) => void;
  /** Takes the thread's report. */
  pending?: (a: ThreadAnswer) => void;
}

let thread: CheckThread | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function acquireProcess(pythonPath: string, distDir: string, onLog: (t: string) => void): Promise<PythonProcess> {
  if (warm?.alive && warm.pythonPath === pythonPath) {
    warm.onLog = onLog;
    return warm;
  }
  warm?.kill();
  warm = undefined;
  const proc = await PythonProcess.start(pythonPath, path.join(distDir, 'python', 'worker.py'), onLog);
  warm = proc;
  return proc;
}

/** The checker thread, kept warm; its requests are relayed to whichever process is current. */
function acquireThread(distDir: string): CheckThread {
  if (thread && thread.distDir === distDir) return thread;
  if (thread) void thread.worker.terminate();
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const flag = new Int32Array(signal);
  const worker = new Worker(path.join(distDir, 'pythonCheck.js'), { workerData: { port: port2, signal } satisfies ThreadData, transferList: [port2] });
  const answer = (a: RelayAnswer) => {
    port1.postMessage(a);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  const t: CheckThread = { worker, distDir, answer };
  port1.on('message', (request: WireMessage) => {
    if (!t.relay) return answer({ ok: false, error: 'no Python layer is being checked' });
    t.relay(request);
  });
  port1.unref();
  worker.on('message', (m: ThreadAnswer) => t.pending?.(m));
  const forget = () => {
    if (thread === t) thread = undefined;
  };
  worker.on('error', forget);
  worker.on('exit', forget);
  worker.unref();
  thread = t;
  return t;
}

/**
 * Starts the interpreter (which imports numpy; no user code runs) and the checker thread
 * ahead of the first check, so that it answers at once. Failures are left for the check
 * to report.
 */
export function warmUpPython(pythonPath: string, distDir: string): void {
  if (!existsSync(path.join(distDir, 'python', 'worker.py'))) return;
  acquireThread(distDir);
  queue = queue.then(() => acquireProcess(pythonPath, distDir, () => undefined).catch(() => undefined));
}

/** Stops the warm Python process and the checker thread. */
export function disposePython(): void {
  warm?.kill();
  warm = undefined;
  const t = thread;
  thread = undefined;
  if (t) void t.worker.terminate();
}

/** Why a process that died during a layer did: in the words a user needs. */
function deathReason(err: PythonExited, timedOut: boolean, timeoutMs: number, memoryMb: number): string {
  if (timedOut) return `timed out after ${formatSeconds(timeoutMs)} (an infinite loop?)`;
  if (err.signal === 'SIGKILL' || err.signal === 'SIGSEGV' || /MemoryError|Cannot allocate/.test(err.stderrTail)) {
    return err.signal === 'SIGSEGV'
      ? 'crashed the Python worker (a segmentation fault in native code)'
      : `ran out of memory or was killed (the limit is ${memoryMb} MB)`;
  }
  const last = err.stderrTail.trim().split('\n').slice(-1)[0];
  return `stopped the Python worker (os._exit(${err.code ?? '?'})?)${last ? `: ${last}` : ''}`;
}

// ---------------------------------------------------------------- one file

/**
 * Checks the Python layers of one .py file or notebook. Never rejects for anything the
 * user's code does; rejects with an AbortError when `options.signal` aborts.
 */
export function checkPythonFile(file: string, options: PythonRunOptions): Promise<PythonFileResult> {
  const result = queue.then(() => runFile(file, options));
  queue = result.catch(() => undefined);
  return result;
}

async function runFile(file: string, options: PythonRunOptions): Promise<PythonFileResult> {
  if (options.signal?.aborted) throw abortError();
  const abs = path.resolve(file);
  const mode = options.mode ?? 'full';
  const pythonPath = options.pythonPath || DEFAULT_PYTHON;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memoryMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const seed = options.seed ?? 0;
  const check: CheckOptions = { mode, sampleSize: options.sampleSize, seed, tolerance: options.tolerance };
  const onLog = options.onLog ?? ((t: string) => process.stderr.write(t));

  let program: Program;
  try {
    program = readProgram(abs, options);
  } catch (err) {
    return { file: abs, layers: [], loadError: `cannot read ${file}: ${(err as Error).message}` };
  }
  const wanted = program.layers.filter((d) => !options.only || options.only.includes(d.name) || options.only.includes(d.exportName));
  const place = (report: LayerReport, d: DiscoveredLayer): LayerReport => {
    const placed: LayerReport = { ...report, file: abs, line: d.line + 1 };
    if (d.backwardLine !== undefined) placed.backwardLine = d.backwardLine + 1;
    if (d.cell !== undefined) placed.cell = d.cell;
    return placed;
  };
  const failAll = (message: string): PythonFileResult => ({
    file: abs,
    layers: wanted.map((d) => place(errorReport(d.name, message, mode, { ...options.tolerance, ...d.tolerance }), d)),
    loadError: message,
  });
  // No layer to check: still load a file that carries a tag the reader could not
  // place (a syntax error in the tagged def, say), so that its error is reported.
  const loadOnly = wanted.length === 0 && !options.only && /@gradcheck\b/.test(program.source);
  if (wanted.length === 0 && !loadOnly) return { file: abs, layers: [] };

  const distDir = options.distDir;
  if (!existsSync(path.join(distDir, 'python', 'worker.py'))) {
    return failAll(`GradLens's Python worker is missing from ${distDir}: rebuild with npm run build`);
  }

  // The worker, with the module loaded; a fresh one after any layer kills it.
  let proc: PythonProcess | undefined;
  const ready = async (): Promise<PythonProcess | string> => {
    if (proc?.alive) return proc;
    try {
      proc = await withTimeout(acquireProcess(pythonPath, distDir, onLog), STARTUP_MS, () => warm?.kill());
    } catch (err) {
      if (err instanceof PythonSetupError) return err.message;
      if (err === TIMEOUT) return `the Python interpreter '${pythonPath}' did not start within ${formatSeconds(STARTUP_MS)}`;
      return `could not start the Python interpreter '${pythonPath}': ${(err as Error).message}`;
    }
    let timedOut = false;
    let answer: WireMessage;
    try {
      answer = await withTimeout(proc.request({ op: 'load', file: abs, source: program.source, memoryMb, seed }), timeoutMs, () => {
        timedOut = true;
        proc?.kill();
      });
    } catch (err) {
      if (timedOut || err === TIMEOUT) return `loading ${path.basename(abs)} timed out after ${formatSeconds(timeoutMs)} (an infinite loop at the top level?)`;
      if (err instanceof PythonExited) return `loading ${path.basename(abs)} ${deathReason(err, false, timeoutMs, memoryMb)}`;
      throw err;
    }
    const h = statusOf(answer);
    if (!h.ok) {
      const described = describeError(h, program);
      return h.syntax ? described : withImportFix(`loading ${path.basename(abs)} raised ${described}`, pythonPath);
    }
    return proc;
  };

  // The module loads first: a syntax error or a failed import is the file's error, before any layer's.
  const loaded = await ready();
  if (typeof loaded === 'string') return loadOnly ? { file: abs, layers: [], loadError: loaded } : failAll(loaded);
  if (loadOnly) return { file: abs, layers: [] };
  const reports = new Map<DiscoveredLayer, LayerReport>();
  let loadError: string | undefined;
  const t = acquireThread(distDir);
  for (const d of wanted) {
    if (options.signal?.aborted) throw abortError();
    const tolerance = { ...options.tolerance, ...d.tolerance };
    if (d.problem) {
      reports.set(d, errorReport(d.name, d.problem, mode, tolerance));
      continue;
    }
    const live = await ready();
    if (typeof live === 'string') {
      loadError = live;
      break;
    }
    reports.set(d, await checkLayer(live, t, d, program, { check, seed, timeoutMs, memoryMb, signal: options.signal, pythonPath }));
  }
  if (loadError !== undefined) {
    const failed = failAll(loadError);
    return { ...failed, layers: wanted.map((d, i) => (reports.has(d) ? place(reports.get(d)!, d) : failed.layers[i])) };
  }
  return { file: abs, layers: wanted.map((d) => place(reports.get(d)!, d)) };
}

interface LayerRun {
  check: CheckOptions;
  seed: number;
  timeoutMs: number;
  memoryMb: number;
  signal?: AbortSignal;
  pythonPath: string;
}

const TIMEOUT = Symbol('timeout');

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(TIMEOUT);
    }, ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

let nextLayerId = 1;

/** Sets one layer up in the worker and checks it in the thread, relaying its requests. */
async function checkLayer(proc: PythonProcess, t: CheckThread, d: DiscoveredLayer, program: Program, run: LayerRun): Promise<LayerReport> {
  const mode = run.check.mode;
  const tolerance = { ...run.check.tolerance, ...d.tolerance };
  const fail = (message: string) => errorReport(d.name, message, mode, tolerance);
  const id = `L${nextLayerId++}`;
  const args = d.args ?? d.inputNames.map((name, i) => ({ kind: 'tensor' as const, name, shape: d.inputShapes?.[i] ?? [] }));
  const values = tagValues(args, run.seed);
  // The layer's own randomness (dropout from np.random) gets a stream apart from its inputs', as ctx.rng does in JavaScript.
  const layerSeed = (run.seed ^ 0x2545f491) >>> 0;

  return new Promise<LayerReport>((resolve) => {
    let settled = false;
    let timedOut = false;
    const finish = (report: LayerReport) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      t.relay = undefined;
      t.pending = undefined;
      t.worker.unref();
      resolve(report);
    };
    const died = (err: unknown) => {
      if (err instanceof PythonExited) return finish(fail(`${d.name} ${deathReason(err, timedOut, run.timeoutMs, run.memoryMb)}`));
      finish(fail(`${d.name} could not be checked: ${(err as Error).message}`));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill();
    }, run.timeoutMs);
    const onAbort = () => {
      proc.kill();
      finish(fail('cancelled'));
    };
    run.signal?.addEventListener('abort', onAbort);

    const setup = {
      op: 'setup',
      id,
      seed: layerSeed,
      layer: {
        convention: d.convention,
        exportName: d.exportName,
        backwardName: d.backwardName,
        constructorArgs: d.constructorArgs ?? [],
        args: args.map((a) => (a.kind === 'const' ? { kind: a.kind, name: a.name, value: a.value } : { kind: a.kind, name: a.name })),
      },
    };
    const intArrays = values.flatMap((v) => (v.kind === 'int' ? [v.value] : []));
    proc.request(setup, intArrays).then((answer) => {
      if (settled) return;
      const h = statusOf(answer);
      if (!h.ok) return finish(fail(withImportFix(describeError(h, program), run.pythonPath)));
      const relayAnswer = t.answer;
      t.relay = (request) => {
        proc.request(request.header, request.arrays).then(
          (message) => {
            const mh = statusOf(message);
            if (!mh.ok) mh.error = describeError(mh, program);
            relayAnswer({ ok: true, message });
          },
          (err: unknown) => {
            relayAnswer({ ok: false, error: err instanceof Error ? err.message : String(err) });
            died(err);
          },
        );
      };
      t.pending = (m) => {
        if (m.id === id) finish(m.report);
      };
      t.worker.ref();
      const job: CheckJob = {
        type: 'check',
        id,
        name: d.name,
        inputNames: values.flatMap((v) => (v.kind === 'tensor' ? [v.name] : [])),
        inputs: values.flatMap((v) => (v.kind === 'tensor' ? [v.value] : [])),
        tolerance: d.tolerance,
        check: run.check,
      };
      t.worker.postMessage(job);
    }, died);
  });
}

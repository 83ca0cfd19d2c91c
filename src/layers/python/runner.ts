/**
 * The host side of checking the Python layers of one .py file or notebook: reads the
 * program (program.ts), loads it in the warm worker process (warm.ts), and checks each
 * layer in turn (layer.ts). Every layer is checked under a time limit; an endless loop,
 * os._exit or a crash is reported on its own layer, the worker is restarted, and the
 * other layers are still checked. Nothing the user's code does rejects the returned promise.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckOptions, LayerReport } from '../../gradcheck/types';
import { abortError, DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS, formatSeconds } from '../limits';
import { errorReport } from '../reports';
import type { CheckFileOptions, DiscoveredLayer } from '../types';
import { checkLayer, deathReason } from './layer';
import { PythonExited, type PythonProcess, PythonSetupError } from './process';
import { interpreterWith } from './otherInterpreter';
import { describeError, missingModule, type Program, readProgram, statusOf, withImportFix } from './program';
import { acquireProcess, acquireThread, inTurn, killWarmProcess } from './warm';
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

/**
 * Checks the Python layers of one .py file or notebook. Never rejects for anything the
 * user's code does; rejects with an AbortError when `options.signal` aborts.
 */
export function checkPythonFile(file: string, options: PythonRunOptions): Promise<PythonFileResult> {
  return inTurn(() => runFile(file, options));
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
      proc = await withTimeout(acquireProcess(pythonPath, distDir, onLog), STARTUP_MS, killWarmProcess);
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
      if (timedOut || err === TIMEOUT)
        return `loading ${path.basename(abs)} timed out after ${formatSeconds(timeoutMs)} (an infinite loop at the top level?)`;
      if (err instanceof PythonExited) return `loading ${path.basename(abs)} ${deathReason(err, false, timeoutMs, memoryMb)}`;
      throw err;
    }
    const h = statusOf(answer);
    if (!h.ok) {
      const described = describeError(h, program);
      if (h.syntax) return described;
      const message = `loading ${path.basename(abs)} raised ${described}`;
      const missing = missingModule(message);
      return withImportFix(message, pythonPath, missing ? await interpreterWith(missing, pythonPath) : undefined);
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

/**
 * What stays warm between checks of Python layers: one worker process per interpreter
 * (numpy imported, the user's module reloaded per file), and one checker thread whose
 * requests are relayed to whichever process is current. Checks take turns: one file at a
 * time uses them.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { RelayAnswer, ThreadAnswer, ThreadData } from './checkThread';
import { PythonProcess } from './process';
import type { WireMessage } from './wire';

let warm: PythonProcess | undefined;
export interface CheckThread {
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

/** Runs `job` once every job queued before it has settled. */
export function inTurn<T>(job: () => Promise<T>): Promise<T> {
  const result = queue.then(job);
  queue = result.catch(() => undefined);
  return result;
}

export async function acquireProcess(pythonPath: string, distDir: string, onLog: (t: string) => void): Promise<PythonProcess> {
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
export function acquireThread(distDir: string): CheckThread {
  if (thread && thread.distDir === distDir) return thread;
  if (thread) void thread.worker.terminate();
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const flag = new Int32Array(signal);
  const worker = new Worker(path.join(distDir, 'pythonCheck.js'), {
    workerData: { port: port2, signal } satisfies ThreadData,
    transferList: [port2],
  });
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

/** Stops the warm process (a check's interpreter that did not start in time, say). */
export function killWarmProcess(): void {
  warm?.kill();
}

/**
 * Starts the interpreter (which imports numpy; no user code runs) and the checker thread
 * ahead of the first check, so that it answers at once. Failures are left for the check
 * to report.
 */
export function warmUpPython(pythonPath: string, distDir: string): void {
  if (!existsSync(path.join(distDir, 'python', 'worker.py'))) return;
  acquireThread(distDir);
  void inTurn(() => acquireProcess(pythonPath, distDir, () => undefined).catch(() => undefined));
}

/** Stops the warm Python process and the checker thread. */
export function disposePython(): void {
  warm?.kill();
  warm = undefined;
  const t = thread;
  thread = undefined;
  if (t) void t.worker.terminate();
}

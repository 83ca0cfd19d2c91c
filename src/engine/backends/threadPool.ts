/**
 * Worker threads that run the SIMD kernels on the same shared WebAssembly
 * memory as the main thread, so the Backend's API stays synchronous: the main
 * thread posts a job into a shared control block, works on it too, then blocks
 * in Atomics.wait until every worker has flagged completion. (Atomics.wait on
 * the main thread is allowed in Node, the extension host and the CLI, which is
 * where the fast CPU path runs; browsers forbid it there.)
 *
 * A job is a list of chunks (argument lists for one kernel) that every thread
 * claims one at a time from a shared counter. A static split (half each) stalls
 * whenever one core is busy with something else (VS Code, another process):
 * the whole call then waits for the slowest thread. With 4 chunks per thread,
 * a thread that gets the CPU takes over the work of one that does not.
 *
 * The worker's code is a function of this file, sent as source text with
 * `eval: true`, so no separate worker bundle has to be found on disk.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import { KERNEL_NAMES, type KernelName, type SimdKernels } from './wasmKernels';

// Control block (int32 slots). The worker code below uses these numbers literally.
const C_SEQ = 0; // job sequence posted by the main thread (-1: exit)
const C_NEXT = 1; // next chunk to claim
const C_KERNEL = 2; // index into KERNEL_NAMES
const C_ARGC = 3; // arguments per chunk
const C_CHUNKS = 4; // number of chunks
const C_LOCALS = 5; // number of per-thread arguments
const C_ACC = 6; // argument set to 1 on a thread's chunks after its first (-1: none)
const C_FAILED = 7; // set when a kernel threw
const C_TABLE = 8; // byte address of the chunk table (int32 [chunks][argc]) in the shared memory
const C_LOCAL_POS = 16; // [16..19]: positions of the per-thread arguments
const C_LOCAL_VAL = 32; // [32 + 4t + j]: thread t's value for per-thread argument j
const C_DONE = 64; // [64 + t]: last job sequence thread t finished
const C_COUNT = 96; // [96 + t]: chunks thread t ran in the last job
const CONTROL_INTS = 128;
const MAX_LOCALS = 4;
/** Thread indices must fit the control block's per-thread rows. */
export const MAX_THREADS = 8;
/** A job that takes longer than this is treated as a dead worker rather than waited on forever. */
const JOB_TIMEOUT_MS = 120_000;

type Kernel = (...args: number[]) => void;

/**
 * Claims and runs chunks of the posted job until none is left; returns how many
 * this thread ran. Shared by the main thread and (as source text) the workers,
 * so it must not reference anything outside its own body.
 */
function drainChunks(fns: Kernel[], ctl: Int32Array, memory: WebAssembly.Memory, thread: number): number {
  const argc = ctl[3],
    chunks = ctl[4],
    locals = ctl[5],
    accPos = ctl[6];
  const table = new Int32Array(memory.buffer, ctl[8], chunks * argc);
  const fn = fns[ctl[2]];
  const args: number[] = new Array(argc);
  let ran = 0;
  for (;;) {
    const i = Atomics.add(ctl, 1, 1);
    if (i >= chunks) break;
    for (let a = 0; a < argc; a++) args[a] = table[i * argc + a];
    for (let j = 0; j < locals; j++) args[ctl[16 + j]] = ctl[32 + 4 * thread + j];
    if (accPos >= 0 && ran > 0) args[accPos] = 1;
    fn(...args);
    ran++;
  }
  return ran;
}

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  thread: number;
  names: readonly string[];
}

// Runs inside the worker: must not reference anything outside its own body.
function workerLoop(init: WorkerInit, drain: typeof drainChunks): void {
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const exportsByName = instance.exports as Record<string, Kernel>;
  const fns = init.names.map((name) => exportsByName[name]);
  const ctl = new Int32Array(init.control);
  const t = init.thread;
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, 0, seen);
    const seq = Atomics.load(ctl, 0);
    if (seq === seen) continue;
    seen = seq;
    if (seq < 0) return;
    let ran = 0;
    try {
      ran = drain(fns, ctl, init.memory, t);
    } catch {
      Atomics.store(ctl, 7, 1);
    }
    ctl[96 + t] = ran;
    Atomics.store(ctl, 64 + t, seq);
    Atomics.notify(ctl, 64 + t);
  }
}

/** Threads this machine can usefully run at once (main thread included). */
export function hardwareThreads(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

export interface ChunkedJob {
  kernel: KernelName;
  /** One full argument list per chunk (per-thread positions hold any value). */
  chunks: number[][];
  /** Arguments that differ by thread (scratch space, partial outputs): position and one value per thread. */
  perThread?: Array<{ position: number; values: number[] }>;
  /** An argument that becomes 1 for a thread's chunks after its first (accumulate into its partial). */
  accumulatePosition?: number;
}

export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private readonly mainFns: Kernel[];
  private seq = 0;

  /** Starts `count` workers over `kernels`' memory (they boot while the main thread goes on). */
  constructor(
    private readonly kernels: SimdKernels,
    count: number,
  ) {
    if (count + 1 > MAX_THREADS) throw new RangeError(`thread pool: at most ${MAX_THREADS - 1} workers, asked for ${count}`);
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    this.control = new Int32Array(control);
    this.mainFns = KERNEL_NAMES.map((name) => kernels.exports[name] as Kernel);
    const source = `const { workerData } = require('node:worker_threads');\n(${workerLoop.toString()})(workerData, ${drainChunks.toString()});`;
    for (let w = 0; w < count; w++) {
      const init: WorkerInit = { module: kernels.module, memory: kernels.memory, control, thread: w + 1, names: KERNEL_NAMES };
      const worker = new Worker(source, { eval: true, workerData: init });
      // Idle workers must not keep a CLI run alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Threads that work on a job: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs every chunk of `job` on the calling thread and the workers and returns
   * when all are done, with the number of chunks each thread ran (index 0: this thread).
   */
  run(job: ChunkedJob): number[] {
    const ctl = this.control;
    const argc = job.chunks[0]?.length ?? 0;
    const locals = job.perThread ?? [];
    if (locals.length > MAX_LOCALS) throw new RangeError(`thread pool: at most ${MAX_LOCALS} per-thread arguments`);
    if (job.chunks.some((c) => c.length !== argc))
      throw new RangeError(`thread pool: chunks of ${job.kernel} have different argument counts`);
    // The chunk table lives in the shared memory, after whatever the caller allocated.
    const table = this.kernels.alloc(job.chunks.length * argc * 4);
    const view = new Int32Array(this.kernels.memory.buffer, table, job.chunks.length * argc);
    job.chunks.forEach((c, i) => view.set(c, i * argc));
    ctl[C_KERNEL] = KERNEL_NAMES.indexOf(job.kernel);
    ctl[C_ARGC] = argc;
    ctl[C_CHUNKS] = job.chunks.length;
    ctl[C_LOCALS] = locals.length;
    ctl[C_ACC] = job.accumulatePosition ?? -1;
    ctl[C_FAILED] = 0;
    ctl[C_TABLE] = table;
    locals.forEach((l, j) => {
      ctl[C_LOCAL_POS + j] = l.position;
      for (let t = 0; t < this.threads; t++) ctl[C_LOCAL_VAL + 4 * t + j] = l.values[t];
    });
    Atomics.store(ctl, C_NEXT, 0);
    const seq = ++this.seq;
    Atomics.store(ctl, C_SEQ, seq);
    Atomics.notify(ctl, C_SEQ);
    const counts = [0];
    try {
      counts[0] = drainChunks(this.mainFns, ctl, this.kernels.memory, 0);
    } finally {
      // Even if this thread's share failed, the workers must be idle before the arena is reused.
      for (let t = 1; t < this.threads; t++) {
        const started = Date.now();
        let done: number;
        while ((done = Atomics.load(ctl, C_DONE + t)) !== seq) {
          if (Date.now() - started > JOB_TIMEOUT_MS) {
            // biome-ignore lint/correctness/noUnsafeFinally: a worker that never finishes outranks the error in flight: the arena cannot be reused
            throw new Error(`fast CPU backend: worker ${t} did not finish ${job.kernel} within ${JOB_TIMEOUT_MS / 1000} s`);
          }
          Atomics.wait(ctl, C_DONE + t, done, 1000);
        }
        counts.push(ctl[C_COUNT + t]);
      }
    }
    if (Atomics.load(ctl, C_FAILED) !== 0) throw new Error(`fast CPU backend: a worker failed in kernel ${job.kernel}`);
    return counts;
  }

  /** Stops the workers. */
  dispose(): void {
    Atomics.store(this.control, C_SEQ, -1);
    Atomics.notify(this.control, C_SEQ);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}

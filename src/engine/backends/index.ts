/**
 * The fast float32 CPU path for Node, the extension host and the CLI.
 * `useFastBackend()` installs it for every float32 op; float64 (gradient
 * checks) keeps running on the reference backend whatever is installed.
 */
import { type Backend, getActiveBackend, registerBackend, setBackend } from '../backend';
import { createBlockedJsBackend } from './blockedJs';
import { FastCpuBackend } from './fastCpu';
import { hardwareThreads } from './threadPool';
import { SimdKernels, simdKernelModule } from './wasmKernels';

export { FastCpuBackend } from './fastCpu';
export { createBlockedJsBackend } from './blockedJs';
export { hardwareThreads } from './threadPool';

export interface FastCpuOptions {
  /** Threads to compute on, the calling thread included (default: all hardware threads, at most 8). */
  threads?: number;
  /** Use relaxed SIMD's fused multiply-add where the runtime has it (default true). */
  relaxedSimd?: boolean;
}

/**
 * A new fast CPU backend: WebAssembly SIMD kernels over `threads` threads, or
 * the blocked JavaScript GEMM where this runtime lacks WebAssembly SIMD or
 * shared memory. Each SIMD backend owns its workers; dispose() it when done.
 */
export function createFastCpuBackend(options: FastCpuOptions = {}): Backend & { dispose?(): void } {
  const threads = options.threads ?? Math.min(8, hardwareThreads());
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`createFastCpuBackend: threads must be an integer >= 1, got ${threads}`);
  const module = simdKernelModule(options.relaxedSimd ?? true);
  if (!module) return createBlockedJsBackend();
  return new FastCpuBackend(new SimdKernels(module), threads);
}

let shared: (Backend & { dispose?(): void }) | null = null;

function sharedFastBackend(): Backend {
  shared ??= createFastCpuBackend();
  return shared;
}

/**
 * Registers 'fast' (the default for float32 from the first op) and 'blocked-js' with
 * the engine. Called by Node's entry points (the library, the CLI, the trainer);
 * nothing starts until a float32 kernel runs, and the worker threads only when a call
 * is big enough to share, unref'd, so they never keep a finished script alive.
 */
export function registerNodeBackends(): void {
  registerBackend('fast', sharedFastBackend, { default: true });
  registerBackend('blocked-js', createBlockedJsBackend);
}

/**
 * Makes the fast CPU backend handle float32 kernels from now on (one instance
 * per process, created on first use) and returns it.
 */
export function useFastBackend(): Backend {
  const fast = sharedFastBackend();
  if (getActiveBackend() !== fast) setBackend(fast);
  return fast;
}

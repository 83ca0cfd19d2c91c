/**
 * The fast float32 CPU path for Node, the extension host and the CLI.
 * `useFastBackend()` installs it for every float32 op; float64 (gradient
 * checks) keeps running on the reference backend whatever is installed.
 */
import { type Backend, getActiveBackend, setBackend } from '../backend';
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
}

/**
 * A new fast CPU backend: WebAssembly SIMD kernels over `threads` threads, or
 * the blocked JavaScript GEMM where this runtime lacks WebAssembly SIMD or
 * shared memory. Each SIMD backend owns its workers; dispose() it when done.
 */
export function createFastCpuBackend(options: FastCpuOptions = {}): Backend & { dispose?(): void } {
  const threads = options.threads ?? Math.min(8, hardwareThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`createFastCpuBackend: threads must be an integer >= 1, got ${threads}`);
  const module = simdKernelModule();
  if (!module) return createBlockedJsBackend();
  return new FastCpuBackend(new SimdKernels(module), threads);
}

let shared: (Backend & { dispose?(): void }) | null = null;

/**
 * Makes the fast CPU backend handle float32 kernels from now on (one instance
 * per process, created on first use) and returns it.
 */
export function useFastBackend(): Backend {
  shared ??= createFastCpuBackend();
  if (getActiveBackend() !== shared) setBackend(shared);
  return shared;
}

/**
 * The engine for a browser page (dist/webview/engine.js, global `GradLensEngine`):
 * tensors, autograd, nn, optimisers, and the gpu.js backend with gpu.js bundled.
 *
 * `import 'gpu.js'` resolves, for esbuild's browser platform, through the
 * package's "browser" field to dist/gpu-browser.js, the self-contained browser
 * build; the Node build would pull in headless-gl, which does not build here.
 *
 * A page trains on the GPU path with:
 *   const choice = await GradLensEngine.useGpuIfWorthwhile();
 *   status.textContent = `training on: ${choice.label}` + (choice.using === 'cpu' ? ` (${choice.reason})` : '');
 * after which float32 matrix products and convolutions run on gpu.js where it
 * was worth it, and every other op on the CPU (each would pay an upload and a
 * readback for one pass over memory); float64 (gradient checks) stays on the
 * reference backend either way.
 */
import { GPU } from 'gpu.js';
import { setBackend } from '../src/engine';
import {
  chooseGpuBackend,
  type ChooseGpuOptions,
  type GpuChoice,
  type GpuJsBackend,
  type GpuJsConstructor,
} from '../src/engine/backends/gpujs';

export * from '../src/engine';
export * from '../src/engine/backends/gpujs';

/** gpu.js's GPU class from its browser build. */
export const GpuJs = GPU as unknown as GpuJsConstructor;

export interface GpuUse extends Omit<GpuChoice, 'backend'> {
  /** Which path the engine's float32 ops now take. */
  using: 'gpu' | 'cpu';
  /** The installed gpu.js backend; null on the CPU path (the probe's backend is disposed then). */
  backend: GpuJsBackend | null;
}

/**
 * Probes WebGL2/WebGL/WebGPU in this page and installs the gpu.js backend when
 * the probe recommends it (a hardware GPU) or `force` says so; otherwise leaves
 * the active CPU backend in place. `label` and `reason` are for the UI.
 */
export async function useGpuIfWorthwhile(options: ChooseGpuOptions & { force?: 'gpu' | 'cpu' } = {}): Promise<GpuUse> {
  const choice = await chooseGpuBackend(GpuJs, options);
  const using = options.force ?? choice.recommended;
  if (using === 'gpu') {
    setBackend(choice.backend);
    return { ...choice, using };
  }
  choice.backend.dispose();
  return { ...choice, using, backend: null };
}

// The training loop, its models and the generated datasets (no Node APIs), so a page or
// a Web Worker can train the panel's runs on the gpu.js backend (webview/panel/trainWorker.ts).
export { TrainLoop, validateConfig } from '../src/training/loop';
export type { BackendInfo, RunRecorder, TrainLoopOptions } from '../src/training/loop';
export type { TrainConfig, TrainEvent } from '../src/training/events';

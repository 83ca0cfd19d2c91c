/**
 * The part of gpu.js this backend relies on, described structurally. The engine
 * never imports gpu.js itself: the caller hands in the GPU constructor, because
 * a browser page must get gpu.js's browser build and Node its Node build (which
 * would pull in headless-gl), and the engine must not pick between them.
 */

/** What a kernel function sees as `this` while gpu.js runs it for one output cell. */
export interface KernelThis<C> {
  thread: { x: number; y: number; z: number };
  constants: C;
}

/** A compiled-on-first-call kernel: call it like a function. */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  /** The backend kernel that actually runs (WebGL2Kernel, WebAssemblyKernel, ...). */
  kernel?: { constructor: { name: string }; fallbackReason?: string | null };
  destroy(removeCanvasReferences?: boolean): void;
}

/** A result left on the device by a `pipeline: true` kernel. WebAssembly and CPU modes return plain arrays instead. */
export interface GpuJsTexture {
  toArray(): unknown;
  delete(): void;
}

export interface GpuJsKernelSettings {
  output: number[];
  constants: Record<string, number>;
  precision: 'single';
  tactic: 'precision';
  pipeline: boolean;
  immutable: boolean;
  loopMaxIterations: number;
  asyncMode?: boolean;
}

export interface GpuJsInstance {
  /** The mode gpu.js resolved ('webgl2', 'webasm', 'cpu', ...). */
  readonly mode: string;
  createKernel(fn: (...args: never[]) => number, settings: GpuJsKernelSettings): GpuJsKernel;
  destroy(): unknown;
}

export interface GpuJsSettings {
  mode?: string;
  canvas?: unknown;
  context?: unknown;
}

/** gpu.js's `GPU` class, as exported by either build. */
export interface GpuJsConstructor {
  new (settings?: GpuJsSettings): GpuJsInstance;
  readonly isWebGL2Supported?: boolean;
  readonly isWebGLSupported?: boolean;
  readonly isWebAssemblySupported?: boolean;
  readonly isHeadlessGLSupported?: boolean;
}

/**
 * The backend seam. Ops are written once, in terms of typed arrays; the few
 * kernels that dominate run time (a GEMM, and optionally fused convolution and
 * pooling kernels) are delegated to a Backend. float64 always runs on the
 * reference backend, so gradient checks never depend on a fast path; float32
 * runs on whichever backend is active (the fast CPU path or gpu.js).
 *
 * Elementwise ops, reductions and softmax stay out of the seam for a GPU: a
 * tensor's storage is a typed array in this thread, so every op sent to one would
 * upload its inputs and read its output back. That round trip outweighs a single
 * pass over memory; only kernels with many multiply-adds per element read (GEMM,
 * convolution) earn it. Routing more ops would pay once data stayed on the device
 * between ops, which this storage does not do.
 */
import { referenceBackend } from './backends/reference';
import { describe, EngineError, type FloatStorage } from './tensor';

export { referenceBackend };

export interface GemmArgs {
  /** C (m x n) = op(A) (m x k) * op(B) (k x n), op = transpose when the flag is set. */
  a: FloatStorage;
  b: FloatStorage;
  c: FloatStorage;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** C += instead of C = */
  accumulate?: boolean;
}

export interface Conv2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number; // input
  o: number;
  kh: number;
  kw: number; // weights [o, c, kh, kw]
  stride: number;
  padding: number;
  oh: number;
  ow: number; // output
}

/** An [n, C, S] tensor seen channel by channel (S positions per sample and channel). */
export interface ChannelGeometry {
  n: number;
  C: number;
  S: number;
}

/** Per-channel coefficients of y = a[c] (x - m[c]) + b[c]. */
export interface ChannelAffine {
  a: Float64Array;
  m: Float64Array;
  b: Float64Array;
}

/** Per-channel coefficients of d = a[c] g - b[c] (x - m[c]) + k[c]. */
export interface ChannelGradAffine {
  a: Float64Array;
  b: Float64Array;
  m: Float64Array;
  k: Float64Array;
}

/** planes of h x w in, planes of oh x ow out (oh = floor(h / 2), ow = floor(w / 2)). */
export interface Pool2x2Geometry {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

export interface Backend {
  readonly name: string;
  /** Human-readable detail for the UI ("threaded WebAssembly, 2 workers"). */
  readonly description: string;
  gemm(args: GemmArgs): void;
  /** Optional fused kernels; ops fall back to im2col + gemm when absent. */
  conv2dForward?(x: FloatStorage, w: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void;
  conv2dBackwardInput?(gOut: FloatStorage, w: FloatStorage, gx: FloatStorage, g: Conv2dGeometry): void;
  conv2dBackwardWeight?(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, g: Conv2dGeometry): void;
  /** The forward with bias[o] added to every position of output plane o, in the same pass. */
  conv2dForwardBias?(x: FloatStorage, w: FloatStorage, bias: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void;
  /** The weight gradient and, in the same pass over gOut, the bias gradient gb[o] = Σ gOut[:, o]. */
  conv2dBackwardWeightBias?(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, gb: FloatStorage, g: Conv2dGeometry): void;
  /**
   * Optional float32 kernels for the memory-bound ops of a CNN step (ReLU, 2x2 max
   * pooling, batch norm's per-channel passes); the ops run their own loops when absent.
   */
  reluForward?(x: Float32Array, y: Float32Array): void;
  reluBackward?(x: Float32Array, g: Float32Array, dx: Float32Array): void;
  /** 2x2, stride 2, unpadded; winner gets each window's flat input index. */
  maxPool2x2?(x: Float32Array, y: Float32Array, winner: Int32Array, g: Pool2x2Geometry): void;
  /** dx = the window's gradient at its winner, 0 elsewhere. */
  maxPool2x2Backward?(gOut: Float32Array, winner: Int32Array, dx: Float32Array, g: Pool2x2Geometry): void;
  /**
   * Batch norm's forward in training over x [n, C, S]: per channel the mean and the sum
   * of squared deviations go to `coefficients`, whose a, m, b then give
   * y = a[c] (x - m[c]) + b[c]. One call, so x is read into the backend once.
   */
  channelMomentsAffine?(
    x: Float32Array,
    y: Float32Array,
    g: ChannelGeometry,
    coefficients: (mean: Float64Array, m2: Float64Array) => ChannelAffine,
  ): void;
  /** y = a[c] (x - m[c]) + b[c] (batch norm's forward in evaluation). */
  channelAffine?(x: Float32Array, y: Float32Array, g: ChannelGeometry, affine: ChannelAffine): void;
  /**
   * Batch norm's backward: per channel Σ gOut and Σ gOut (x - mean[c]) go to
   * `coefficients`; when d is given it gets d = a[c] gOut - b[c] (x - m[c]) + k[c].
   */
  channelGradAffine?(
    gOut: Float32Array,
    x: Float32Array,
    d: Float32Array | null,
    g: ChannelGeometry,
    mean: Float64Array,
    coefficients: (sumG: Float64Array, sumGXc: Float64Array) => ChannelGradAffine,
  ): void;
}

/** Names `setBackend` accepts; 'fast' and 'blocked-js' exist where a runtime registers them (Node). */
export type BackendName = 'fast' | 'reference' | 'blocked-js' | (string & {});

/**
 * Backends by name. The engine itself knows only the reference loops; the Node entry
 * points register the fast CPU path (its worker threads would not bundle for a page),
 * and a factory runs only when its backend is first asked for, so merely loading the
 * library starts no threads.
 */
const factories = new Map<string, () => Backend>([['reference', () => referenceBackend]]);
const made = new Map<string, Backend>();
/** The backend in force: null until the first float32 kernel or explicit choice resolves the default. */
let active: Backend | null = null;
let defaultName: BackendName = 'reference';

function resolve(name: BackendName, caller: string): Backend {
  const ready = made.get(name);
  if (ready) return ready;
  const factory = factories.get(name);
  if (!factory)
    throw new EngineError(
      caller,
      `backend must be one of ${[...factories.keys()].map((n) => `'${n}'`).join(', ')} or a Backend object, got '${name}', which is not a registered backend`,
    );
  const backend = factory();
  made.set(name, backend);
  return backend;
}

/**
 * Lets `setBackend(name)` find a backend, built by `factory` on first use. With
 * `{ default: true }` it also becomes what float32 runs on until someone chooses.
 */
export function registerBackend(name: string, factory: () => Backend, options: { default?: boolean } = {}): void {
  if (typeof name !== 'string' || name === '')
    throw new EngineError('registerBackend', `name must be a non-empty string, got ${describe(name)}`);
  if (typeof factory !== 'function')
    throw new EngineError('registerBackend', `factory must be a function returning a Backend, got ${describe(factory)}`);
  factories.set(name, factory);
  made.delete(name);
  if (options.default) defaultName = name;
}

function isBackend(x: unknown): x is Backend {
  return typeof x === 'object' && x !== null && typeof (x as Backend).gemm === 'function' && typeof (x as Backend).name === 'string';
}

/**
 * Make a backend handle float32 kernels from now on: a registered name ('fast',
 * 'reference', 'blocked-js' in Node) or a Backend object. Returns the previous one.
 */
export function setBackend(backend: BackendName | Backend): Backend {
  const prev = getActiveBackend();
  if (typeof backend === 'string') active = resolve(backend, 'setBackend');
  else if (isBackend(backend)) active = backend;
  else
    throw new EngineError(
      'setBackend',
      `backend must be a backend name (${[...factories.keys()].map((n) => `'${n}'`).join(', ')}) or a Backend object with name and gemm(), got ${describe(backend)}`,
    );
  return prev;
}

/** The backend float32 kernels run on now (resolving the default on first call). */
export function getActiveBackend(): Backend {
  if (active) return active;
  try {
    active = resolve(defaultName, 'getActiveBackend');
  } catch {
    // A default that cannot start here (no SIMD, no threads) must not break the engine.
    active = referenceBackend;
  }
  return active;
}

/**
 * The backend that computes for a given storage. This is the one place float64 is kept
 * on the reference: backends take float32 only, and reject float64 rather than route it.
 */
export function backendFor(data: FloatStorage): Backend {
  return data instanceof Float64Array ? referenceBackend : (active ?? getActiveBackend());
}

/** Constructors. Randomness always comes from an explicit Rng (or a seed that makes one). */
import { Rng } from './rng';
import { allocate, type DType, EngineError, fromNested, type NestedArray, type Shape, sizeOf, type Storage, Tensor } from './tensor';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  /** The generator to draw from; advanced by the call. */
  rng?: Rng;
  /** Shorthand for a fresh `new Rng(seed)`. */
  seed?: number;
}

export type TensorData = NestedArray | Storage | Tensor;

/** tensor(3), tensor([[1, 2], [3, 4]]), tensor(new Float32Array(6)).reshape([2, 3]) */
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  let t: Tensor;
  if (data instanceof Tensor) {
    t = new Tensor(data.data.slice(), data.shape, data.dtype);
  } else if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Uint8Array) {
    t = new Tensor(data, [data.length]);
  } else if (ArrayBuffer.isView(data)) {
    throw new EngineError('tensor', `unsupported typed array ${(data as object).constructor.name}; use Float64Array, Float32Array or Uint8Array (bool)`);
  } else {
    t = fromNested(data as NestedArray, undefined, 'tensor');
  }
  if (opts.dtype && opts.dtype !== t.dtype) {
    const d = allocate(opts.dtype, t.size);
    for (let i = 0; i < d.length; i++) d[i] = t.data[i];
    t = new Tensor(d, t.shape, opts.dtype);
  }
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkShape(op: string, shape: Shape): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new EngineError(op, `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const s = checkShape('full', shape);
  const dtype = opts.dtype ?? 'float64';
  const t = new Tensor(allocate(dtype, sizeOf(s)).fill(value), s, dtype);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export const zeros = (shape: Shape, opts: TensorOptions = {}): Tensor => full(shape, 0, opts);
export const ones = (shape: Shape, opts: TensorOptions = {}): Tensor => full(shape, 1, opts);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, { dtype: t.dtype });
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, { dtype: t.dtype });

/** arange(n) or arange(start, end, step?) */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new EngineError('arange', 'step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? 'float64';
  const d = allocate(dtype, n);
  for (let i = 0; i < n; i++) d[i] = start + i * step;
  return new Tensor(d, [n], dtype, opts.requiresGrad ?? false);
}

function rngOf(op: string, opts: RandomOptions): Rng {
  if (opts.rng) return opts.rng;
  if (opts.seed !== undefined) return new Rng(opts.seed);
  throw new EngineError(op, 'pass { rng } or { seed }: GradLens has no hidden global randomness');
}

/** Standard normal samples. */
export function randn(shape: Shape, opts: RandomOptions): Tensor {
  const rng = rngOf('randn', opts);
  const t = full(checkShape('randn', shape), 0, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

/** Uniform samples in [low, high) (default [0, 1)). */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number }): Tensor {
  const rng = rngOf('rand', opts);
  const lo = opts.low ?? 0, hi = opts.high ?? 1;
  const t = full(checkShape('rand', shape), 0, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * rng.uniform();
  return t;
}

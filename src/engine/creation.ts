/**
 * Constructors. Float tensors made without a dtype get the default dtype; random ones
 * draw from the call's rng or seed, else from the default generator (rng.ts), so a
 * PyTorch habit (`randn([2, 3])` after `manualSeed(0)`) works and stays reproducible.
 */
import { optionalNumber, requireNumber, requireOneOf, requireOptions, requireShape, requireTensor } from './args';
import { type Rng, rngFrom } from './rng';
import {
  allocate,
  type DType,
  describe,
  EngineError,
  type FloatDType,
  fromNested,
  type NestedArray,
  type Shape,
  sizeOf,
  type Storage,
  Tensor,
} from './tensor';

export interface TensorOptions {
  /** Default: getDefaultDtype() for numbers; a typed array or Tensor keeps its own. */
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  /** The generator to draw from; advanced by the call. Default: the default generator (manualSeed). */
  rng?: Rng;
  /** Shorthand for a fresh `new Rng(seed)`. */
  seed?: number;
}

export type TensorData = NestedArray | Storage | Tensor;

const FLOAT_DTYPES: readonly FloatDType[] = ['float64', 'float32'];
const DTYPES: readonly DType[] = ['float64', 'float32', 'bool'];

/**
 * What float tensors and modules made without a dtype get. float64, where PyTorch has
 * float32: gradient checks take central differences, which float32 cannot resolve.
 */
let defaultDtype: FloatDType = 'float64';

/** The dtype of float tensors and modules made without one (torch.set_default_dtype); returns the previous one. */
export function setDefaultDtype(dtype: FloatDType): FloatDType {
  const prev = defaultDtype;
  defaultDtype = requireOneOf('setDefaultDtype', 'dtype', dtype, FLOAT_DTYPES);
  return prev;
}

export function getDefaultDtype(): FloatDType {
  return defaultDtype;
}

/** A float dtype option: the one given, else the default. */
export function floatDtypeOption(fn: string, dtype: unknown): FloatDType {
  return dtype === undefined ? defaultDtype : requireOneOf(fn, 'dtype', dtype, FLOAT_DTYPES);
}

function checkedOptions<T extends TensorOptions>(fn: string, opts: T | undefined): T {
  const o = requireOptions(fn, 'opts', opts);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean')
    throw new EngineError(fn, `requiresGrad must be true or false, got ${describe(o.requiresGrad)}`);
  return o;
}

/** tensor(3), tensor([[1, 2], [3, 4]]), tensor(new Float32Array(6)).reshape([2, 3]) */
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  const o = checkedOptions('tensor', opts);
  const dtype = o.dtype === undefined ? undefined : requireOneOf('tensor', 'dtype', o.dtype, DTYPES);
  let t: Tensor;
  if (data instanceof Tensor) {
    t = new Tensor(data.data.slice(), data.shape, data.dtype);
  } else if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Uint8Array) {
    t = new Tensor(data, [data.length]);
  } else if (ArrayBuffer.isView(data)) {
    throw new EngineError(
      'tensor',
      `unsupported typed array ${(data as object).constructor.name}; use Float64Array, Float32Array or Uint8Array (bool)`,
    );
  } else if (typeof data === 'number' || typeof data === 'boolean' || Array.isArray(data)) {
    t = fromNested(data, dtype, 'tensor', defaultDtype);
  } else {
    throw new EngineError(
      'tensor',
      `data must be a number, nested arrays of numbers or booleans, a Float64Array, Float32Array or Uint8Array, or a Tensor, got ${describe(data)}`,
    );
  }
  if (dtype && dtype !== t.dtype) {
    const d = allocate(dtype, t.size);
    for (let i = 0; i < d.length; i++) d[i] = t.data[i];
    t = new Tensor(d, t.shape, dtype);
  }
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

function filled(fn: string, shape: Shape, value: number, opts: TensorOptions | undefined): Tensor {
  const s = requireShape(fn, 'shape', shape);
  requireNumber(fn, 'value', value);
  const o = checkedOptions(fn, opts);
  const dtype = o.dtype === undefined ? defaultDtype : requireOneOf(fn, 'dtype', o.dtype, DTYPES);
  const t = new Tensor(allocate(dtype, sizeOf(s)).fill(value), s, dtype);
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

export const full = (shape: Shape, value: number, opts: TensorOptions = {}): Tensor => filled('full', shape, value, opts);
export const zeros = (shape: Shape, opts: TensorOptions = {}): Tensor => filled('zeros', shape, 0, opts);
export const ones = (shape: Shape, opts: TensorOptions = {}): Tensor => filled('ones', shape, 1, opts);
export const zerosLike = (t: Tensor): Tensor => filled('zerosLike', requireTensor('zerosLike', 'input', t).shape, 0, { dtype: t.dtype });
export const onesLike = (t: Tensor): Tensor => filled('onesLike', requireTensor('onesLike', 'input', t).shape, 1, { dtype: t.dtype });

/** arange(n) or arange(start, end, step?) */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  requireNumber('arange', 'start', start);
  if (end === undefined) [start, end] = [0, start];
  requireNumber('arange', 'end', end);
  requireNumber('arange', 'step', step);
  if (step === 0) throw new EngineError('arange', 'step must be non-zero, got 0');
  const o = checkedOptions('arange', opts);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = floatDtypeOption('arange', o.dtype);
  const d = allocate(dtype, n);
  for (let i = 0; i < n; i++) d[i] = start + i * step;
  return new Tensor(d, [n], dtype, o.requiresGrad ?? false);
}

/** A float tensor of `shape` filled by `draw`, for randn and rand. */
function sampled(fn: string, shape: Shape, opts: RandomOptions, draw: (rng: Rng) => number): Tensor {
  const s = requireShape(fn, 'shape', shape);
  const o = checkedOptions(fn, opts);
  const dtype = floatDtypeOption(fn, o.dtype);
  const rng = rngFrom(fn, o);
  const t = new Tensor(allocate(dtype, sizeOf(s)), s, dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = draw(rng);
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Standard normal samples. */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return sampled('randn', shape, opts, (rng) => rng.normal());
}

/** Uniform samples in [low, high) (default [0, 1)). */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const o = requireOptions('rand', 'opts', opts);
  const lo = optionalNumber('rand', 'low', o.low, 0),
    hi = optionalNumber('rand', 'high', o.high, 1);
  return sampled('rand', shape, o, (rng) => lo + (hi - lo) * rng.uniform());
}

/**
 * Weight initialisation, in place, from the given rng or seed, else the default
 * generator (manualSeed). Formulas as in
 * torch.nn.init: Kaiming (He) keeps the activation variance through ReLU layers,
 * std = gain / √fan; Xavier (Glorot) balances the forward and backward variance,
 * std = gain · √(2 / (fanIn + fanOut)). A uniform variant with the same std has
 * bound √3 · std.
 */
import { optionalNumber, requireNumber, requireOptions, requireTensor } from './args';
import { type Rng, rngFrom } from './rng';
import { describe, EngineError, fmtShape, Tensor } from './tensor';

export interface InitRngOptions {
  rng?: Rng;
  /** Shorthand for a fresh `new Rng(seed)`. */
  seed?: number;
}

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'conv2d' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

export interface KaimingOptions extends InitRngOptions {
  /** Negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

export interface XavierOptions extends InitRngOptions {
  gain?: number;
}

/** Checks the tensor and the options of an init function; returns the options. */
function initArgs<O extends object>(op: string, t: Tensor, opts: O | undefined): O {
  if (!(t instanceof Tensor) || t.dtype === 'bool')
    throw new EngineError(op, `tensor must be a float Tensor to fill in place, got ${describe(t)}`);
  return requireOptions(op, 'opts', opts);
}

/** fanIn = in · receptive field, fanOut = out · receptive field, for weights [out, in, ...]. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  requireTensor('calculateFanInAndFanOut', 'tensor', t);
  if (t.ndim < 2)
    throw new EngineError('calculateFanInAndFanOut', `fan in and fan out need at least 2 dims, got shape ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** The gain that keeps the variance steady through a nonlinearity. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new EngineError(
        'calculateGain',
        `nonlinearity must be 'linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leakyRelu' or 'selu', got ${describe(nonlinearity)}`,
      );
  }
}

/** Writes straight into the storage: initialisation is not an op on the tape. */
function fill(t: Tensor, draw: () => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = draw();
  return t;
}

export function uniform_(t: Tensor, options: InitRngOptions & { low?: number; high?: number } = {}): Tensor {
  const opts = initArgs('uniform_', t, options);
  const rng = rngFrom('uniform_', opts);
  const lo = optionalNumber('uniform_', 'low', opts.low, 0),
    hi = optionalNumber('uniform_', 'high', opts.high, 1);
  return fill(t, () => lo + (hi - lo) * rng.uniform());
}

export function normal_(t: Tensor, options: InitRngOptions & { mean?: number; std?: number } = {}): Tensor {
  const opts = initArgs('normal_', t, options);
  const rng = rngFrom('normal_', opts);
  const mean = optionalNumber('normal_', 'mean', opts.mean, 0),
    std = optionalNumber('normal_', 'std', opts.std, 1);
  return fill(t, () => mean + std * rng.normal());
}

function filledWith(op: string, t: Tensor, value: number): Tensor {
  initArgs(op, t, undefined);
  requireNumber(op, 'value', value);
  return fill(t, () => value);
}
export const constant_ = (t: Tensor, value: number): Tensor => filledWith('constant_', t, value);
export const zeros_ = (t: Tensor): Tensor => filledWith('zeros_', t, 0);
export const ones_ = (t: Tensor): Tensor => filledWith('ones_', t, 1);

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new EngineError(op, `mode must be 'fanIn' or 'fanOut', got ${String(mode)}`);
  const gain = calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0);
  return gain / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/** N(0, std²) with std = gain / √fan (PyTorch's defaults: a = 0, fanIn, leaky ReLU, so gain √2). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const opts = initArgs('kaimingNormal_', t, options);
  const std = kaimingStd('kaimingNormal_', t, opts);
  return normal_(t, { rng: rngFrom('kaimingNormal_', opts), std });
}

/** U(-b, b) with b = √3 · gain / √fan. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const opts = initArgs('kaimingUniform_', t, options);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, { rng: rngFrom('kaimingUniform_', opts), low: -bound, high: bound });
}

/** N(0, std²) with std = gain · √(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, options: XavierOptions = {}): Tensor {
  const opts = initArgs('xavierNormal_', t, options);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = optionalNumber('xavierNormal_', 'gain', opts.gain, 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, { rng: rngFrom('xavierNormal_', opts), std });
}

/** U(-b, b) with b = gain · √(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, options: XavierOptions = {}): Tensor {
  const opts = initArgs('xavierUniform_', t, options);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = optionalNumber('xavierUniform_', 'gain', opts.gain, 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, { rng: rngFrom('xavierUniform_', opts), low: -bound, high: bound });
}

/**
 * Weight initialisation, in place, from an explicit Rng. Formulas as in
 * torch.nn.init: Kaiming (He) keeps the activation variance through ReLU layers,
 * std = gain / √fan; Xavier (Glorot) balances the forward and backward variance,
 * std = gain · √(2 / (fanIn + fanOut)). A uniform variant with the same std has
 * bound √3 · std.
 */
import { Rng } from './rng';
import { EngineError, fmtShape, Tensor } from './tensor';

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

function rngFor(op: string, opts: InitRngOptions): Rng {
  if (opts.rng instanceof Rng) return opts.rng;
  if (typeof opts.seed === 'number') return new Rng(opts.seed);
  throw new EngineError(op, 'pass { rng } or { seed }: GradLens has no hidden global randomness');
}

function requireWeight(op: string, t: Tensor): void {
  if (!(t instanceof Tensor) || t.dtype === 'bool') throw new EngineError(op, 'expects a float tensor');
}

/** fanIn = in · receptive field, fanOut = out · receptive field, for weights [out, in, ...]. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new EngineError('calculateFanInAndFanOut', `fan in and fan out need at least 2 dims, got shape ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** The gain that keeps the variance steady through a nonlinearity. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': { const a = param ?? 0.01; return Math.sqrt(2 / (1 + a * a)); }
    case 'selu': return 3 / 4;
    default: throw new EngineError('calculateGain', `unknown nonlinearity ${String(nonlinearity)}`);
  }
}

/** Writes straight into the storage: initialisation is not an op on the tape. */
function fill(t: Tensor, draw: () => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = draw();
  return t;
}

export function uniform_(t: Tensor, opts: InitRngOptions & { low?: number; high?: number }): Tensor {
  requireWeight('uniform_', t);
  const rng = rngFor('uniform_', opts);
  const lo = opts.low ?? 0, hi = opts.high ?? 1;
  return fill(t, () => lo + (hi - lo) * rng.uniform());
}

export function normal_(t: Tensor, opts: InitRngOptions & { mean?: number; std?: number }): Tensor {
  requireWeight('normal_', t);
  const rng = rngFor('normal_', opts);
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  return fill(t, () => mean + std * rng.normal());
}

export function constant_(t: Tensor, value: number): Tensor {
  requireWeight('constant_', t);
  return fill(t, () => value);
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new EngineError(op, `mode must be 'fanIn' or 'fanOut', got ${String(mode)}`);
  const gain = calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0);
  return gain / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/** N(0, std²) with std = gain / √fan (PyTorch's defaults: a = 0, fanIn, leaky ReLU, so gain √2). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions): Tensor {
  requireWeight('kaimingNormal_', t);
  const std = kaimingStd('kaimingNormal_', t, opts);
  return normal_(t, { rng: rngFor('kaimingNormal_', opts), std });
}

/** U(-b, b) with b = √3 · gain / √fan. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions): Tensor {
  requireWeight('kaimingUniform_', t);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, { rng: rngFor('kaimingUniform_', opts), low: -bound, high: bound });
}

/** N(0, std²) with std = gain · √(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, opts: XavierOptions): Tensor {
  requireWeight('xavierNormal_', t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, { rng: rngFor('xavierNormal_', opts), std });
}

/** U(-b, b) with b = gain · √(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, opts: XavierOptions): Tensor {
  requireWeight('xavierUniform_', t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, { rng: rngFor('xavierUniform_', opts), low: -bound, high: bound });
}

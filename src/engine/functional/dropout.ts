/**
 * Inverted dropout: in training each element is kept with probability 1 - p and
 * scaled by 1/(1 - p), so the expected activation is unchanged and evaluation is
 * the identity. y = m ⊙ x with m_i ∈ {0, 1/(1-p)}; dy/dx = m.
 */
import { requireOptions } from '../args';
import { type Rng, rngFrom } from '../rng';
import { allocate, describe, EngineError, type FloatStorage, record, Tensor } from '../tensor';
import { requireFloat } from './checks';

export interface DropoutOptions {
  p?: number;
  training?: boolean;
  /** Draws the mask; default: the default generator (manualSeed). */
  rng?: Rng | null;
}

export function dropout(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const dtype = requireFloat('dropout', 'input', x);
  const o = requireOptions('dropout', 'opts', opts);
  const p = o.p ?? 0.5;
  const training = o.training ?? true;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new EngineError('dropout', `p must be a probability in [0, 1], got ${describe(p)}`);
  if (typeof training !== 'boolean') throw new EngineError('dropout', `training must be true or false, got ${describe(training)}`);
  const rng = rngFrom('dropout', o);
  if (!training || p === 0) return x;
  const keepScale = p === 1 ? 0 : 1 / (1 - p);
  const mask = allocate(dtype, x.size) as FloatStorage;
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < p ? 0 : keepScale;
  const X = x.data as FloatStorage;
  const Y = allocate(dtype, x.size) as FloatStorage;
  for (let i = 0; i < Y.length; i++) Y[i] = X[i] * mask[i];
  return record('dropout', new Tensor(Y, x.shape, dtype), [x], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, x.size) as FloatStorage;
    for (let i = 0; i < D.length; i++) D[i] = G[i] * mask[i];
    return [new Tensor(D, x.shape, dtype)];
  });
}

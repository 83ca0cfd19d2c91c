/** Dropout: inverted dropout in training, the identity in evaluation. */
import { requireOptions } from '../args';
import { dropout } from '../functional/dropout';
import { type Rng, rngFrom } from '../rng';
import { describe, EngineError, type Tensor } from '../tensor';
import { Module } from './module';

export class Dropout extends Module {
  /** `rng` here, or later through model.setRng(rng), supplies the masks; without one, the default generator does. */
  constructor(
    readonly p = 0.5,
    opts: { rng?: Rng } = {},
  ) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new EngineError('Dropout', `p must be a probability in [0, 1], got ${describe(p)}`);
    const { rng } = requireOptions('Dropout', 'opts', opts);
    // Only a given rng is kept: the default generator is looked up at each forward, so manualSeed() between calls counts.
    if (rng != null) this.rng = rngFrom('Dropout', { rng });
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, rng: this.rng });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

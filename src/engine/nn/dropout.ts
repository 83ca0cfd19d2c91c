/** Dropout: inverted dropout in training, the identity in evaluation. */
import { dropout } from '../functional/dropout';
import type { Rng } from '../rng';
import { EngineError, type Tensor } from '../tensor';
import { Module } from './module';

export class Dropout extends Module {
  /** `rng` here, or later through model.setRng(rng), supplies the masks. */
  constructor(readonly p = 0.5, opts: { rng?: Rng } = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new EngineError('Dropout', `p must be a probability in [0, 1], got ${String(p)}`);
    if (opts.rng) this.rng = opts.rng;
  }

  forward(x: Tensor): Tensor {
    if (this.training && this.p > 0 && !this.rng) {
      throw new EngineError('Dropout', 'training mode needs an rng: new nn.Dropout(p, { rng }) or model.setRng(rng) (or call model.eval())');
    }
    return dropout(x, { p: this.p, training: this.training, rng: this.rng });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

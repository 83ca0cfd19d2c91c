/** Sequential and Flatten: composing layers and joining conv features to FC layers. */
import { requireInt } from '../args';
import { flatten } from '../ops/shape';
import { describe, EngineError, type Tensor } from '../tensor';
import { Module } from './module';

/** Feeds each module's output to the next; children are named '0', '1', ... */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new EngineError('Sequential', `argument ${i} must be a Module, got ${describe(m)}`);
      this.registerModule(String(i), m);
    });
    this.layers = layers;
  }

  get length(): number {
    return this.layers.length;
  }

  at(i: number): Module {
    const m = this.layers[i < 0 ? i + this.layers.length : i];
    if (!m) throw new EngineError('Sequential', `index ${i} is out of range for ${this.layers.length} layers`);
    return m;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

/** Flattens dims startDim..endDim (default: everything but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    requireInt('Flatten', 'startDim', startDim);
    requireInt('Flatten', 'endDim', endDim);
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

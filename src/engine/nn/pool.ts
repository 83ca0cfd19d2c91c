/** Pooling layers. */
import { optionalInt, requireOptions, requirePositiveInt } from '../args';
import { avgPool2d, maxPool2d, type Pool2dOptions } from '../functional/pool';
import type { Tensor } from '../tensor';
import { Module } from './module';

export interface PoolLayerOptions {
  stride?: number;
  padding?: number;
}

/** A square window sliding over NCHW input; stride and padding are checked where the layer is built, not at its first forward. */
abstract class Pool2dBase extends Module {
  readonly stride: number;
  readonly padding: number;

  constructor(
    layer: string,
    readonly kernelSize: number,
    options: PoolLayerOptions,
    private readonly pool: (x: Tensor, opts: Pool2dOptions) => Tensor,
  ) {
    super();
    requirePositiveInt(layer, 'kernelSize', kernelSize);
    const opts = requireOptions(layer, 'opts', options);
    this.stride = optionalInt(layer, 'stride', opts.stride, kernelSize, 1);
    this.padding = optionalInt(layer, 'padding', opts.padding, 0, 0);
  }

  forward(x: Tensor): Tensor {
    return this.pool(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

export class MaxPool2d extends Pool2dBase {
  constructor(kernelSize: number, opts: PoolLayerOptions = {}) {
    super('MaxPool2d', kernelSize, opts, maxPool2d);
  }
}

export class AvgPool2d extends Pool2dBase {
  constructor(kernelSize: number, opts: PoolLayerOptions = {}) {
    super('AvgPool2d', kernelSize, opts, avgPool2d);
  }
}

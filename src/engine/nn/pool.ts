/** Pooling layers. */
import { optionalInt, requireOptions, requirePositiveInt } from '../args';
import { avgPool2d, maxPool2d } from '../functional/pool';
import type { Tensor } from '../tensor';
import { Module } from './module';

export interface PoolLayerOptions {
  stride?: number;
  padding?: number;
}

/** Stride and padding checked where the layer is built, not at its first forward. */
function windowOf(layer: string, kernelSize: number, options: PoolLayerOptions): { stride: number; padding: number } {
  requirePositiveInt(layer, 'kernelSize', kernelSize);
  const opts = requireOptions(layer, 'opts', options);
  return { stride: optionalInt(layer, 'stride', opts.stride, kernelSize, 1), padding: optionalInt(layer, 'padding', opts.padding, 0, 0) };
}

export class MaxPool2d extends Module {
  readonly stride: number;
  readonly padding: number;

  constructor(readonly kernelSize: number, opts: PoolLayerOptions = {}) {
    super();
    ({ stride: this.stride, padding: this.padding } = windowOf('MaxPool2d', kernelSize, opts));
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

export class AvgPool2d extends Module {
  readonly stride: number;
  readonly padding: number;

  constructor(readonly kernelSize: number, opts: PoolLayerOptions = {}) {
    super();
    ({ stride: this.stride, padding: this.padding } = windowOf('AvgPool2d', kernelSize, opts));
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

/** Pooling layers. */
import { avgPool2d, maxPool2d } from '../functional/pool';
import type { Tensor } from '../tensor';
import { Module } from './module';

export interface PoolLayerOptions {
  stride?: number;
  padding?: number;
}

export class MaxPool2d extends Module {
  readonly stride: number;
  readonly padding: number;

  constructor(readonly kernelSize: number, opts: PoolLayerOptions = {}) {
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
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
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

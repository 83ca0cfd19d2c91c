/** Conv2d over NCHW with weights [out, in, k, k], as torch.nn.Conv2d. */
import { zeros } from '../creation';
import { conv2d } from '../functional/conv';
import { requirePositiveInt } from '../args';
import type { FloatDType, Tensor } from '../tensor';
import { initWeights, type WeightInit } from './linear';
import { initRng, type InitOptions, layerOptions, Module, requireDtype } from './module';

export interface Conv2dLayerOptions extends InitOptions {
  stride?: number;
  padding?: number;
  bias?: boolean;
  init?: WeightInit;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly dtype: FloatDType;
  readonly stride: number;
  readonly padding: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    const { opts, dtype } = layerOptions('Conv2d', { inChannels, outChannels, kernelSize }, options);
    this.dtype = dtype;
    this.stride = requirePositiveInt('Conv2d', 'stride', opts.stride ?? 1);
    this.padding = requirePositiveInt('Conv2d', 'padding', opts.padding ?? 0, 0);
    const rng = initRng('Conv2d', opts);
    this.weight = this.registerParameter('weight', zeros([outChannels, inChannels, kernelSize, kernelSize], { dtype: this.dtype }));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', zeros([outChannels], { dtype: this.dtype }));
    initWeights(this.weight, this.bias, opts.init ?? 'default', rng, 'Conv2d');
  }

  forward(x: Tensor): Tensor {
    requireDtype('Conv2d', x, this.dtype);
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

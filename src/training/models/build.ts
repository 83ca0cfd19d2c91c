/**
 * Turn a layer list (the same one the summary reads) into engine modules. Convolution and
 * FC weights start by the rule given (the CNN uses Kaiming-normal); batch norm picks its
 * 1-D or 2-D form from the shape it meets.
 */
import type { Rng } from '../../engine/rng';
import type { Module } from '../../engine/nn/module';
import { Conv2d } from '../../engine/nn/conv';
import { Linear, type WeightInit } from '../../engine/nn/linear';
import { BatchNorm1d, BatchNorm2d } from '../../engine/nn/norm';
import { LeakyReLU, ReLU, Sigmoid, Tanh } from '../../engine/nn/activation';
import { MaxPool2d } from '../../engine/nn/pool';
import { Flatten, Sequential } from '../../engine/nn/container';
import { Dropout } from '../../engine/nn/dropout';
import type { LayerSpec } from '../summary';

export interface BuildOptions {
  rng: Rng;
  init?: WeightInit;
  /** Negative slope for 'leakyrelu' layers. */
  leakySlope?: number;
}

export function buildSequential(input: number[], layers: LayerSpec[], opts: BuildOptions): Sequential {
  const dtype = 'float32' as const;
  const init = opts.init ?? 'default';
  let shape = [...input];
  const modules: Module[] = layers.map((l) => {
    switch (l.kind) {
      case 'conv': {
        const m = new Conv2d(shape[0], l.out, l.kernel, { stride: l.stride ?? 1, padding: l.padding ?? 0, rng: opts.rng, dtype, init });
        const s = l.stride ?? 1,
          p = l.padding ?? 0;
        shape = [l.out, Math.floor((shape[1] - l.kernel + 2 * p) / s) + 1, Math.floor((shape[2] - l.kernel + 2 * p) / s) + 1];
        return m;
      }
      case 'batchnorm':
        return shape.length === 3 ? new BatchNorm2d(shape[0], { dtype }) : new BatchNorm1d(shape[0], { dtype });
      case 'relu':
        return new ReLU();
      case 'leakyrelu':
        return new LeakyReLU(opts.leakySlope ?? 0.2);
      case 'tanh':
        return new Tanh();
      case 'sigmoid':
        return new Sigmoid();
      case 'maxpool': {
        const s = l.stride ?? l.kernel;
        shape = [shape[0], Math.floor((shape[1] - l.kernel) / s) + 1, Math.floor((shape[2] - l.kernel) / s) + 1];
        return new MaxPool2d(l.kernel, { stride: s });
      }
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        return new Flatten();
      case 'linear': {
        const m = new Linear(shape[0], l.out, { rng: opts.rng, dtype, init });
        shape = [l.out];
        return m;
      }
      case 'dropout':
        return new Dropout(l.p);
      default:
        throw new Error(`layer kind '${l.kind}' is not built by buildSequential`);
    }
  });
  return new Sequential(...modules);
}

/** Linear: y = x Wᵀ + b with W [out, in], as torch.nn.Linear. */
import { linear } from '../functional/activations';
import { requireFloat } from '../args';
import { kaimingUniform_, uniform_, kaimingNormal_, xavierNormal_, xavierUniform_, zeros_ } from '../init';
import { Rng } from '../rng';
import { describe, EngineError, type FloatDType, type Tensor } from '../tensor';
import { zeros } from '../creation';
import { initRng, type InitOptions, layerOptions, Module, requireDtype } from './module';

/**
 * How weights start. 'default' is PyTorch's (Kaiming-uniform with a = √5, i.e.
 * U(±1/√fanIn), and the bias U(±1/√fanIn)); the others set the weight by that rule
 * (Kaiming for ReLU nets, fan-in) and the bias to zero.
 */
export type WeightInit = 'default' | 'kaimingNormal' | 'kaimingUniform' | 'xavierNormal' | 'xavierUniform';

export interface LinearOptions extends InitOptions {
  bias?: boolean;
  init?: WeightInit;
}

/** Initialise a weight [out, in, ...] and its bias by the chosen rule. */
export function initWeights(weight: Tensor, bias: Tensor | null, init: WeightInit, rng: Rng, layer = 'initWeights'): void {
  requireFloat('initWeights', 'weight', weight);
  if (bias !== null && bias !== undefined) requireFloat('initWeights', 'bias', bias);
  if (!(rng instanceof Rng)) throw new EngineError('initWeights', `rng must be an Rng, got ${describe(rng)}`);
  if (typeof layer !== 'string' || layer === '')
    throw new EngineError('initWeights', `layer must be the layer's name, got ${describe(layer)}`);
  const fanIn = weight.size / weight.shape[0];
  switch (init) {
    case 'default': {
      kaimingUniform_(weight, { rng, a: Math.sqrt(5) });
      const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      if (bias) uniform_(bias, { rng, low: -b, high: b });
      return;
    }
    case 'kaimingNormal':
      kaimingNormal_(weight, { rng, nonlinearity: 'relu' });
      break;
    case 'kaimingUniform':
      kaimingUniform_(weight, { rng, nonlinearity: 'relu' });
      break;
    case 'xavierNormal':
      xavierNormal_(weight, { rng });
      break;
    case 'xavierUniform':
      xavierUniform_(weight, { rng });
      break;
    default:
      throw new EngineError(
        layer,
        `unknown init '${String(init)}'; use 'default', 'kaimingNormal', 'kaimingUniform', 'xavierNormal' or 'xavierUniform'`,
      );
  }
  if (bias) zeros_(bias);
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly dtype: FloatDType;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const { opts, dtype } = layerOptions('Linear', { inFeatures, outFeatures }, options);
    this.dtype = dtype;
    const rng = initRng('Linear', opts);
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures], { dtype: this.dtype }));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', zeros([outFeatures], { dtype: this.dtype }));
    initWeights(this.weight, this.bias, opts.init ?? 'default', rng, 'Linear');
  }

  forward(x: Tensor): Tensor {
    requireDtype('Linear', x, this.dtype);
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

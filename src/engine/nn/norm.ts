/** BatchNorm1d / BatchNorm2d and LayerNorm, as their torch.nn namesakes. */
import { ones, zeros } from '../creation';
import { batchNorm, layerNorm } from '../functional/norm';
import { optionalNumber, requireOptions, requirePositiveInt } from '../args';
import { describe, EngineError, fmtShape, type FloatDType, type Tensor } from '../tensor';
import { dtypeOf, layerOptions, Module, type ModuleOptions, requireDtype } from './module';

export interface BatchNormLayerOptions extends ModuleOptions {
  eps?: number;
  momentum?: number;
  /** Learn γ and β (default true). */
  affine?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly dtype: FloatDType;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormLayerOptions,
    private readonly layer: string,
    private readonly ndims: number[],
    private readonly layout: string,
  ) {
    super();
    const { opts, dtype } = layerOptions(layer, { numFeatures }, options);
    this.dtype = dtype;
    this.eps = optionalNumber(layer, 'eps', opts.eps, 1e-5);
    this.momentum = optionalNumber(layer, 'momentum', opts.momentum, 0.1);
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures], { dtype: this.dtype })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures], { dtype: this.dtype })) : null;
    this.runningMean = this.registerBuffer('runningMean', zeros([numFeatures], { dtype: this.dtype }));
    this.runningVar = this.registerBuffer('runningVar', ones([numFeatures], { dtype: this.dtype }));
  }

  forward(x: Tensor): Tensor {
    requireDtype(this.layer, x, this.dtype);
    if (!this.ndims.includes(x.ndim)) throw new EngineError(this.layer, `expects ${this.layout}, got shape ${fmtShape(x.shape)}`);
    if (x.shape[1] !== this.numFeatures) {
      throw new EngineError(
        this.layer,
        `input shape ${fmtShape(x.shape)} has ${x.shape[1]} channels, the layer was built for ${this.numFeatures}`,
      );
    }
    return batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}`;
  }
}

/** Batch norm over [N, C] (or [N, C, L]) inputs. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts, 'BatchNorm1d', [2, 3], '[N, C] or [N, C, L]');
  }
}

/** Batch norm over [N, C, H, W] inputs, statistics per channel. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts, 'BatchNorm2d', [4], '[N, C, H, W]');
  }
}

export interface LayerNormLayerOptions extends ModuleOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly dtype: FloatDType;
  readonly eps: number;

  constructor(normalizedShape: number | number[], options: LayerNormLayerOptions = {}) {
    super();
    if (typeof normalizedShape !== 'number' && !(Array.isArray(normalizedShape) && normalizedShape.length > 0)) {
      throw new EngineError(
        'LayerNorm',
        `normalizedShape must be a positive integer or a non-empty array of them, got ${describe(normalizedShape)}`,
      );
    }
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    for (const d of this.normalizedShape) requirePositiveInt('LayerNorm', 'normalizedShape entry', d);
    const opts = requireOptions('LayerNorm', 'opts', options);
    this.dtype = dtypeOf('LayerNorm', opts);
    this.eps = optionalNumber('LayerNorm', 'eps', opts.eps, 1e-5);
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones(this.normalizedShape, { dtype: this.dtype })) : null;
    this.bias = affine ? this.registerParameter('bias', zeros(this.normalizedShape, { dtype: this.dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    requireDtype('LayerNorm', x, this.dtype);
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}`;
  }
}

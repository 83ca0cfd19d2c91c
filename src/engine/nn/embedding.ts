/** Embedding: a learned table of vectors looked up by integer id. */
import { zeros } from '../creation';
import { embedding } from '../functional/embedding';
import { normal_ } from '../init';
import type { FloatDType, NestedArray, Tensor } from '../tensor';
import { initRng, type InitOptions, layerOptions, Module } from './module';

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly dtype: FloatDType;

  /** Rows start as N(0, 1) samples, as in torch.nn.Embedding. */
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: InitOptions = {},
  ) {
    super();
    const { opts, dtype } = layerOptions('Embedding', { numEmbeddings, embeddingDim }, options);
    this.dtype = dtype;
    const rng = initRng('Embedding', opts);
    this.weight = this.registerParameter('weight', normal_(zeros([numEmbeddings, embeddingDim], { dtype: this.dtype }), { rng }));
  }

  forward(ids: Tensor | NestedArray): Tensor {
    return embedding(ids, this.weight);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}

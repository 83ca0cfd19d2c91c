/** Embedding: a learned table of vectors looked up by integer id. */
import { zeros } from '../creation';
import { embedding } from '../functional/embedding';
import { requirePositiveInt } from '../functional/checks';
import { normal_ } from '../init';
import type { FloatDType, NestedArray, Tensor } from '../tensor';
import { dtypeOf, initRng, type InitOptions, Module } from './module';

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly dtype: FloatDType;

  /** Rows start as N(0, 1) samples, as in torch.nn.Embedding. */
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: InitOptions = {}) {
    super();
    this.dtype = dtypeOf('Embedding', opts);
    requirePositiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    requirePositiveInt('Embedding', 'embeddingDim', embeddingDim);
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

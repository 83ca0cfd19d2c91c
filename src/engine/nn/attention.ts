/**
 * Multi-head attention (batch first): project queries, keys and values, split the
 * embedding into heads, run scaled dot-product attention in every head at once,
 * join the heads and project back. Keeps the last attention weights per head for
 * display.
 */
import { type AttentionOptions, scaledDotProductAttentionWithWeights } from '../functional/attention';
import { requireOptions } from '../args';
import { zeros_ } from '../init';
import { permute, reshape } from '../ops/shape';
import { describe, EngineError, fmtShape, type FloatDType, type NestedArray, type Tensor } from '../tensor';
import { Linear } from './linear';
import { initRng, type InitOptions, layerOptions, Module, requireDtype } from './module';

export interface MultiHeadAttentionOptions extends InitOptions {
  /** Mask the upper triangle: position i attends only to positions ≤ i. */
  causal?: boolean;
  /** Dropout probability on the attention weights in training (masks from setRng's rng, else the default generator). */
  dropout?: number;
  bias?: boolean;
}

export interface AttentionCallOptions {
  attnMask?: Tensor | NestedArray | null;
}

export class MultiHeadAttention extends Module {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;
  readonly headDim: number;
  readonly causal: boolean;
  readonly dropout: number;
  readonly dtype: FloatDType;
  /** The softmax weights of the last forward, [N, heads, L, S], detached (before dropout). */
  lastAttentionWeights: Tensor | null = null;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiHeadAttentionOptions = {},
  ) {
    super();
    const { opts, dtype } = layerOptions('MultiHeadAttention', { embedDim, numHeads }, options);
    this.dtype = dtype;
    if (embedDim % numHeads !== 0)
      throw new EngineError('MultiHeadAttention', `embedDim ${embedDim} is not divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.causal = opts.causal ?? false;
    this.dropout = opts.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1))
      throw new EngineError('MultiHeadAttention', `dropout must be in [0, 1], got ${describe(this.dropout)}`);
    const rng = initRng('MultiHeadAttention', opts);
    const layer = { dtype: this.dtype, rng, bias: opts.bias ?? true };
    // As torch.nn.MultiheadAttention: Xavier-uniform input projections, zero biases.
    this.qProj = this.registerModule('qProj', new Linear(embedDim, embedDim, { ...layer, init: 'xavierUniform' }));
    this.kProj = this.registerModule('kProj', new Linear(embedDim, embedDim, { ...layer, init: 'xavierUniform' }));
    this.vProj = this.registerModule('vProj', new Linear(embedDim, embedDim, { ...layer, init: 'xavierUniform' }));
    this.outProj = this.registerModule('outProj', new Linear(embedDim, embedDim, layer));
    if (this.outProj.bias) zeros_(this.outProj.bias);
  }

  /** [N, L, E] -> [N, heads, L, headDim] */
  private splitHeads(x: Tensor): Tensor {
    const [n, len] = x.shape;
    return permute(reshape(x, [n, len, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  /**
   * query [N, L, E]; key and value [N, S, E] (default: self-attention on query).
   * Unbatched [L, E] inputs are accepted and give [L, E].
   */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, opts: AttentionCallOptions = {}): Tensor {
    const name = 'MultiHeadAttention';
    for (const [label, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      requireDtype(name, t, this.dtype);
      if ((t.ndim !== 3 && t.ndim !== 2) || t.shape[t.ndim - 1] !== this.embedDim) {
        throw new EngineError(name, `${label} must be [N, L, ${this.embedDim}] (or [L, ${this.embedDim}]), got shape ${fmtShape(t.shape)}`);
      }
    }
    const unbatched = query.ndim === 2;
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new EngineError(
        name,
        `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must all be batched or all unbatched`,
      );
    }
    const batch = (t: Tensor) => (unbatched ? reshape(t, [1, ...t.shape]) : t);
    const q = batch(query),
      k = batch(key),
      v = batch(value);
    if (k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0] || k.shape[1] !== v.shape[1]) {
      throw new EngineError(
        name,
        `batch or sequence sizes disagree: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`,
      );
    }
    const [n, len] = q.shape;
    const attnOpts: AttentionOptions = {
      attnMask: requireOptions(name, 'opts', opts).attnMask ?? null,
      isCausal: this.causal,
      dropoutP: this.training ? this.dropout : 0,
      rng: this.rng,
    };
    const { output, weights } = scaledDotProductAttentionWithWeights(
      this.splitHeads(this.qProj.forward(q)),
      this.splitHeads(this.kProj.forward(k)),
      this.splitHeads(this.vProj.forward(v)),
      attnOpts,
    );
    this.lastAttentionWeights = weights.detach();
    const joined = reshape(permute(output, [0, 2, 1, 3]), [n, len, this.embedDim]); // [N, L, E]
    const out = this.outProj.forward(joined);
    return unbatched ? reshape(out, [len, this.embedDim]) : out;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, causal=${this.causal}`;
  }
}

/**
 * The attention models: pre-norm transformer blocks (LayerNorm, multi-head
 * scaled dot-product attention, residual; LayerNorm, MLP, residual) over
 * - token sequences (the reverse / sort / copy tasks), causal or not, predicting a token
 *   at every position; and
 * - image patches (a tiny ViT: patchify, linear patch embedding, positions, blocks, mean
 *   over patches, classifier).
 * Each block can keep its last attention weights [batch, heads, T, T] for display.
 */
// Tensor methods (x.add, x.reshape...) are attached by this module.
import { ConfigError } from '../errors';
import { pickPreset, presetTable } from './presets';
import '../../engine/methods';
import type { Rng } from '../../engine/rng';
import type { Tensor } from '../../engine/tensor';
import { zeros } from '../../engine/creation';
import { normal_ } from '../../engine/init';
import { Module } from '../../engine/nn/module';
import { Linear } from '../../engine/nn/linear';
import { LayerNorm } from '../../engine/nn/norm';
import { Embedding } from '../../engine/nn/embedding';
import { gelu } from '../../engine/functional/activations';
import { patchify } from '../../engine/functional/patchify';
import { scaledDotProductAttentionWithWeights } from '../../engine/functional/attention';
import { type LayerSpec, type ModelSummary, summarize } from '../summary';

export interface AttentionPreset {
  name: string;
  description: string;
  dim: number;
  heads: number;
  layers: number;
  mlp: number;
  lr: number;
  batchSize: number;
}

export const ATTENTION_PRESETS = presetTable<AttentionPreset>({
  tiny: { description: 'one block, width 32, 2 heads', dim: 32, heads: 2, layers: 1, mlp: 64, lr: 3e-3, batchSize: 32 },
  small: { description: 'two blocks, width 64, 4 heads (default)', dim: 64, heads: 4, layers: 2, mlp: 128, lr: 2e-3, batchSize: 32 },
  vit: {
    description: 'tiny ViT: 4x4 patches grid, two blocks, width 48, 4 heads',
    dim: 48,
    heads: 4,
    layers: 2,
    mlp: 96,
    lr: 2e-3,
    batchSize: 32,
  },
});

export function attentionPreset(name: string): AttentionPreset {
  return pickPreset('attention', ATTENTION_PRESETS, name);
}

const dtype = 'float32' as const;

/** Multi-head self-attention with separate Q, K, V and output projections. */
export class SelfAttention extends Module {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;
  /** Set to keep the next forward's weights in `lastWeights`. */
  keepWeights = false;
  lastWeights: Tensor | null = null;

  constructor(
    readonly dim: number,
    readonly heads: number,
    rng: Rng,
  ) {
    super();
    if (dim % heads) throw new Error(`SelfAttention: width ${dim} is not divisible by ${heads} heads`);
    this.qProj = this.registerModule('qProj', new Linear(dim, dim, { rng, dtype, init: 'xavierUniform' }));
    this.kProj = this.registerModule('kProj', new Linear(dim, dim, { rng, dtype, init: 'xavierUniform' }));
    this.vProj = this.registerModule('vProj', new Linear(dim, dim, { rng, dtype, init: 'xavierUniform' }));
    this.outProj = this.registerModule('outProj', new Linear(dim, dim, { rng, dtype, init: 'xavierUniform' }));
  }

  /** x [B, T, D] -> [B, T, D]. */
  forward(x: Tensor, causal?: unknown): Tensor {
    const [b, t, d] = x.shape;
    const h = this.heads,
      dh = d / h;
    // [B, T, D] -> [B, H, T, D/H]: each head attends in its own slice of the width.
    const split = (y: Tensor): Tensor => y.reshape([b, t, h, dh]).permute([0, 2, 1, 3]);
    const { output, weights } = scaledDotProductAttentionWithWeights(
      split(this.qProj.forward(x)),
      split(this.kProj.forward(x)),
      split(this.vProj.forward(x)),
      {
        isCausal: causal === true,
      },
    );
    if (this.keepWeights) this.lastWeights = weights.detach();
    return this.outProj.forward(output.permute([0, 2, 1, 3]).reshape([b, t, d]));
  }
}

export class TransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: SelfAttention;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(dim: number, heads: number, mlp: number, rng: Rng) {
    super();
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim, { dtype }));
    this.attn = this.registerModule('attn', new SelfAttention(dim, heads, rng));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim, { dtype }));
    this.fc1 = this.registerModule('fc1', new Linear(dim, mlp, { rng, dtype }));
    this.fc2 = this.registerModule('fc2', new Linear(mlp, dim, { rng, dtype }));
  }

  forward(x: Tensor, causal?: unknown): Tensor {
    const y = x.add(this.attn.forward(this.norm1.forward(x), causal));
    return y.add(this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(y)))));
  }
}

/** A learned [T, D] table added to every example. */
class Positions extends Module {
  readonly table: Tensor;
  constructor(length: number, dim: number, rng: Rng) {
    super();
    this.table = this.registerParameter('table', normal_(zeros([length, dim], { dtype }), { rng, std: 1 }));
  }
  forward(x: Tensor): Tensor {
    return x.add(this.table);
  }
}

/** Token ids [B, T] -> logits [B, T, vocab]. */
export class SequenceTransformer extends Module {
  readonly embed: Embedding;
  readonly positions: Positions;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(
    readonly vocab: number,
    readonly length: number,
    readonly preset: AttentionPreset,
    readonly causal: boolean,
    rng: Rng,
  ) {
    super();
    const { dim, heads, mlp, layers } = preset;
    this.embed = this.registerModule('embed', new Embedding(vocab, dim, { rng, dtype }));
    this.positions = this.registerModule('positions', new Positions(length, dim, rng));
    this.blocks = Array.from({ length: layers }, (_, i) => this.registerModule(`block${i}`, new TransformerBlock(dim, heads, mlp, rng)));
    this.norm = this.registerModule('norm', new LayerNorm(dim, { dtype }));
    this.head = this.registerModule('head', new Linear(dim, vocab, { rng, dtype }));
  }

  forward(ids: Tensor): Tensor {
    let x = this.positions.forward(this.embed.forward(ids));
    for (const b of this.blocks) x = b.forward(x, this.causal);
    return this.head.forward(this.norm.forward(x));
  }

  static layers(vocab: number, preset: AttentionPreset): LayerSpec[] {
    return [
      { kind: 'embedding', vocab, dim: preset.dim },
      { kind: 'position' },
      ...Array.from({ length: preset.layers }, (): LayerSpec => ({ kind: 'transformer', heads: preset.heads, mlp: preset.mlp })),
      { kind: 'layernorm' },
      { kind: 'linear', out: vocab },
    ];
  }
}

/** Images [B, C, H, W] -> class logits [B, classes], through a 4x4 grid of patches. */
export class TinyViT extends Module {
  readonly patchEmbed: Linear;
  readonly positions: Positions;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly head: Linear;
  readonly patch: number;

  constructor(
    readonly input: number[],
    readonly classes: number,
    readonly preset: AttentionPreset,
    rng: Rng,
  ) {
    super();
    const [c, h, w] = input;
    this.patch = vitPatchSize(input);
    const tokens = (h / this.patch) * (w / this.patch);
    const { dim, heads, mlp, layers } = preset;
    this.patchEmbed = this.registerModule('patchEmbed', new Linear(this.patch * this.patch * c, dim, { rng, dtype }));
    this.positions = this.registerModule('positions', new Positions(tokens, dim, rng));
    this.blocks = Array.from({ length: layers }, (_, i) => this.registerModule(`block${i}`, new TransformerBlock(dim, heads, mlp, rng)));
    this.norm = this.registerModule('norm', new LayerNorm(dim, { dtype }));
    this.head = this.registerModule('head', new Linear(dim, classes, { rng, dtype }));
  }

  forward(images: Tensor): Tensor {
    let x = this.positions.forward(this.patchEmbed.forward(patchify(images, this.patch)));
    for (const b of this.blocks) x = b.forward(x, false);
    return this.head.forward(this.norm.forward(x).mean(1));
  }

  static layers(input: number[], classes: number, preset: AttentionPreset): LayerSpec[] {
    return [
      { kind: 'patchify', patch: vitPatchSize(input) },
      { kind: 'linear', out: preset.dim },
      { kind: 'position' },
      ...Array.from({ length: preset.layers }, (): LayerSpec => ({ kind: 'transformer', heads: preset.heads, mlp: preset.mlp })),
      { kind: 'layernorm' },
      { kind: 'pool-tokens', how: 'mean' },
      { kind: 'linear', out: classes },
    ];
  }
}

/** Patches that cut the image into a 4x4 grid (8 for 32x32, 7 for 28x28). */
export function vitPatchSize(input: number[]): number {
  const [, h, w] = input;
  if (h !== w || h % 4) throw new ConfigError(`the tiny ViT needs a square image whose side divides by 4, got ${h}x${w}`);
  return h / 4;
}

export function sequenceSummary(vocab: number, length: number, preset: AttentionPreset, causal: boolean): ModelSummary {
  return summarize(
    `Transformer (${preset.name}${causal ? ', causal' : ''}) on sequences of ${length}`,
    [length],
    SequenceTransformer.layers(vocab, preset),
  );
}

export function vitSummary(input: number[], classes: number, preset: AttentionPreset): ModelSummary {
  return summarize(`Tiny ViT (${preset.name}) on ${input[1]}x${input[2]}x${input[0]}`, input, TinyViT.layers(input, classes, preset));
}

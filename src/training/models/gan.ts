/**
 * The GAN: a generator MLP from latent noise z to a sample (a 2-D point, or an image
 * with tanh output in [-1, 1]) and a discriminator MLP from a sample to one logit,
 * D(x) = sigmoid(logit). Objective L = mean[log D(x) + log(1 - D(G(z)))].
 */
import { pickPreset, presetTable } from './presets';
import type { Rng } from '../../engine/rng';
import type { Sequential } from '../../engine/nn/container';
import { type LayerSpec, type ModelSummary, summarize } from '../summary';
import { buildSequential } from './build';

export interface GanPreset {
  name: string;
  description: string;
  /** Hidden sizes for 2-D point data and for images. */
  points: { latent: number; hidden: number[] };
  images: { latent: number; hidden: number[] };
  lr: number;
  batchSize: number;
}

const MLP: Omit<GanPreset, 'name'> = {
  description: 'G and D with two hidden layers (128 units for points, 256-512 for images)',
  points: { latent: 8, hidden: [128, 128] },
  images: { latent: 64, hidden: [256, 512] },
  lr: 2e-3,
  batchSize: 128,
};

/** A preset at half the size in every respect: latent, hidden widths, learning rate and batch. */
function halved({ points, images, lr, batchSize }: Omit<GanPreset, 'name'>, description: string): Omit<GanPreset, 'name'> {
  const half = ({ latent, hidden }: GanPreset['points']) => ({ latent: latent / 2, hidden: hidden.map((h) => h / 2) });
  return { description, points: half(points), images: half(images), lr: lr / 2, batchSize: batchSize / 2 };
}

export const GAN_PRESETS = presetTable<GanPreset>({
  mlp: MLP,
  small: halved(MLP, 'G and D with two hidden layers (64 units for points, 128-256 for images)'),
});

export function ganPreset(name: string): GanPreset {
  return pickPreset('GAN', GAN_PRESETS, name);
}

export interface GanModel {
  generator: Sequential;
  discriminator: Sequential;
  latent: number;
  /** Flattened size of one sample (2 for points, C*H*W for images). */
  sampleSize: number;
  summary: ModelSummary;
}

export function ganLayers(preset: GanPreset, sampleSize: number, images: boolean): { latent: number; g: LayerSpec[]; d: LayerSpec[] } {
  const { latent, hidden } = images ? preset.images : preset.points;
  const g: LayerSpec[] = [];
  for (const h of hidden) g.push({ kind: 'linear', out: h }, { kind: 'relu' });
  g.push({ kind: 'linear', out: sampleSize });
  if (images) g.push({ kind: 'tanh' });
  const d: LayerSpec[] = [];
  for (const h of [...hidden].reverse()) d.push({ kind: 'linear', out: h }, { kind: 'leakyrelu' });
  d.push({ kind: 'linear', out: 1 });
  return { latent, g, d };
}

export function buildGan(preset: GanPreset, sampleSize: number, images: boolean, rng: Rng): GanModel {
  const { latent, g, d } = ganLayers(preset, sampleSize, images);
  const generator = buildSequential([latent], g, { rng });
  const discriminator = buildSequential([sampleSize], d, { rng, leakySlope: 0.2 });
  const summary = ganSummary(
    `GAN (${preset.name}): generator ${latent} -> ${sampleSize}, discriminator ${sampleSize} -> 1`,
    latent,
    sampleSize,
    g,
    d,
  );
  return { generator, discriminator, latent, sampleSize, summary };
}

/** One table for both players: the generator's rows (G:) then the discriminator's (D:). */
export function ganSummary(title: string, latent: number, sampleSize: number, g: LayerSpec[], d: LayerSpec[]): ModelSummary {
  const gs = summarize('', [latent], g),
    ds = summarize('', [sampleSize], d);
  return {
    title,
    input: [latent],
    rows: [...gs.rows.map((r) => ({ ...r, layer: `G: ${r.layer}` })), ...ds.rows.map((r) => ({ ...r, layer: `D: ${r.layer}` }))],
    totalParams: gs.totalParams + ds.totalParams,
  };
}

/**
 * CNN presets as layer lists. `seed` is the course's CIFAR-10 network (four 3x3 conv
 * blocks 64-128-256-512 with batch norm, ReLU and 2x2 max-pool, then FC 2048 -> 1024 ->
 * 512 -> 10 with dropout 0.5; 4,181,002 parameters); the others shrink its width and
 * depth so a CPU trains them in minutes. The same list builds the network and its summary.
 */
import { ConfigError } from '../errors';
import { pickPreset, presetTable } from './presets';
import type { LayerSpec } from '../summary';

export interface CnnPreset {
  name: string;
  description: string;
  /** Filters of each conv block (3x3 conv, batch norm, ReLU, 2x2 max-pool). */
  blocks: number[];
  /** Hidden FC sizes before the classifier. */
  hidden: number[];
  dropout: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
}

/** The course's optimiser settings for the full-width networks, and those of the narrow ones. */
const COURSE = { dropout: 0.5, lr: 1e-3, weightDecay: 1e-4, batchSize: 64 };
const NARROW = { dropout: 0.25, lr: 2e-3, weightDecay: 1e-4, batchSize: 64 };

export const CNN_PRESETS = presetTable<CnnPreset>({
  seed: {
    ...COURSE,
    description: "the course's CIFAR-10 CNN: conv 64-128-256-512, FC 1024-512, dropout 0.5",
    blocks: [64, 128, 256, 512],
    hidden: [1024, 512],
  },
  half: {
    ...COURSE,
    description: 'the seed CNN at half width: conv 32-64-128-256, FC 512-256',
    blocks: [32, 64, 128, 256],
    hidden: [512, 256],
  },
  small: {
    ...NARROW,
    description: 'three blocks at a quarter width: conv 16-32-64, FC 128 (CPU default for 32x32)',
    blocks: [16, 32, 64],
    hidden: [128],
  },
  grey28: {
    ...NARROW,
    description: 'for 28x28 grey images: conv 16-32, FC 128 (default for MNIST, Fashion-MNIST, digits)',
    blocks: [16, 32],
    hidden: [128],
  },
  tiny: {
    description: 'two narrow blocks: conv 8-16, FC 32 (seconds per epoch; tests)',
    blocks: [8, 16],
    hidden: [32],
    dropout: 0,
    lr: 3e-3,
    weightDecay: 0,
    batchSize: 32,
  },
});

/** The default preset for an input: grey28 for 28x28 single-channel images, small otherwise. */
export function defaultCnnPreset(input: number[]): string {
  return input[0] === 1 && input[1] <= 28 ? 'grey28' : 'small';
}

export function cnnPreset(name: string): CnnPreset {
  return pickPreset('CNN', CNN_PRESETS, name);
}

/** The layer list of a preset for input [C, H, W] and `classes` outputs. */
export function cnnLayers(preset: CnnPreset, input: number[], classes: number): LayerSpec[] {
  const layers: LayerSpec[] = [];
  let side = Math.min(input[1], input[2]);
  for (const filters of preset.blocks) {
    if (side < 2) throw new ConfigError(`preset '${preset.name}' has too many pooling blocks for a ${input[1]}x${input[2]} input`);
    layers.push(
      { kind: 'conv', kernel: 3, out: filters, padding: 1 },
      { kind: 'batchnorm' },
      { kind: 'relu' },
      { kind: 'maxpool', kernel: 2 },
    );
    side = Math.floor(side / 2);
  }
  layers.push({ kind: 'flatten' });
  for (const h of preset.hidden) {
    layers.push({ kind: 'linear', out: h }, { kind: 'relu' });
    if (preset.dropout > 0) layers.push({ kind: 'dropout', p: preset.dropout });
  }
  layers.push({ kind: 'linear', out: classes });
  return layers;
}

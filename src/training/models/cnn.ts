/**
 * The CNN: a preset's conv blocks and FC head (see cnnPresets.ts), adapted to the
 * dataset's image size and channel count, with Kaiming-normal weights as the course's
 * network uses.
 */
import type { Rng } from '../../engine/rng';
import type { Sequential } from '../../engine/nn/container';
import { Conv2d } from '../../engine/nn/conv';
import { type ModelSummary, summarize } from '../summary';
import { buildSequential } from './build';
import { cnnLayers, type CnnPreset } from './cnnPresets';

export interface CnnModel {
  net: Sequential;
  preset: CnnPreset;
  summary: ModelSummary;
  /** The first convolution, whose filters the panel shows. */
  firstConv: Conv2d;
}

export function buildCnn(preset: CnnPreset, input: number[], classes: number, rng: Rng): CnnModel {
  const layers = cnnLayers(preset, input, classes);
  const net = buildSequential(input, layers, { rng, init: 'kaimingNormal' });
  const firstConv = net.layers.find((m): m is Conv2d => m instanceof Conv2d);
  if (!firstConv) throw new Error(`preset '${preset.name}' has no convolution`);
  return { net, preset, summary: summarize(`CNN (${preset.name}) on ${input[1]}x${input[2]}x${input[0]}`, input, layers), firstConv };
}

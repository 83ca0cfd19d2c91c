/**
 * Summaries of the built-in models without loading any data: the input each dataset
 * gives (28x28x1 for MNIST-like sets, 32x32x3 for CIFAR-10 and synthetic, ...) is known
 * from its name.
 */
import { ConfigError } from '../errors';
import { checkDatasetForModel, DEFAULT_DATASET, type ModelKind } from '../datasets/catalog';
import { sequenceLength, SEQUENCE_TOKEN_NAMES } from '../datasets/sequences';
import { type ModelSummary, summarize } from '../summary';
import { ATTENTION_PRESETS, attentionPreset, sequenceSummary, vitSummary } from './attention';
import { CNN_PRESETS, cnnLayers, cnnPreset, defaultCnnPreset } from './cnnPresets';
import { GAN_PRESETS, ganLayers, ganPreset, ganSummary } from './gan';

/** Per-example input shape and class count of a dataset, by name. */
export function datasetShape(name: string, causal?: boolean): { input: number[]; classes: number } {
  switch (name) {
    case 'synthetic':
    case 'cifar10':
      return { input: [3, 32, 32], classes: 10 };
    case 'digits':
    case 'mnist':
    case 'fashion-mnist':
      return { input: [1, 28, 28], classes: 10 };
    case 'ring':
      return { input: [2], classes: 0 };
    case 'reverse':
    case 'sort':
    case 'copy':
      return { input: [sequenceLength(name, 8, 3, causal ?? name === 'copy')], classes: SEQUENCE_TOKEN_NAMES.length };
    default:
      throw new ConfigError(`unknown dataset '${name}'`);
  }
}

export interface SummaryRequest {
  model: ModelKind;
  preset?: string;
  dataset?: string;
  causal?: boolean;
}

export function modelSummary(req: SummaryRequest): ModelSummary {
  const dataset = req.dataset ?? DEFAULT_DATASET[req.model];
  checkDatasetForModel(dataset, req.model);
  const { input, classes } = datasetShape(dataset, req.causal);
  switch (req.model) {
    case 'cnn': {
      const preset = cnnPreset(req.preset ?? defaultCnnPreset(input));
      return summarize(
        `CNN (${preset.name}) on ${dataset}, input ${input[1]}x${input[2]}x${input[0]}`,
        input,
        cnnLayers(preset, input, classes),
      );
    }
    case 'gan': {
      const preset = ganPreset(req.preset ?? 'mlp');
      const images = input.length === 3;
      const sampleSize = input.reduce((a, b) => a * b, 1);
      const { latent, g, d } = ganLayers(preset, sampleSize, images);
      return ganSummary(
        `GAN (${preset.name}) on ${dataset}: generator ${latent} -> ${sampleSize}, discriminator ${sampleSize} -> 1`,
        latent,
        sampleSize,
        g,
        d,
      );
    }
    case 'attention': {
      if (input.length === 3) return vitSummary(input, classes, attentionPreset(req.preset ?? 'vit'));
      const causal = req.causal ?? dataset === 'copy';
      return sequenceSummary(classes, input[0], attentionPreset(req.preset ?? 'small'), causal);
    }
  }
}

/** Presets per model, for pickers: name and one line about it. */
export const PRESETS: Record<ModelKind, { name: string; description: string }[]> = {
  cnn: Object.values(CNN_PRESETS).map(({ name, description }) => ({ name, description })),
  gan: Object.values(GAN_PRESETS).map(({ name, description }) => ({ name, description })),
  attention: Object.values(ATTENTION_PRESETS).map(({ name, description }) => ({ name, description })),
};

/**
 * The run form's values as a TrainConfig. Blank fields mean "the preset's default" and are
 * left out; anything typed must make sense, and the message says which field is wrong.
 * Pure: tested in Node.
 */
import type { ModelKind, TrainConfig } from '../../src/training/events';
import type { DatasetOption, PanelChoices } from '../../src/protocol';

export interface FormValues {
  model: string;
  preset: string;
  dataset: string;
  dataDir: string;
  length: string;
  lengthUnit: string;
  batchSize: string;
  lr: string;
  seed: string;
  trainLimit: string;
  ganLoss: string;
  causal: boolean;
  backendChoice: string;
}

export class FormError extends Error {
  constructor(readonly field: keyof FormValues, message: string) {
    super(message);
    this.name = 'FormError';
  }
}

function wholeNumber(values: FormValues, key: keyof FormValues, label: string, min: number): number | undefined {
  const text = String(values[key]).trim();
  if (text === '') return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new FormError(key, `${label} must be a whole number of at least ${min}, not '${text}'`);
  return v;
}

export function datasetsFor(choices: PanelChoices, model: string): DatasetOption[] {
  return choices.datasets.filter((d) => d.models.includes(model as ModelKind));
}

export function formToConfig(values: FormValues, choices: PanelChoices): TrainConfig {
  const model = choices.models.find((m) => m.kind === values.model);
  if (!model) throw new FormError('model', `choose a model (${choices.models.map((m) => m.label).join(', ')})`);
  const config: TrainConfig = { model: model.kind };
  if (values.preset) {
    if (!model.presets.some((p) => p.name === values.preset)) throw new FormError('preset', `the ${model.label} has no preset '${values.preset}'`);
    config.preset = values.preset;
  }
  const dataset = datasetsFor(choices, model.kind).find((d) => d.name === values.dataset);
  if (!dataset) throw new FormError('dataset', `'${values.dataset}' is not a dataset the ${model.label} trains on`);
  config.dataset = dataset.name;
  if (dataset.needsDataDir) {
    const dir = values.dataDir.trim();
    if (dir) config.dataDir = dir;
  }
  const length = wholeNumber(values, 'length', 'Run length', 1);
  if (length !== undefined) {
    if (values.lengthUnit === 'epochs') config.epochs = length;
    else config.steps = length;
  }
  const batch = wholeNumber(values, 'batchSize', 'Batch size', 1);
  if (batch !== undefined) config.batchSize = batch;
  const lrText = values.lr.trim();
  if (lrText) {
    const lr = Number(lrText);
    if (!(lr > 0 && lr < 10)) throw new FormError('lr', `Learning rate must be a number above 0 and below 10, not '${lrText}'`);
    config.lr = lr;
  }
  const seed = wholeNumber(values, 'seed', 'Seed', 0);
  if (seed !== undefined) config.seed = seed;
  const limit = wholeNumber(values, 'trainLimit', 'Training examples', 1);
  if (limit !== undefined) config.trainLimit = limit;
  if (model.kind === 'gan' && (values.ganLoss === 'minimax' || values.ganLoss === 'non-saturating')) config.ganLoss = values.ganLoss;
  if (model.kind === 'attention' && ['reverse', 'sort', 'copy'].includes(dataset.name)) config.causal = values.causal;
  if (values.backendChoice === 'fast' || values.backendChoice === 'reference') config.backend = values.backendChoice;
  return config;
}

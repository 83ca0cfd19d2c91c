/**
 * The run form's values as a TrainConfig. Blank fields mean "the preset's default" and are
 * left out; anything typed must make sense, and the message says which field is wrong.
 * Numbers are held to the trainer's own limits (SETTINGS, the one schema of a config).
 * Pure: tested in Node.
 */
import { type GanLoss, type ModelKind, SETTINGS, type TrainConfig } from '../../src/training/events';
import { type Schema, SchemaError } from '../../src/training/schema';
import type { DatasetOption, PanelChoices } from '../../src/trainingPanelProtocol';

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
  constructor(
    readonly field: keyof FormValues,
    message: string,
  ) {
    super(message);
    this.name = 'FormError';
  }
}

/** The number typed in `key`, held to its setting's limits; blank: left to the preset. */
function typedNumber(values: FormValues, key: keyof FormValues, label: string, setting: Schema<number>): number | undefined {
  const text = String(values[key]).trim();
  if (text === '') return undefined;
  try {
    return setting.parse(Number(text), label);
  } catch (err) {
    if (err instanceof SchemaError) throw new FormError(key, `${label} must be ${setting.expected}, not '${text}'`);
    throw err;
  }
}

export function datasetsFor(choices: PanelChoices, model: string): DatasetOption[] {
  return choices.datasets.filter((d) => d.models.includes(model as ModelKind));
}

export function formToConfig(values: FormValues, choices: PanelChoices): TrainConfig {
  const model = choices.models.find((m) => m.kind === values.model);
  if (!model) throw new FormError('model', `choose a model (${choices.models.map((m) => m.label).join(', ')})`);
  const config: TrainConfig = { model: model.kind };
  if (values.preset) {
    if (!model.presets.some((p) => p.name === values.preset))
      throw new FormError('preset', `the ${model.label} has no preset '${values.preset}'`);
    config.preset = values.preset;
  }
  const dataset = datasetsFor(choices, model.kind).find((d) => d.name === values.dataset);
  if (!dataset) throw new FormError('dataset', `'${values.dataset}' is not a dataset the ${model.label} trains on`);
  config.dataset = dataset.name;
  if (dataset.needsDataDir) {
    const dir = values.dataDir.trim();
    if (dir) config.dataDir = dir;
  }
  const inEpochs = values.lengthUnit === 'epochs';
  const length = typedNumber(values, 'length', 'Run length', inEpochs ? SETTINGS.epochs : SETTINGS.steps);
  if (length !== undefined) {
    if (inEpochs) config.epochs = length;
    else config.steps = length;
  }
  const batch = typedNumber(values, 'batchSize', 'Batch size', SETTINGS.batchSize);
  if (batch !== undefined) config.batchSize = batch;
  const lr = typedNumber(values, 'lr', 'Learning rate', SETTINGS.lr);
  if (lr !== undefined) config.lr = lr;
  const seed = typedNumber(values, 'seed', 'Seed', SETTINGS.seed);
  if (seed !== undefined) config.seed = seed;
  const limit = typedNumber(values, 'trainLimit', 'Training examples', SETTINGS.trainLimit);
  if (limit !== undefined) config.trainLimit = limit;
  if (model.kind === 'gan' && (SETTINGS.ganLoss.values as readonly string[]).includes(values.ganLoss))
    config.ganLoss = values.ganLoss as GanLoss;
  if (model.kind === 'attention' && ['reverse', 'sort', 'copy'].includes(dataset.name)) config.causal = values.causal;
  if (values.backendChoice === 'fast' || values.backendChoice === 'reference') config.backend = values.backendChoice;
  return config;
}

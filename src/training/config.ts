/**
 * What a run is asked to do (TrainConfig) and what it settled on (ResolvedConfig),
 * written once as schemas: the types, the loop's config check, the panel's message
 * check and the run form's field checks all come from SETTINGS below.
 *
 * Where the old checks disagreed, the limit kept is the one the code relies on:
 * - steps: whole, from 0. `--steps 0` evaluates the untrained model (the CLI, README
 *   and the exported train.py offer it); the panel used to refuse it.
 * - seed: whole, 0 to 2^32 - 1. The engine's Rng keeps a seed's low 32 bits, so any
 *   seed outside that range would silently repeat one inside it.
 * - batchSize, lr, weightDecay: what the trainer and the engine's Adam need (a positive
 *   batch, lr > 0, weight decay >= 0). The panel's extra caps (batch <= 4096, lr < 10,
 *   weight decay < 1) were nothing the trainer relies on: the sampler clamps a batch to
 *   the training set, and a learning rate too large ends in the loop's "training
 *   diverged" error, which says to lower it.
 * - names (preset, dataset, data folder): non-empty, at most 4096 characters. An empty
 *   name is not "unset" (that is a missing field) and would only fail later, less clearly.
 */
import { ConfigError } from './errors';
import { allOptional, boolean, type Infer, nullable, number, object, oneOf, SchemaError, text, whole } from './schema';

export const ModelKindSchema = oneOf(['cnn', 'gan', 'attention']);
export type ModelKind = Infer<typeof ModelKindSchema>;
export const MODEL_KINDS: readonly ModelKind[] = ModelKindSchema.values;

/** minimax: G descends mean log(1 - D(G(z))); non-saturating: G ascends mean log D(G(z)). */
export const GanLossSchema = oneOf(['minimax', 'non-saturating']);
export type GanLoss = Infer<typeof GanLossSchema>;

/** Which float32 kernels to train on: the fast CPU backend when available, or the reference loops. */
export const BackendChoiceSchema = oneOf(['auto', 'fast', 'reference']);
export type BackendChoice = Infer<typeof BackendChoiceSchema>;

const name = text({ max: 4096 });

/** Every setting but the model, with its limits. */
export const SETTINGS = {
  /** cnn: seed | half | small | tiny | grey28; gan: mlp | wide; attention: tiny | small | vit. */
  preset: name,
  /** See datasets/registry.ts: synthetic, digits, ring, reverse, sort, copy, mnist, fashion-mnist, cifar10. */
  dataset: name,
  /** Folder with the files of mnist / fashion-mnist / cifar10. */
  dataDir: name,
  /** Run length: whole passes over the training set, or optimisation steps (steps wins; 0 only evaluates). */
  epochs: whole(1),
  steps: whole(0),
  batchSize: whole(1),
  lr: number({ above: 0 }),
  weightDecay: number({ atLeast: 0 }),
  seed: whole(0, 0xffffffff),
  /** Use only the first N training / test examples (quick runs on big datasets). */
  trainLimit: whole(1),
  testLimit: whole(1),
  /** GAN generator objective (default minimax). */
  ganLoss: GanLossSchema,
  /** Attention on sequences: causal mask (default: false for reverse/sort, true for copy). */
  causal: boolean(),
  backend: BackendChoiceSchema,
  /** Least time between two step events, in ms (default 100; 0 reports every step). */
  eventIntervalMs: number({ atLeast: 0 }),
  /** Least time between two samples / attention events, in ms (default 1000). */
  sampleIntervalMs: number({ atLeast: 0 }),
};

/** What a run is asked to do. Unset fields take the model's and preset's defaults. */
export const TrainConfigSchema = object({ model: ModelKindSchema, ...allOptional(SETTINGS) }, { unknown: 'a training setting' });
export type TrainConfig = Infer<typeof TrainConfigSchema>;

/** The config with every default filled in, as the run actually uses it (null: none). */
export const ResolvedConfigSchema = object({
  ...SETTINGS,
  model: ModelKindSchema,
  dataDir: nullable(SETTINGS.dataDir),
  // steps 0 resolves to 0 epochs.
  epochs: whole(0),
  trainLimit: nullable(SETTINGS.trainLimit),
  testLimit: nullable(SETTINGS.testLimit),
});
export type ResolvedConfig = Infer<typeof ResolvedConfigSchema>;

/** The config as TrainConfig, or a ConfigError naming the field and what it must be. */
export function validateConfig(raw: unknown, where = 'config'): TrainConfig {
  try {
    return TrainConfigSchema.parse(raw, where);
  } catch (err) {
    if (err instanceof SchemaError) throw new ConfigError(err.message);
    throw err;
  }
}

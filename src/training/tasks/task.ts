/**
 * What the one training loop needs from a model: a step on the next batch, an
 * evaluation, and things to show. Each model (CNN, GAN, attention) extends it; this base
 * settles, the same way for all of them, the hyperparameters (the config's where given,
 * else the preset's) and the order the training set is walked in.
 */
import type { Rng } from '../../engine/rng';
import type { AttentionEvent, DatasetDescription, SamplesPayload, TrainConfig } from '../events';
import type { WeightEntry } from '../runStore';
import type { ModelSummary } from '../summary';
import type { Module } from '../../engine/nn/module';

export interface StepResult {
  loss: number;
  /** Running values shown with each step (accuracy, dReal...). */
  metrics: Record<string, number>;
}

/** A preset's training defaults (only the CNN's presets carry a weight decay; the others train without). */
export interface PresetDefaults {
  name: string;
  lr: number;
  batchSize: number;
  weightDecay?: number;
}

export abstract class TrainTask {
  abstract readonly summary: ModelSummary;
  abstract readonly dataset: DatasetDescription;
  /** The preset actually used, and the hyperparameters it settled on. */
  readonly preset: string;
  readonly lr: number;
  readonly batchSize: number;
  readonly weightDecay: number;
  /** Training examples consumed by one step. */
  readonly examplesPerStep: number;
  readonly stepsPerEpoch: number;
  protected readonly sampler: EpochSampler;

  /**
   * Batches come from the first `trainCount` examples, shuffled by a generator forked
   * from `rng` here: a subclass forks what it needs before (its initial weights) or after
   * this, in the order that makes a seed give the same run as before.
   */
  protected constructor(config: TrainConfig, preset: PresetDefaults, trainCount: number, rng: Rng) {
    this.preset = preset.name;
    this.lr = config.lr ?? preset.lr;
    this.batchSize = config.batchSize ?? preset.batchSize;
    this.weightDecay = config.weightDecay ?? preset.weightDecay ?? 0;
    this.sampler = new EpochSampler(trainCount, this.batchSize, rng.fork());
    this.stepsPerEpoch = this.sampler.stepsPerEpoch;
    this.examplesPerStep = Math.min(this.batchSize, trainCount);
  }

  /** One optimisation step on the next batch (reshuffling at each epoch's start). */
  abstract step(): StepResult;
  /** Validation figures at an epoch's end (valLoss, valAccuracy...). */
  abstract evaluate(): Record<string, number>;
  /** Figures for the end of the run (CNN: testAccuracy over the test set). */
  abstract finalMetrics(): Record<string, number>;
  abstract samples(): SamplesPayload | null;
  abstract attention(step: number): AttentionEvent | null;
  /** The modules whose parameters are saved with the run. */
  abstract modules(): Record<string, Module>;
}

/** Every parameter and buffer of the named modules, as float32 entries for the run store. */
export function weightEntries(modules: Record<string, Module>): WeightEntry[] {
  const out: WeightEntry[] = [];
  for (const [prefix, m] of Object.entries(modules)) {
    for (const [name, t] of Object.entries(m.stateDict()))
      out.push({ name: `${prefix}.${name}`, shape: [...t.shape], data: t.data as ArrayLike<number> });
  }
  return out;
}

/** Shuffled order over an epoch, drawn batch by batch; a new permutation each pass. */
export class EpochSampler {
  private order: Int32Array;
  private at = 0;
  readonly stepsPerEpoch: number;

  constructor(
    private readonly count: number,
    private readonly batch: number,
    private readonly rng: { permutation(n: number): Int32Array },
  ) {
    this.stepsPerEpoch = Math.max(1, Math.floor(count / batch));
    this.order = rng.permutation(count);
  }

  /** The next batch of indices; the tail shorter than a batch is left out of each epoch. */
  next(): Int32Array {
    const size = Math.min(this.batch, this.count);
    if (this.at + size > this.count) {
      this.order = this.rng.permutation(this.count);
      this.at = 0;
    }
    const out = this.order.subarray(this.at, this.at + size);
    this.at += size;
    return out;
  }
}

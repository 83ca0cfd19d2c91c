/**
 * What the one training loop needs from a model: a step on the next batch, an
 * evaluation, and things to show. Each model (CNN, GAN, attention) implements it.
 */
import type { AttentionEvent, DatasetDescription, SamplesPayload } from '../events';
import type { WeightEntry } from '../runStore';
import type { ModelSummary } from '../summary';
import type { Module } from '../../engine/nn/module';

export interface StepResult {
  loss: number;
  /** Running values shown with each step (accuracy, dReal...). */
  metrics: Record<string, number>;
}

export interface TrainTask {
  readonly summary: ModelSummary;
  readonly dataset: DatasetDescription;
  /** The preset actually used, and the hyperparameters it settled on. */
  readonly preset: string;
  readonly lr: number;
  readonly batchSize: number;
  readonly weightDecay: number;
  /** Training examples consumed by one step. */
  readonly examplesPerStep: number;
  readonly stepsPerEpoch: number;
  /** One optimisation step on the next batch (reshuffling at each epoch's start). */
  step(): StepResult;
  /** Validation figures at an epoch's end (valLoss, valAccuracy...). */
  evaluate(): Record<string, number>;
  /** Figures for the end of the run (CNN: testAccuracy over the test set). */
  finalMetrics(): Record<string, number>;
  samples(): SamplesPayload | null;
  attention(step: number): AttentionEvent | null;
  /** The modules whose parameters are saved with the run. */
  modules(): Record<string, Module>;
}

/** Every parameter and buffer of the named modules, as float32 entries for the run store. */
export function weightEntries(modules: Record<string, Module>): WeightEntry[] {
  const out: WeightEntry[] = [];
  for (const [prefix, m] of Object.entries(modules)) {
    for (const [name, t] of Object.entries(m.stateDict())) out.push({ name: `${prefix}.${name}`, shape: [...t.shape], data: t.data as ArrayLike<number> });
  }
  return out;
}

/** Shuffled order over an epoch, drawn batch by batch; a new permutation each pass. */
export class EpochSampler {
  private order: Int32Array;
  private at = 0;
  readonly stepsPerEpoch: number;

  constructor(private readonly count: number, private readonly batch: number, private readonly rng: { permutation(n: number): Int32Array }) {
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

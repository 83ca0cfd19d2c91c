/** Training-step throughput of the bench CNNs on each of our float32 backends. */
import { type Backend, setBackend } from '../src/engine';
import { cnnTrainer, type CnnSpec } from './models';
import { timeRuns } from './stats';

export interface TrainRow {
  model: string;
  backend: string;
  batch: number;
  stepMs: number;
  imagesPerSec: number;
  steps: number;
}

export interface TrainPlan {
  spec: CnnSpec;
  batch: number;
  warmup: number;
  runs: number;
  /** Cap on the timed runs' total, in ms. */
  maxMs: number;
}

export function benchTraining(label: string, backend: Backend, plan: TrainPlan): TrainRow {
  const previous = setBackend(backend);
  try {
    const trainer = cnnTrainer(plan.spec, plan.batch);
    const t = timeRuns(
      () => {
        const loss = trainer.step();
        if (!Number.isFinite(loss)) throw new Error(`${plan.spec.name} on ${label}: loss became ${loss}`);
      },
      { warmup: plan.warmup, runs: plan.runs, maxMs: plan.maxMs },
    );
    return {
      model: plan.spec.name,
      backend: label,
      batch: plan.batch,
      stepMs: t.medianMs,
      imagesPerSec: (plan.batch * 1000) / t.medianMs,
      steps: t.runsMs.length,
    };
  } finally {
    setBackend(previous);
  }
}

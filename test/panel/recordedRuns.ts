/**
 * Short real training runs, recorded as the events the panel receives, for page tests
 * that replay them without a VS Code. Seeded and small: a few seconds for all three.
 */
import type { TrainConfig, TrainEvent } from '../../src/training/events';
import { makeShapesDataset } from '../../src/training/datasets/shapes';
import { Trainer } from '../../src/training/trainer';

export const RECORDED_CONFIGS: Record<'gan' | 'cnn' | 'attention', TrainConfig> = {
  gan: {
    model: 'gan',
    dataset: 'ring',
    preset: 'small',
    steps: 80,
    batchSize: 32,
    eventIntervalMs: 0,
    sampleIntervalMs: 200,
    seed: 1,
    backend: 'reference',
  },
  cnn: {
    model: 'cnn',
    dataset: 'synthetic',
    preset: 'tiny',
    steps: 16,
    batchSize: 16,
    eventIntervalMs: 0,
    sampleIntervalMs: 200,
    seed: 1,
    backend: 'reference',
  },
  attention: {
    model: 'attention',
    dataset: 'reverse',
    preset: 'tiny',
    steps: 30,
    eventIntervalMs: 0,
    sampleIntervalMs: 200,
    seed: 1,
    backend: 'reference',
  },
};

/**
 * Every event of a run. The CNN trains on a small synthetic set (128 images, two epochs
 * of 8 steps) so that generating and validating it takes a moment, not seconds.
 */
export async function recordRun(config: TrainConfig): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  const dataset = config.model === 'cnn' ? makeShapesDataset({ seed: 1, trainCount: 128, testCount: 32 }) : undefined;
  await new Trainer(config, { dataset, onEvent: (e) => events.push(e) }).run();
  return events;
}

/**
 * Real data: the 28x28 grey CNN preset on a Fashion-MNIST subset, read from Debian's
 * dataset-fashion-mnist package. Skipped (with the reason) only where that folder is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Trainer } from '../../src/training/trainer';
import type { StartedEvent, TrainEvent } from '../../src/training/events';
import { requireOrSkip } from '../helpers/requireOrSkip';

const DIR = '/usr/share/datasets/fashion-mnist';
const present = existsSync(DIR);
// Chance is 10%; one pass over 3,000 images reaches about 76% here.
const REQUIRED_ACCURACY = 0.7;

test(`Fashion-MNIST: grey28 preset, 3,000 training images, one epoch: test accuracy above ${REQUIRED_ACCURACY * 100}%`, {
  skip: requireOrSkip(`Fashion-MNIST at ${DIR}`, present, "install Debian's dataset-fashion-mnist"),
}, async () => {
  const events: TrainEvent[] = [];
  const trainer = new Trainer(
    { model: 'cnn', dataset: 'fashion-mnist', dataDir: DIR, trainLimit: 3000, testLimit: 1000, epochs: 1, seed: 0, sampleIntervalMs: 1e9 },
    { onEvent: (e) => events.push(e) },
  );
  const done = await trainer.run();
  const started = events[0] as StartedEvent;
  assert.equal(started.config.preset, 'grey28', 'the 28x28 preset is chosen for Fashion-MNIST');
  assert.deepEqual(started.dataset.inputShape, [1, 28, 28]);
  assert.equal(started.dataset.classNames?.[9], 'Ankle boot');
  assert.ok(done.metrics.testAccuracy > REQUIRED_ACCURACY, `test accuracy ${done.metrics.testAccuracy}`);
});

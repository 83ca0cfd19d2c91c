/**
 * The one training loop: each model learns on its synthetic set within a small seeded
 * budget; runs are reproducible; pause, resume and stop work; events are throttled;
 * a run store receives config, metrics and weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Trainer } from '../../src/training/trainer';
import type { DoneEvent, EpochEvent, StepEvent, TrainConfig, TrainEvent } from '../../src/training/events';
import { RunStore } from '../../src/training/runStore';
import { makeShapesDataset } from '../../src/training/datasets/shapes';

async function train(
  config: TrainConfig,
  extra: { store?: RunStore; dataset?: ReturnType<typeof makeShapesDataset> } = {},
): Promise<{ events: TrainEvent[]; done: DoneEvent }> {
  const events: TrainEvent[] = [];
  const trainer = new Trainer({ eventIntervalMs: 0, sampleIntervalMs: 1e9, ...config }, { onEvent: (e) => events.push(e), ...extra });
  const done = await trainer.run();
  return { events, done };
}

const steps = (events: TrainEvent[]): StepEvent[] => events.filter((e): e is StepEvent => e.type === 'step');
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

// Smaller than the default split sizes, to keep the tests quick.
const shapes = makeShapesDataset({ seed: 1, trainCount: 2400, testCount: 400 });

test('the CNN learns the synthetic shapes: loss falls, test accuracy far above chance (10%)', async () => {
  const { events, done } = await train({ model: 'cnn', preset: 'tiny', dataset: 'synthetic', epochs: 2, seed: 1 }, { dataset: shapes });
  const losses = steps(events).map((e) => e.loss);
  assert.equal(losses.length, 150);
  assert.ok(
    mean(losses.slice(-20)) < 0.6 * mean(losses.slice(0, 20)),
    `loss should fall: first ${mean(losses.slice(0, 20))}, last ${mean(losses.slice(-20))}`,
  );
  assert.ok(done.metrics.testAccuracy > 0.5, `test accuracy ${done.metrics.testAccuracy}`);
  const epochs = events.filter((e): e is EpochEvent => e.type === 'epoch');
  assert.equal(epochs.length, 2);
  assert.ok('valAccuracy' in epochs[1].metrics && 'trainLoss' in epochs[1].metrics);
  const started = events[0];
  assert.equal(started.type, 'started');
  if (started.type === 'started') {
    assert.ok(started.backend.name.length > 0);
    assert.equal(started.summary.totalParams, 34570);
  }
});

test('the GAN learns the ring: generated points cover most of the 8 modes', async () => {
  const { events, done } = await train({ model: 'gan', dataset: 'ring', steps: 1200, seed: 3 });
  assert.equal(done.reason, 'completed');
  assert.ok(done.metrics.modesCovered >= 6, `modes covered ${done.metrics.modesCovered}`);
  assert.ok(done.metrics.quality > 0.3, `share of points near a mode ${done.metrics.quality}`);
  const first = steps(events)[0];
  assert.ok(first.metrics.dReal > 0 && first.metrics.dReal < 1 && 'dFake' in first.metrics && 'lossG' in first.metrics);
  // The objective reported is L = mean[log D(x) + log(1 - D(G(z)))], the negative of D's loss.
  assert.ok(Math.abs(first.metrics.objective + first.loss) < 1e-6);
});

test('the GAN reports samples and a decision map for the ring', async () => {
  const events: TrainEvent[] = [];
  await new Trainer({ model: 'gan', steps: 5, seed: 0, sampleIntervalMs: 0 }, { onEvent: (e) => events.push(e) }).run();
  const s = events.find((e) => e.type === 'samples');
  assert.ok(s && s.type === 'samples' && s.samples.kind === 'gan');
  if (s?.type === 'samples' && s.samples.kind === 'gan') {
    const map = s.samples.decisionMap!;
    assert.equal(map.values.length, map.size * map.size);
    assert.ok(map.values.every((v) => v > 0 && v < 1));
    assert.equal(s.samples.fake!.length, s.samples.real!.length);
  }
});

test('the attention model learns to reverse sequences and exposes per-head weights', async () => {
  const events: TrainEvent[] = [];
  const trainer = new Trainer(
    { model: 'attention', dataset: 'reverse', preset: 'tiny', steps: 250, seed: 2, eventIntervalMs: 0, sampleIntervalMs: 0 },
    { onEvent: (e) => events.push(e) },
  );
  const done = await trainer.run();
  assert.ok(done.metrics.testAccuracy > 0.9, `token accuracy ${done.metrics.testAccuracy} (chance is 10%)`);
  const losses = steps(events).map((e) => e.loss);
  assert.ok(mean(losses.slice(-10)) < 0.3 * mean(losses.slice(0, 10)));
  const att = events.filter((e) => e.type === 'attention').pop();
  assert.ok(att && att.type === 'attention');
  if (att?.type === 'attention') {
    assert.equal(att.layers.length, 1);
    assert.equal(att.layers[0].heads.length, 2);
    const head = att.layers[0].heads[0];
    assert.equal(head.length, att.tokens.length);
    for (const row of head) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'each query row of the weights sums to 1');
  }
});

test('a causal transformer on copy-with-delay never attends to later positions', async () => {
  const events: TrainEvent[] = [];
  await new Trainer(
    { model: 'attention', dataset: 'copy', preset: 'tiny', steps: 3, seed: 0, sampleIntervalMs: 0 },
    { onEvent: (e) => events.push(e) },
  ).run();
  const att = events.find((e) => e.type === 'attention');
  assert.ok(att?.type === 'attention');
  if (att?.type === 'attention') {
    for (const head of att.layers[0].heads) head.forEach((row, i) => row.forEach((w, j) => j > i && assert.equal(w, 0)));
  }
});

test('runs are reproducible from the seed', async () => {
  const cfg: TrainConfig = { model: 'cnn', preset: 'tiny', dataset: 'synthetic', steps: 8, seed: 5 };
  const a = steps((await train(cfg, { dataset: shapes })).events).map((e) => e.loss);
  const b = steps((await train(cfg, { dataset: shapes })).events).map((e) => e.loss);
  const c = steps((await train({ ...cfg, seed: 6 }, { dataset: shapes })).events).map((e) => e.loss);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('pause holds the loop, resume continues, stop ends the run early with final metrics', async () => {
  const events: TrainEvent[] = [];
  let trainer: Trainer;
  let pausedAt = -1;
  trainer = new Trainer(
    { model: 'gan', steps: 100000, seed: 0, eventIntervalMs: 0, sampleIntervalMs: 1e9 },
    {
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === 5) trainer.pause();
        if (e.type === 'state' && e.state === 'paused') {
          pausedAt = events.filter((x) => x.type === 'step').length;
          setTimeout(() => {
            // Nothing ran while paused.
            assert.equal(events.filter((x) => x.type === 'step').length, pausedAt);
            trainer.resume();
          }, 200);
        }
        if (e.type === 'step' && e.step === 20) trainer.stop();
      },
    },
  );
  const done = await trainer.run();
  assert.equal(pausedAt, 5);
  assert.equal(done.reason, 'stopped');
  assert.equal(done.step, 20);
  assert.ok('modesCovered' in done.metrics);
  const states = events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.state : ''));
  assert.deepEqual(states, ['paused', 'running', 'stopping']);
  assert.equal(events[events.length - 1].type, 'done');
});

test('stop while paused ends the run', async () => {
  let trainer: Trainer;
  trainer = new Trainer(
    { model: 'gan', steps: 1000, seed: 0, sampleIntervalMs: 1e9 },
    {
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 1) trainer.pause();
        if (e.type === 'state' && e.state === 'paused') setTimeout(() => trainer.stop(), 50);
      },
    },
  );
  const done = await trainer.run();
  assert.equal(done.reason, 'stopped');
  assert.equal(done.step, 1);
});

test('step events are throttled to the interval asked for', async () => {
  const { events } = await train({ model: 'gan', steps: 300, seed: 0, eventIntervalMs: 1e9 });
  // The first step, each epoch's last and the run's last are always reported.
  assert.deepEqual(
    steps(events).map((e) => e.step),
    [1, 156, 300],
  );
});

test('a run store receives the config, the metrics as they come, the result and the weights', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gradlens-runs-'));
  try {
    const store = new RunStore(root);
    const { done } = await train({ model: 'attention', dataset: 'sort', preset: 'tiny', steps: 6, seed: 0 }, { store });
    assert.ok(done.runId);
    const run = store.open(done.runId!);
    assert.equal(run.status, 'completed');
    assert.equal(run.config.model, 'attention');
    assert.equal(run.metrics.filter((r) => r.type === 'step').length, 6);
    assert.equal(run.metrics[run.metrics.length - 1].type, 'done');
    assert.equal(run.result?.metrics.testAccuracy, done.metrics.testAccuracy);
    const weights = store.readWeights(done.runId!);
    assert.ok(weights.some((w) => w.name === 'model.embed.weight' && w.shape.join('x') === '12x32'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bad configs are rejected before any work, naming the field and what it must be', () => {
  const refused: [unknown, RegExp][] = [
    [{ model: 'mlp' }, /^config\.model must be one of cnn, gan, attention, got "mlp"$/],
    [{ model: 'cnn', steps: -1 }, /^config\.steps must be a whole number of at least 0, got -1$/],
    [{ model: 'cnn', steps: 2.5 }, /^config\.steps must be a whole number of at least 0, got 2\.5$/],
    [{ model: 'cnn', lr: -1 }, /^config\.lr must be a number above 0, got -1$/],
    [{ model: 'cnn', seed: 2 ** 32 }, /^config\.seed must be a whole number from 0 to 4294967295, got 4294967296$/],
    [{ model: 'cnn', batchSize: '8' }, /^config\.batchSize must be a positive whole number, got "8"$/],
    [{ model: 'cnn', epoch: 2 }, /^config\.epoch is not a training setting$/],
  ];
  for (const [config, why] of refused) {
    assert.throws(
      () => new Trainer(config as TrainConfig),
      (err: unknown) => err instanceof ConfigError && why.test(err.message),
      JSON.stringify(config),
    );
  }
});

test('a dataset that does not suit the model, or an unknown preset, fails with a clear message', async () => {
  await assert.rejects(new Trainer({ model: 'cnn', dataset: 'ring' }).run(), /does not suit the cnn model/);
  await assert.rejects(
    new Trainer({ model: 'cnn', preset: 'huge', dataset: 'synthetic' }, { dataset: shapes }).run(),
    /unknown CNN preset 'huge'/,
  );
});

test('the plain reference backend trains too, and agrees with the default backend within float32 tolerance', async () => {
  const cfg: TrainConfig = { model: 'cnn', preset: 'tiny', dataset: 'synthetic', steps: 4, seed: 7 };
  const ref = await train({ ...cfg, backend: 'reference' }, { dataset: shapes });
  const auto = await train(cfg, { dataset: shapes });
  const started = ref.events[0];
  assert.ok(started.type === 'started' && started.backend.name === 'reference');
  const a = steps(ref.events).map((e) => e.loss),
    b = steps(auto.events).map((e) => e.loss);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-3 * Math.abs(x), `step ${i + 1}: reference ${x}, default ${b[i]}`));
});

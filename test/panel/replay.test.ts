import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEvent, emptyRun, epochSeries, foldEvents, progressOf, settleRecorded } from '../../webview/panel/runState';
import { PanelEventLog } from '../../src/extension/panelEventLog';
import { eventsFromRows, eventsFromRun, runList } from '../../src/extension/panelRunHistory';
import type { ResolvedConfig, StartedEvent, StepEvent, TrainEvent } from '../../src/training/events';
import { RunStore } from '../../src/training/runStore';
import { Trainer } from '../../src/training/trainer';

function started(model: 'cnn' | 'gan' = 'cnn'): StartedEvent {
  return {
    type: 'started',
    runId: 'r1',
    config: { model } as ResolvedConfig,
    backend: { name: 'reference', description: 'plain loops' },
    dataset: { name: 'synthetic', kind: 'image', trainCount: 100, testCount: 10, inputShape: [3, 32, 32] },
    summary: { title: 't', input: [3, 32, 32], rows: [], totalParams: 0 },
    totalSteps: 100,
    stepsPerEpoch: 10,
  };
}

function step(n: number, metrics: Record<string, number> = {}): StepEvent {
  return {
    type: 'step',
    step: n,
    totalSteps: 100,
    epoch: n / 10,
    loss: 1 / n,
    metrics,
    throughput: 50,
    elapsedMs: n * 10,
    etaMs: (100 - n) * 10,
  };
}

test('runState: steps accumulate, a metric appearing late is padded with nulls so columns stay aligned', () => {
  const v = foldEvents([started(), step(1), step(2, { accuracy: 0.5 }), step(3)]);
  assert.deepEqual(v.steps, [1, 2, 3]);
  assert.deepEqual(v.metrics.accuracy, [null, 0.5, null]);
  assert.equal(v.status, 'running');
  assert.equal(progressOf(v), 0.03);
  assert.equal(v.etaMs, 970);
});

test('runState: a replay overlapping what is shown does not duplicate steps or epochs', () => {
  const events: TrainEvent[] = [
    started(),
    step(1),
    step(2),
    { type: 'epoch', epoch: 1, step: 2, metrics: { valAccuracy: 0.4 }, durationMs: 5 },
  ];
  const v = foldEvents(events);
  foldEvents(events.slice(1), v);
  assert.deepEqual(v.steps, [1, 2]);
  assert.equal(v.epochs.length, 1);
  assert.deepEqual(epochSeries(v, 'valAccuracy'), { x: [2], y: [0.4] });
});

test('runState: pause, resume, done and error change the status; a new start clears the old run', () => {
  const v = foldEvents([started(), step(1), { type: 'state', state: 'paused', step: 1 }]);
  assert.equal(v.status, 'paused');
  applyEvent(v, { type: 'state', state: 'running', step: 1 });
  assert.equal(v.status, 'running');
  applyEvent(v, { type: 'done', reason: 'stopped', step: 1, epoch: 0.1, elapsedMs: 10, metrics: {}, runId: 'r1' });
  assert.equal(v.status, 'stopped');
  applyEvent(v, started());
  assert.equal(v.steps.length, 0);
  assert.equal(v.done, null);
  applyEvent(v, { type: 'error', message: 'diverged' });
  assert.equal(v.status, 'error');
  assert.equal(v.error, 'diverged');
});

test('runState: a record replayed with no job running and no outcome reads as interrupted', () => {
  assert.equal(settleRecorded(foldEvents([started(), step(1), step(2)])).status, 'interrupted');
  assert.equal(settleRecorded(foldEvents([step(1)])).status, 'interrupted');
  const finished = foldEvents([
    started(),
    step(1),
    { type: 'done', reason: 'completed', step: 1, epoch: 0.1, elapsedMs: 1, metrics: {}, runId: 'r1' },
  ]);
  assert.equal(settleRecorded(finished).status, 'completed');
  assert.equal(settleRecorded(emptyRun()).status, 'idle');
});

test('PanelEventLog: replay rebuilds the same view as the live events, keeping only the latest samples', () => {
  const log = new PanelEventLog();
  const live = emptyRun();
  const events: TrainEvent[] = [{ type: 'log', message: 'reference backend' }, started('gan')];
  for (let i = 1; i <= 50; i++) {
    events.push(step(i, { dReal: 0.5 + i / 200, dFake: 0.5 - i / 200 }));
    if (i % 10 === 0)
      events.push({ type: 'samples', step: i, samples: { kind: 'gan', real: [i, 0], fake: [0, i], dReal: 0.6, dFake: 0.4 } });
  }
  events.push({ type: 'state', state: 'paused', step: 50 });
  for (const e of events) {
    log.push(e);
    applyEvent(live, e);
  }
  const replayed = log.replay();
  assert.equal(replayed.filter((e) => e.type === 'samples').length, 1);
  const rebuilt = foldEvents(replayed);
  assert.deepEqual(rebuilt.steps, live.steps);
  assert.deepEqual(rebuilt.metrics, live.metrics);
  assert.deepEqual(rebuilt.samples, live.samples);
  assert.equal(rebuilt.status, 'paused');
  assert.deepEqual(rebuilt.logs, ['reference backend']);
});

test('PanelEventLog: a long run stays bounded, keeps its first and newest steps and stays in order', () => {
  const log = new PanelEventLog({ maxSteps: 100 });
  log.push(started());
  for (let i = 1; i <= 5000; i++) log.push(step(i));
  assert.ok(log.stepCount <= 100, `${log.stepCount} steps kept`);
  const steps = log
    .replay()
    .filter((e): e is StepEvent => e.type === 'step')
    .map((e) => e.step);
  assert.equal(steps[0], 1);
  assert.equal(steps[steps.length - 1], 5000);
  assert.ok(steps.every((s, i) => i === 0 || s > steps[i - 1]));
  // The newest quarter is complete: the live edge of the chart is exact.
  assert.deepEqual(steps.slice(-10), [4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
});

test('PanelEventLog: a new run forgets the previous one', () => {
  const log = new PanelEventLog();
  log.push(started());
  log.push(step(1));
  log.push({ type: 'done', reason: 'completed', step: 1, epoch: 0.1, elapsedMs: 1, metrics: {}, runId: 'r1' });
  log.push(started());
  assert.deepEqual(
    log.replay().map((e) => e.type),
    ['started'],
  );
});

test('run history: recorded rows come back as the events that produced them', () => {
  const rows = [
    { type: 'step', step: 1, totalSteps: 4, epoch: 0.5, loss: 2, throughput: 10, elapsedMs: 5, etaMs: 15, accuracy: 0.25 },
    { type: 'epoch', epoch: 1, step: 2, durationMs: 9, trainLoss: 1.5, valAccuracy: 0.5 },
    { type: 'done', reason: 'completed', step: 4, elapsedMs: 20, loss: 1, testAccuracy: 0.75 },
    { type: 'something-new', step: 5 },
    { note: 'no step' },
  ];
  const events = eventsFromRows(rows, 'r9');
  assert.deepEqual(
    events.map((e) => e.type),
    ['step', 'epoch', 'done'],
  );
  assert.deepEqual((events[0] as StepEvent).metrics, { accuracy: 0.25 });
  const v = foldEvents(events);
  assert.equal(v.status, 'completed');
  assert.deepEqual(epochSeries(v, 'valAccuracy'), { x: [2], y: [0.5] });
  assert.equal(v.done!.metrics.testAccuracy, 0.75);
});

test('the real trainer on the ring: its events drive the panel view, and its stored run replays the same curve', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gradlens-panel-'));
  try {
    const store = new RunStore(root);
    const log = new PanelEventLog();
    const trainer = new Trainer(
      {
        model: 'gan',
        dataset: 'ring',
        preset: 'small',
        steps: 40,
        batchSize: 32,
        eventIntervalMs: 0,
        sampleIntervalMs: 0,
        backend: 'reference',
        seed: 3,
      },
      { store, onEvent: (e) => log.push(e) },
    );
    await trainer.run();
    const view = foldEvents(log.replay());
    assert.equal(view.status, 'completed');
    assert.equal(view.config?.model, 'gan');
    assert.equal(view.steps.length, 40);
    assert.ok(view.backend?.name, 'the backend is named');
    assert.equal(view.metrics.dReal.length, 40);
    assert.equal(view.metrics.lossG.length, 40);
    assert.equal(view.samples?.kind, 'gan');
    const s = view.samples as { real: number[]; fake: number[]; decisionMap: { size: number; values: number[] } };
    assert.ok(s.real.length >= 2 && s.real.length % 2 === 0);
    assert.ok(s.fake.length >= 2);
    assert.equal(s.decisionMap.values.length, s.decisionMap.size ** 2);

    const [item] = runList(store.list());
    assert.equal(item.model, 'gan');
    assert.equal(item.status, 'completed');
    const reopened = foldEvents(eventsFromRun(store.open(item.id)));
    assert.deepEqual(reopened.steps, view.steps);
    assert.deepEqual(reopened.loss, view.loss);
    assert.deepEqual(reopened.metrics.dFake, view.metrics.dFake);
    assert.equal(reopened.status, 'completed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

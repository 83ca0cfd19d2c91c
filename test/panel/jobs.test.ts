/**
 * A job in the extension host (trainingPanel/hostJob.ts) runs the lifecycle it shares
 * with a job in the page (job.ts): events relayed in order, one end, one 'ended' call.
 * The page-job side is in pagePlacement.test.ts. Needs dist/trainWorker.js (node esbuild.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HostTrainingJob } from '../../src/extension/trainingPanel/hostJob';
import type { PanelJob } from '../../src/extension/trainingPanel/job';
import type { TrainConfig, TrainEvent } from '../../src/training/events';
import { RunStore } from '../../src/training/runStore';

const WORKER = resolve('dist/trainWorker.js');
const GAN: TrainConfig = {
  model: 'gan',
  dataset: 'ring',
  preset: 'small',
  steps: 6,
  batchSize: 16,
  seed: 1,
  eventIntervalMs: 0,
  sampleIntervalMs: 0,
  backend: 'reference',
};

function hostJob(config: TrainConfig, runsDir: string, worker = WORKER): { job: PanelJob; events: TrainEvent[]; ended: Promise<number> } {
  const events: TrainEvent[] = [];
  let ends = 0;
  let job!: PanelJob;
  const ended = new Promise<number>((done) => {
    job = new HostTrainingJob(
      worker,
      config,
      runsDir,
      (e) => events.push(e),
      () => {
        ends++;
        // Let a second end, if the lifecycle had one, arrive before counting.
        setTimeout(() => done(ends), 50);
      },
    );
  });
  return { job, events, ended };
}

test("a host job relays its worker's run in order, ends once, and keeps the run in the store", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-hostjob-'));
  try {
    const { job, events, ended } = hostJob(GAN, dir);
    assert.equal(job.active, true);
    assert.equal(job.state, 'running');
    // The page has no say over a job in the host: its reports are refused, its going away changes nothing.
    assert.throws(() => job.receive({ type: 'log', message: 'from the page' }), /trains in the extension host/);
    assert.throws(() => job.record({ op: 'append', token: 't', row: {} }), /trains in the extension host/);
    job.pageGone('the panel was closed');
    assert.equal(job.active, true);
    assert.equal(await ended, 1);
    assert.equal(job.active, false);
    assert.equal(job.state, 'idle');
    assert.equal(events[0].type, 'started');
    assert.deepEqual(
      events.filter((e) => e.type === 'step').map((e) => (e.type === 'step' ? e.step : 0)),
      [1, 2, 3, 4, 5, 6],
    );
    const done = events.at(-1)!;
    assert.equal(done.type, 'done');
    assert.ok(job.runId && done.type === 'done' && done.runId === job.runId);
    assert.equal(new RunStore(dir).open(job.runId).status, 'completed');
    job.send({ type: 'stop' });
    assert.equal(events.at(-1), done, 'nothing follows the end');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a host job whose worker dies ends with an error that says how', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-hostjob-'));
  try {
    const dying = join(dir, 'dying.js');
    writeFileSync(dying, 'process.exit(3);\n');
    const { job, events, ended } = hostJob(GAN, dir, dying);
    assert.equal(await ended, 1);
    assert.equal(job.active, false);
    assert.deepEqual(events, [{ type: 'error', message: 'the training worker stopped unexpectedly (exit code 3)' }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a host job stopped by the panel finishes its run as stopped; disposed, it ends without a word', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-hostjob-'));
  try {
    const long = { ...GAN, steps: 100000 };
    const stopped = hostJob(long, dir);
    const started = new Date();
    while (!stopped.events.some((e) => e.type === 'step')) await new Promise((r) => setTimeout(r, 10));
    stopped.job.send({ type: 'stop' });
    assert.equal(await stopped.ended, 1);
    const done = stopped.events.at(-1)!;
    assert.ok(done.type === 'done' && done.reason === 'stopped', JSON.stringify(done));
    assert.ok(Date.now() - started.getTime() < 60_000);

    const disposed = hostJob(long, dir);
    while (!disposed.events.some((e) => e.type === 'step')) await new Promise((r) => setTimeout(r, 10));
    disposed.job.dispose();
    assert.equal(disposed.job.active, false);
    const seen = disposed.events.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(disposed.events.length, seen, 'no event after dispose');
    assert.ok(!disposed.events.some((e) => e.type === 'done' || e.type === 'error'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** dist/trainWorker.js: the message protocol over a worker_thread (start, pause, resume, stop). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest } from '../../src/training/events';

test('the worker streams events, honours pause / resume / stop, and exits after done', async () => {
  const worker = new Worker(resolve('dist/trainWorker.js'));
  const seen: WorkerMessage[] = [];
  const send = (r: WorkerRequest): void => worker.postMessage(r);
  const exited = new Promise<number>((res) => worker.on('exit', res));
  worker.on('message', (m: WorkerMessage) => {
    seen.push(m);
    if (m.type === 'step' && m.step === 3) send({ type: 'pause' });
    if (m.type === 'state' && m.state === 'paused') setTimeout(() => send({ type: 'resume' }), 100);
    if (m.type === 'step' && m.step === 10) send({ type: 'stop' });
  });
  send({ type: 'start', config: { model: 'gan', steps: 100000, seed: 1, eventIntervalMs: 0, sampleIntervalMs: 0 } });
  assert.equal(await exited, 0);
  const types = seen.map((m) => m.type);
  assert.equal(types[0], 'started');
  assert.ok(types.includes('samples'));
  const done = seen[seen.length - 1];
  assert.equal(done.type, 'done');
  if (done.type === 'done') {
    assert.equal(done.reason, 'stopped');
    assert.equal(done.step, 10);
  }
  assert.deepEqual(
    seen.filter((m) => m.type === 'state').map((m) => (m.type === 'state' ? m.state : '')),
    ['paused', 'running', 'stopping'],
  );
});

test('a bad config comes back as an error event', async () => {
  const worker = new Worker(resolve('dist/trainWorker.js'));
  const message = new Promise<WorkerMessage>((res) => worker.once('message', res));
  // Listen for the exit before it can happen: the worker may end right after its error.
  const exited = new Promise((res) => worker.once('exit', res));
  worker.postMessage({ type: 'start', config: { model: 'cnn', steps: -3 } } satisfies WorkerRequest);
  const m = await message;
  assert.equal(m.type, 'error');
  if (m.type === 'error') assert.equal(m.message, 'config.steps must be a whole number of at least 0, got -3');
  await exited;
});

/** Run records: append as metrics come, reopen, survive a torn last line, export CSV and JSON, keep weights. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsToCsv, parseMetricsLines, RunStore } from '../../src/training/runStore';

function withStore(fn: (store: RunStore, root: string) => void): () => void {
  return () => {
    const root = mkdtempSync(join(tmpdir(), 'gradlens-store-'));
    try {
      fn(new RunStore(root), root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test(
  'a run is created with its config, appended line by line, finished and listed',
  withStore((store) => {
    const w = store.create({ model: 'cnn', lr: 0.001 }, 'cnn-synthetic');
    w.append({ type: 'step', step: 1, loss: 2.3 });
    w.append({ type: 'step', step: 2, loss: 2.1, accuracy: 0.2 });
    // Each row is on disk as soon as it is appended.
    assert.equal(readFileSync(join(w.dir, 'metrics.jsonl'), 'utf8').split('\n').length, 3);
    assert.equal(store.list()[0].status, 'interrupted');
    assert.equal(store.list(new Set([w.id]))[0].status, 'running');
    w.finish('completed', { testAccuracy: 0.9 });
    const runs = store.list();
    assert.equal(runs.length, 1);
    assert.equal(runs[0].id, w.id);
    assert.match(w.id, /cnn-synthetic$/);
    assert.equal(runs[0].status, 'completed');
    assert.equal(runs[0].config.model, 'cnn');
    const run = store.open(w.id);
    assert.deepEqual(
      run.metrics.map((r) => r.loss),
      [2.3, 2.1],
    );
    assert.equal(run.result?.metrics.testAccuracy, 0.9);
    assert.equal(run.truncatedTail, false);
  }),
);

test(
  'two runs started in the same second get distinct ids, listed oldest first',
  withStore((store) => {
    const a = store.create({ model: 'gan' }, 'gan');
    const b = store.create({ model: 'gan' }, 'gan');
    assert.notEqual(a.id, b.id);
    assert.deepEqual(
      store.list().map((r) => r.id),
      [a.id, b.id],
    );
  }),
);

test(
  'a crash mid-write loses only the torn last line; the reopened writer starts a fresh line',
  withStore((store) => {
    const w = store.create({ model: 'cnn' });
    w.append({ step: 1, loss: 1 });
    w.append({ step: 2, loss: 0.9 });
    appendFileSync(join(w.dir, 'metrics.jsonl'), '{"step": 3, "lo');
    const run = store.open(w.id);
    assert.deepEqual(
      run.metrics.map((r) => r.step),
      [1, 2],
    );
    assert.equal(run.truncatedTail, true);
    assert.deepEqual(run.badLines, []);
    const again = store.writer(w.id);
    again.append({ step: 4, loss: 0.8 });
    const reopened = store.open(w.id);
    assert.deepEqual(
      reopened.metrics.map((r) => r.step),
      [1, 2, 4],
    );
    assert.deepEqual(reopened.badLines, [3]);
    assert.equal(reopened.truncatedTail, false);
  }),
);

test('parsing: a complete last line without its newline still counts; blank lines are skipped', () => {
  assert.deepEqual(parseMetricsLines('{"a":1}\n\n{"a":2}').rows, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(parseMetricsLines(''), { rows: [], truncatedTail: false, badLines: [] });
  assert.deepEqual(parseMetricsLines('{"a":1}\n[1]\n{"a":3}\n').badLines, [2]);
});

test(
  'export: CSV with one column per key in order of appearance, quoting where needed; JSON with config and result',
  withStore((store) => {
    const w = store.create({ model: 'attention' });
    w.append({ type: 'step', step: 1, loss: 0.5 });
    w.append({ type: 'epoch', step: 2, valAccuracy: 0.75, note: 'a, "b"' });
    w.finish('stopped', { testAccuracy: 0.7 });
    assert.equal(store.exportCsv(w.id), 'type,step,loss,valAccuracy,note\nstep,1,0.5,,\nepoch,2,,0.75,"a, ""b"""\n');
    const json = JSON.parse(store.exportJson(w.id));
    assert.equal(json.status, 'stopped');
    assert.equal(json.config.model, 'attention');
    assert.equal(json.metrics.length, 2);
    assert.equal(json.result.metrics.testAccuracy, 0.7);
    assert.equal(metricsToCsv([]), '\n');
  }),
);

test(
  'weights round-trip as float32 with names and shapes',
  withStore((store) => {
    const w = store.create({ model: 'cnn' });
    w.saveWeights([
      { name: 'model.0.weight', shape: [2, 3], data: [1, 2, 3, 4, 5, 6.5] },
      { name: 'model.0.bias', shape: [2], data: new Float32Array([-1, 0.25]) },
    ]);
    const back = store.readWeights(w.id);
    assert.deepEqual(
      back.map((e) => [e.name, e.shape, Array.from(e.data)]),
      [
        ['model.0.weight', [2, 3], [1, 2, 3, 4, 5, 6.5]],
        ['model.0.bias', [2], [-1, 0.25]],
      ],
    );
  }),
);

test(
  'unknown ids and folders that are not runs are handled',
  withStore((store, root) => {
    assert.throws(() => store.open('nope'), /no run 'nope'/);
    assert.throws(() => store.open('../etc'), /invalid run id/);
    writeFileSync(join(root, 'stray.txt'), 'x');
    assert.deepEqual(store.list(), []);
    const w = store.create({ model: 'gan' });
    store.delete(w.id);
    assert.deepEqual(store.list(), []);
    assert.deepEqual(new RunStore(join(root, 'absent')).list(), []);
  }),
);

/** Importing an exported train.py's --json log as a run: good logs, a GAN's, torn and garbage lines, nothing at all. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportLogError, importSummary, parseTrainLog, saveImportedRun } from '../../src/training/importLog';
import { RunStore } from '../../src/training/runStore';
import { configOfRun, eventsFromRun, runListItem } from '../../src/extension/panelRunHistory';
import { parseWebviewMessage, ProtocolError } from '../../src/trainingPanelProtocol';

const FIXTURE = join('test', 'fixtures', 'train-py-log.jsonl');

const CNN_LOG = [
  '{"event":"step","step":1,"totalSteps":3,"epoch":0.0064,"loss":3.43,"accuracy":0.09375,"throughput":34.0,"elapsedMs":941}',
  '{"event":"step","step":2,"totalSteps":3,"epoch":0.0128,"loss":3.1,"accuracy":0.125,"throughput":35.5,"elapsedMs":1240}',
  '{"event":"step","step":3,"totalSteps":3,"epoch":0.0192,"loss":2.97,"accuracy":0.125,"throughput":36.1,"elapsedMs":1530}',
  '{"event":"epoch","epoch":1,"step":3,"durationMs":1534,"trainLoss":3.33,"trainAccuracy":0.11,"valLoss":2.80,"valAccuracy":0.14}',
  '{"event":"done","reason":"completed","steps":3,"epochs":0.019,"elapsedMs":1750,"runId":null,"loss":2.97,"accuracy":0.125,"testLoss":2.80,"testAccuracy":0.14,"world_size":2}',
  '',
].join('\n');

// As `gradlens train gan --steps 3 --json` prints it.
const GAN_LOG = [
  '{"event":"step","step":1,"totalSteps":3,"epoch":0.0064,"loss":1.4013,"lossG":-0.6228,"objective":-1.4013,"dReal":0.4475,"dFake":0.4488,"throughput":1910.4,"elapsedMs":67}',
  '{"event":"step","step":3,"totalSteps":3,"epoch":0.0192,"loss":1.2348,"lossG":-0.6279,"objective":-1.2348,"dReal":0.5590,"dFake":0.4791,"throughput":7314.3,"elapsedMs":102}',
  '{"event":"epoch","epoch":1,"step":3,"durationMs":114,"trainLoss":1.3141,"trainLossG":-0.6269,"trainDReal":0.5057,"trainDFake":0.4657,"dReal":0.5590,"dFake":0.4791,"quality":0,"modesCovered":0}',
  '{"event":"done","reason":"completed","steps":3,"epochs":0.0192,"elapsedMs":135,"runId":null,"loss":1.2348,"lossG":-0.6279,"dReal":0.5590,"dFake":0.4791,"quality":0,"modesCovered":0}',
  '',
].join('\n');

function withStore(fn: (store: RunStore) => void): () => void {
  return () => {
    const root = mkdtempSync(join(tmpdir(), 'gradlens-import-'));
    try {
      fn(new RunStore(root));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('a CNN log: steps, the epoch and the done line become a completed run with its test metrics', () => {
  const run = parseTrainLog(CNN_LOG, 'log.jsonl');
  assert.equal(run.status, 'completed');
  assert.equal(run.steps, 3);
  assert.deepEqual(run.skipped, []);
  assert.equal(run.label, 'imported: log.jsonl (PyTorch)');
  assert.equal(run.config.model, 'cnn');
  assert.equal(run.config.world_size, 2, 'how the job ran is kept in the config');
  assert.deepEqual(run.metrics, { loss: 2.97, accuracy: 0.125, testLoss: 2.8, testAccuracy: 0.14 });
  assert.deepEqual(
    run.rows.map((r) => r.type),
    ['step', 'step', 'step', 'epoch', 'done'],
  );
  assert.deepEqual(run.rows[0], {
    type: 'step',
    step: 1,
    totalSteps: 3,
    epoch: 0.0064,
    loss: 3.43,
    accuracy: 0.09375,
    throughput: 34,
    elapsedMs: 941,
  });
  assert.deepEqual(run.rows[4], {
    type: 'done',
    reason: 'completed',
    step: 3,
    epoch: 0.019,
    elapsedMs: 1750,
    loss: 2.97,
    accuracy: 0.125,
    testLoss: 2.8,
    testAccuracy: 0.14,
  });
});

test("a GAN log keeps both players' metrics and is recognised as the GAN", () => {
  const run = parseTrainLog(GAN_LOG, 'gan.jsonl');
  assert.equal(run.config.model, 'gan');
  assert.equal(run.status, 'completed');
  assert.deepEqual(
    run.rows.filter((r) => r.type === 'step').map((r) => [r.step, r.loss, r.lossG, r.dReal, r.dFake]),
    [
      [1, 1.4013, -0.6228, 0.4475, 0.4488],
      [3, 1.2348, -0.6279, 0.559, 0.4791],
    ],
  );
  assert.equal(run.metrics.modesCovered, 0);
});

test('a log cut short: the torn last line is skipped and counted, and without a done line the run is interrupted', () => {
  const lines = CNN_LOG.split('\n').slice(0, 3);
  const text = `${lines.join('\n')}\n{"event":"step","step":4,"los`;
  const run = parseTrainLog(text, 'cut.jsonl');
  assert.equal(run.status, 'interrupted');
  assert.equal(run.steps, 3);
  assert.equal(run.rows.length, 3);
  assert.equal(run.skipped.length, 1);
  assert.equal(run.skipped[0].line, 4);
  assert.match(run.skipped[0].reason, /^cut short/);
  assert.match(
    importSummary(run, 'cut.jsonl'),
    /^Imported 3 steps from cut\.jsonl \(interrupted\); skipped 1 line that was not events: 4 \(cut short/,
  );
});

test('garbage between events (warnings, progress text, other JSON) is skipped with line numbers; the rest imports', () => {
  const lines = CNN_LOG.split('\n');
  const text = [
    'UserWarning: TypedStorage is deprecated',
    lines[0],
    '[1, 2, 3]',
    '{"event":"checkpoint","path":"ckpt.pt"}',
    '{"event":"step","step":"two","loss":3.1}',
    ...lines.slice(1),
  ].join('\n');
  const run = parseTrainLog(text, 'noisy.jsonl');
  assert.equal(run.status, 'completed');
  assert.equal(run.rows.filter((r) => r.type === 'step').length, 3);
  assert.deepEqual(
    run.skipped.map((s) => s.line),
    [1, 3, 4, 5],
  );
  assert.match(run.skipped[0].reason, /^not JSON: "UserWarning/);
  assert.match(run.skipped[1].reason, /not a JSON object/);
  assert.match(run.skipped[2].reason, /no "event"/);
  assert.match(run.skipped[3].reason, /numeric step and loss/);
});

test('a file with no event at all is refused, naming the first line that is not one', () => {
  assert.throws(
    () => parseTrainLog('Traceback (most recent call last):\n  File "train.py", line 3\n', 'crash.log'),
    (err: unknown) => {
      assert.ok(err instanceof ImportLogError);
      assert.equal(err.line, 1);
      assert.match(err.message, /^crash\.log has no train\.py --json events .*; line 1: not JSON: "Traceback/);
      return true;
    },
  );
  assert.throws(
    () => parseTrainLog('\n{"loss": 1}\n', 'other.jsonl'),
    (err: unknown) => err instanceof ImportLogError && err.line === 2,
  );
});

test('an empty file is refused', () => {
  for (const text of ['', '\n\n  \n']) {
    assert.throws(
      () => parseTrainLog(text, 'empty.jsonl'),
      (err: unknown) => err instanceof ImportLogError && /empty\.jsonl is empty/.test(err.message),
    );
  }
});

test('an error line makes a failed run that keeps the message', () => {
  const text = `${CNN_LOG.split('\n')[0]}\n{"event":"error","message":"CUDA out of memory"}\n`;
  const run = parseTrainLog(text, 'oom.jsonl');
  assert.equal(run.status, 'failed');
  assert.equal(run.error, 'CUDA out of memory');
});

test('a config line names the model, preset and dataset', () => {
  const text = `{"event":"config","model":"cnn","preset":"grey28","dataset":"fashion-mnist","lr":0.01}\n${CNN_LOG}`;
  const run = parseTrainLog(text, 'log.jsonl');
  assert.equal(run.config.preset, 'grey28');
  assert.equal(run.config.dataset, 'fashion-mnist');
  assert.equal(run.config.lr, 0.01);
});

test(
  'saved as a new run beside others, untouched; read back it lists with its label and replays as events',
  withStore((store) => {
    const other = store.create({ model: 'cnn' }, 'cnn-synthetic');
    other.append({ type: 'step', step: 1, loss: 2 });
    other.finish('completed', { testAccuracy: 0.5 });
    const before = readdirSync(other.dir).map((f) => [f, readFileSync(join(other.dir, f), 'utf8')]);

    const run = parseTrainLog(readFileSync(FIXTURE, 'utf8'), 'train-py-log.jsonl');
    assert.equal(run.skipped.length, 1, 'the fixture has one warning line among its events');
    const writer = saveImportedRun(store, run);
    assert.notEqual(writer.id, other.id);
    assert.deepEqual(
      readdirSync(other.dir).map((f) => [f, readFileSync(join(other.dir, f), 'utf8')]),
      before,
    );

    const listed = store.list();
    assert.equal(listed.length, 2);
    const item = runListItem(store.open(writer.id));
    assert.equal(item.status, 'completed');
    assert.equal(item.label, 'imported: train-py-log.jsonl (PyTorch)');
    assert.deepEqual(item.headline, { name: 'testAccuracy', value: 0.7361 });
    const events = eventsFromRun(store.open(writer.id));
    assert.equal(events.filter((e) => e.type === 'step').length, 30);
    assert.equal(events.filter((e) => e.type === 'epoch').length, 2);
    assert.equal(events.at(-1)?.type, 'done');
  }),
);

test(
  'an interrupted import is stored without a result and reads back as interrupted, saying its log ended early',
  withStore((store) => {
    const run = parseTrainLog(CNN_LOG.split('\n').slice(0, 2).join('\n'), 'early.jsonl');
    const writer = saveImportedRun(store, run);
    const data = store.open(writer.id);
    assert.equal(data.status, 'interrupted');
    const last = eventsFromRun(data).at(-1);
    assert.equal(last?.type, 'log');
    assert.match(last?.type === 'log' ? last.message : '', /a log that ends before its done line/);
  }),
);

// The other way, from the panel to PyTorch: what the page may ask for and what a past run exports.

test('the page\'s "Export as PyTorch" message names a run or carries a checked config, nothing else', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'exportPyTorch', source: { run: '20261128-cnn-synthetic' } }), {
    type: 'exportPyTorch',
    source: { run: '20261128-cnn-synthetic' },
  });
  assert.deepEqual(parseWebviewMessage({ type: 'exportPyTorch', source: { config: { model: 'cnn', preset: 'seed', lr: 0.01 } } }), {
    type: 'exportPyTorch',
    source: { config: { model: 'cnn', preset: 'seed', lr: 0.01 } },
  });
  assert.deepEqual(parseWebviewMessage({ type: 'importTrainLog' }), { type: 'importTrainLog' });
  const refused: [unknown, RegExp][] = [
    [{ type: 'exportPyTorch' }, /source must be an object, got nothing/],
    [{ type: 'exportPyTorch', source: {} }, /either run .* or config .*, got neither/],
    [{ type: 'exportPyTorch', source: { run: 'a', config: { model: 'cnn' } } }, /got run, config/],
    [{ type: 'exportPyTorch', source: { run: '../etc' } }, /source\.run must be a run id .*, got "\.\.\/etc"/],
    [{ type: 'exportPyTorch', source: { config: { model: 'rnn' } } }, /model must be one of cnn, gan, attention/],
    [
      { type: 'exportPyTorch', source: { config: { model: 'cnn', lr: -1 } } },
      /'exportPyTorch' message\.source\.config\.lr must be a number above 0, got -1/,
    ],
  ];
  for (const [raw, why] of refused) {
    assert.throws(
      () => parseWebviewMessage(raw),
      (err: unknown) => err instanceof ProtocolError && why.test(err.message),
      JSON.stringify(raw),
    );
  }
});

test(
  'a past run exports with the settings it recorded; bookkeeping and nulls are left out; an imported run is refused',
  withStore((store) => {
    const resolved = {
      model: 'cnn',
      preset: 'small',
      dataset: 'synthetic',
      dataDir: null,
      epochs: 1,
      steps: 20,
      batchSize: 32,
      lr: 0.01,
      weightDecay: 0.0005,
      seed: 7,
      trainLimit: null,
      testLimit: null,
      ganLoss: 'minimax',
      causal: false,
      backend: 'auto',
      eventIntervalMs: 100,
      sampleIntervalMs: 1000,
      backendName: 'fast',
    };
    const w = store.create(resolved, 'cnn-synthetic');
    assert.deepEqual(configOfRun(store.open(w.id)), {
      model: 'cnn',
      preset: 'small',
      dataset: 'synthetic',
      epochs: 1,
      steps: 20,
      batchSize: 32,
      lr: 0.01,
      weightDecay: 0.0005,
      seed: 7,
      ganLoss: 'minimax',
      causal: false,
    });
    const imported = saveImportedRun(store, parseTrainLog(CNN_LOG, 'log.jsonl'));
    assert.throws(() => configOfRun(store.open(imported.id)), /was imported from a train\.py log/);
  }),
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostMessage, parseTrainConfig, parseWebviewMessage, ProtocolError } from '../../src/protocol';

test('parseWebviewMessage accepts each well-formed message', () => {
  for (const type of ['ready', 'pause', 'resume', 'stop', 'pickDataDir', 'refreshRuns']) {
    assert.deepEqual(parseWebviewMessage({ type }), { type });
  }
  assert.deepEqual(parseWebviewMessage({ type: 'start', config: { model: 'gan', dataset: 'ring', steps: 300, lr: 0.001, ganLoss: 'non-saturating' } }), {
    type: 'start', config: { model: 'gan', dataset: 'ring', steps: 300, lr: 0.001, ganLoss: 'non-saturating' },
  });
  assert.deepEqual(parseWebviewMessage({ type: 'exportRun', id: '20261127-041000-gan-ring', format: 'csv' }), { type: 'exportRun', id: '20261127-041000-gan-ring', format: 'csv' });
  assert.deepEqual(parseWebviewMessage({ type: 'requestSummary', model: 'attention', dataset: 'copy', causal: true }), { type: 'requestSummary', model: 'attention', dataset: 'copy', causal: true });
});

test('parseWebviewMessage names what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /must be an object, got null/],
    [{ type: 'launch' }, /unknown panel message type "launch"/],
    [{ type: 'start' }, /'start' message config must be an object, got nothing/],
    [{ type: 'start', config: { model: 'rnn' } }, /config\.model must be one of cnn, gan, attention, got "rnn"/],
    [{ type: 'start', config: { model: 'cnn', steps: 2.5 } }, /config\.steps must be a positive whole number, got 2.5/],
    [{ type: 'start', config: { model: 'cnn', lr: -1 } }, /config\.lr must be a learning rate above 0/],
    [{ type: 'start', config: { model: 'cnn', batchSize: 1e6 } }, /config\.batchSize must be a whole number from 1 to 4096/],
    [{ type: 'start', config: { model: 'cnn', evil: 1 } }, /config\.evil is not a training setting/],
    [{ type: 'start', config: { model: 'gan', ganLoss: 'wasserstein' } }, /ganLoss must be minimax or non-saturating/],
    [{ type: 'openRun', id: '../../etc' }, /'openRun' message\.id is not a run id/],
    [{ type: 'exportRun', id: 'a', format: 'xml' }, /format must be csv or json, got "xml"/],
    [{ type: 'requestSummary', model: 'cnn', causal: 'yes' }, /causal must be true or false/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => parseWebviewMessage(raw), (err: unknown) => err instanceof ProtocolError && message.test(err.message), JSON.stringify(raw));
  }
});

test('parseTrainConfig keeps only what was given (blank means the preset default)', () => {
  assert.deepEqual(parseTrainConfig({ model: 'cnn' }), { model: 'cnn' });
  assert.deepEqual(parseTrainConfig({ model: 'cnn', preset: 'tiny', epochs: 2, seed: 0 }), { model: 'cnn', preset: 'tiny', epochs: 2, seed: 0 });
});

test('isHostMessage recognises the host vocabulary only', () => {
  assert.ok(isHostMessage({ type: 'event', event: { type: 'log', message: 'x' } }));
  assert.ok(!isHostMessage({ type: 'something-else' }));
  assert.ok(!isHostMessage('init'));
});

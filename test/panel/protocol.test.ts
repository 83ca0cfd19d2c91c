import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostMessage, parseTrainConfig, parseWebviewMessage, ProtocolError } from '../../src/trainingPanelProtocol';
import { ConfigError } from '../../src/training/errors';
import { validateConfig } from '../../src/training/events';
import { FormError, type FormValues, formToConfig } from '../../webview/panel/formConfig';
import { panelChoices } from '../../src/extension/panelChoices';

test('parseWebviewMessage accepts each well-formed message', () => {
  for (const type of ['ready', 'pause', 'resume', 'stop', 'pickDataDir', 'refreshRuns']) {
    assert.deepEqual(parseWebviewMessage({ type }), { type });
  }
  assert.deepEqual(
    parseWebviewMessage({ type: 'start', config: { model: 'gan', dataset: 'ring', steps: 300, lr: 0.001, ganLoss: 'non-saturating' } }),
    {
      type: 'start',
      config: { model: 'gan', dataset: 'ring', steps: 300, lr: 0.001, ganLoss: 'non-saturating' },
    },
  );
  assert.deepEqual(parseWebviewMessage({ type: 'exportRun', id: '20261127-041000-gan-ring', format: 'csv' }), {
    type: 'exportRun',
    id: '20261127-041000-gan-ring',
    format: 'csv',
  });
  assert.deepEqual(parseWebviewMessage({ type: 'requestSummary', model: 'attention', dataset: 'copy', causal: true }), {
    type: 'requestSummary',
    model: 'attention',
    dataset: 'copy',
    causal: true,
  });
});

test('parseWebviewMessage names the field that is wrong and what it must be', () => {
  const cases: [unknown, RegExp][] = [
    [null, /^a panel message must be an object, got null$/],
    [{ type: 'launch' }, /^unknown panel message type "launch"$/],
    [{}, /^unknown panel message type nothing$/],
    [{ type: 'start' }, /^'start' message\.config must be an object, got nothing$/],
    [{ type: 'start', config: { model: 'rnn' } }, /^'start' message\.config\.model must be one of cnn, gan, attention, got "rnn"$/],
    [{ type: 'start', config: { model: 'cnn', steps: 2.5 } }, /config\.steps must be a whole number of at least 0, got 2\.5$/],
    [{ type: 'start', config: { model: 'cnn', lr: -1 } }, /config\.lr must be a number above 0, got -1$/],
    [{ type: 'start', config: { model: 'cnn', batchSize: 0 } }, /config\.batchSize must be a positive whole number, got 0$/],
    [
      { type: 'start', config: { model: 'cnn', preset: '' } },
      /config\.preset must be a non-empty string of at most 4096 characters, got ""$/,
    ],
    [{ type: 'start', config: { model: 'cnn', evil: 1 } }, /^'start' message\.config\.evil is not a training setting$/],
    [
      { type: 'start', config: { model: 'gan', ganLoss: 'wasserstein' } },
      /config\.ganLoss must be minimax or non-saturating, got "wasserstein"$/,
    ],
    [
      { type: 'start', config: { model: 'cnn' }, extra: true },
      /^'start' message\.extra is not one of its fields \(type, config, placement\)$/,
    ],
    [{ type: 'openRun', id: '../../etc' }, /^'openRun' message\.id must be a run id .*, got "\.\.\/\.\.\/etc"$/],
    [{ type: 'openRun', id: '.hidden' }, /^'openRun' message\.id must be a run id/],
    [{ type: 'exportRun', id: 'a', format: 'xml' }, /format must be csv or json, got "xml"$/],
    [{ type: 'requestSummary', model: 'cnn', causal: 'yes' }, /causal must be true or false, got "yes"$/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parseWebviewMessage(raw),
      (err: unknown) => err instanceof ProtocolError && message.test(err.message),
      JSON.stringify(raw),
    );
  }
});

test('parseTrainConfig keeps only what was given (blank means the preset default)', () => {
  assert.deepEqual(parseTrainConfig({ model: 'cnn' }), { model: 'cnn' });
  assert.deepEqual(parseTrainConfig({ model: 'cnn', preset: 'tiny', epochs: 2, seed: 0, lr: undefined }), {
    model: 'cnn',
    preset: 'tiny',
    epochs: 2,
    seed: 0,
  });
});

function formValues(over: Partial<FormValues>): FormValues {
  return {
    model: 'cnn',
    preset: '',
    dataset: 'synthetic',
    dataDir: '',
    length: '',
    lengthUnit: 'steps',
    batchSize: '',
    lr: '',
    seed: '',
    trainLimit: '',
    ganLoss: 'minimax',
    causal: false,
    backendChoice: 'auto',
    ...over,
  };
}

test('the loop, the panel and the run form hold a setting to one limit, in the same words', () => {
  const choices = panelChoices();
  // [setting, what the loop and the panel see, what the form holds, the form's field, the expectation]
  const cases: [string, number, Partial<FormValues>, string][] = [
    ['seed', -1, { seed: '-1' }, 'a whole number from 0 to 4294967295'],
    ['seed', 2 ** 32, { seed: String(2 ** 32) }, 'a whole number from 0 to 4294967295'],
    ['steps', -5, { length: '-5' }, 'a whole number of at least 0'],
    ['epochs', 0, { length: '0', lengthUnit: 'epochs' }, 'a positive whole number'],
    ['batchSize', 0, { batchSize: '0' }, 'a positive whole number'],
    ['lr', 0, { lr: '0' }, 'a number above 0'],
    ['trainLimit', 1.5, { trainLimit: '1.5' }, 'a positive whole number'],
  ];
  for (const [key, value, typed, expected] of cases) {
    const config = { model: 'cnn', [key]: value };
    assert.throws(
      () => validateConfig(config),
      (e: unknown) => e instanceof ConfigError && e.message === `config.${key} must be ${expected}, got ${value}`,
      `loop ${key}`,
    );
    assert.throws(
      () => parseWebviewMessage({ type: 'start', config }),
      (e: unknown) => e instanceof ProtocolError && e.message === `'start' message.config.${key} must be ${expected}, got ${value}`,
      `panel ${key}`,
    );
    assert.throws(
      () => formToConfig(formValues(typed), choices),
      (e: unknown) => e instanceof FormError && e.message.endsWith(` must be ${expected}, not '${Object.values(typed)[0]}'`),
      `form ${key}`,
    );
  }
  // And what one accepts, all accept: the extremes of each range.
  for (const config of [
    { model: 'cnn', steps: 0 },
    { model: 'cnn', seed: 4294967295 },
    { model: 'cnn', batchSize: 8192, lr: 25, weightDecay: 3 },
  ] as const) {
    assert.deepEqual(validateConfig(config), config);
    assert.deepEqual(parseTrainConfig(config), config);
  }
});

test('isHostMessage recognises the host vocabulary only', () => {
  assert.ok(isHostMessage({ type: 'event', event: { type: 'log', message: 'x' } }));
  assert.ok(isHostMessage({ type: 'speeds', speeds: {} }));
  assert.ok(!isHostMessage({ type: 'something-else' }));
  assert.ok(!isHostMessage({ type: 'toString' }), 'an inherited name is not a message type');
  assert.ok(!isHostMessage('init'));
});

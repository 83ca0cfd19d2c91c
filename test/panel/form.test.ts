import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormError, formToConfig, type FormValues, datasetsFor } from '../../webview/panel/formConfig';
import { panelChoices } from '../../src/extension/panelChoices';
import { modelSummary } from '../../src/training/models/catalog';

const choices = panelChoices();

function values(over: Partial<FormValues>): FormValues {
  return {
    model: 'gan',
    preset: '',
    dataset: 'ring',
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

test('panel choices: every model has presets and a default dataset it can train on, each with a summary', () => {
  assert.deepEqual(
    choices.models.map((m) => m.kind),
    ['cnn', 'gan', 'attention'],
  );
  for (const m of choices.models) {
    assert.ok(m.presets.length > 0, m.kind);
    assert.ok(
      datasetsFor(choices, m.kind).some((d) => d.name === m.defaultDataset),
      `${m.kind} default ${m.defaultDataset}`,
    );
    assert.ok(modelSummary({ model: m.kind, dataset: m.defaultDataset }).totalParams > 0);
  }
  for (const name of ['synthetic', 'ring', 'reverse', 'sort', 'copy', 'mnist', 'fashion-mnist', 'cifar10']) {
    assert.ok(
      choices.datasets.some((d) => d.name === name),
      name,
    );
  }
  assert.ok(choices.datasets.find((d) => d.name === 'cifar10')!.needsDataDir);
});

test('formToConfig: blank fields are left to the preset', () => {
  assert.deepEqual(formToConfig(values({}), choices), { model: 'gan', dataset: 'ring', ganLoss: 'minimax' });
});

test('formToConfig: typed values, run length in steps or epochs', () => {
  assert.deepEqual(
    formToConfig(
      values({
        model: 'cnn',
        preset: 'tiny',
        dataset: 'synthetic',
        length: '3',
        lengthUnit: 'epochs',
        batchSize: '16',
        lr: '0.002',
        seed: '7',
        trainLimit: '500',
        backendChoice: 'reference',
      }),
      choices,
    ),
    {
      model: 'cnn',
      preset: 'tiny',
      dataset: 'synthetic',
      epochs: 3,
      batchSize: 16,
      lr: 0.002,
      seed: 7,
      trainLimit: 500,
      backend: 'reference',
    },
  );
  assert.equal(formToConfig(values({ length: '400' }), choices).steps, 400);
  // 0 steps: the run only evaluates the untrained model, as `gradlens train --steps 0` does.
  assert.equal(formToConfig(values({ length: '0' }), choices).steps, 0);
});

test('formToConfig: the data folder is sent only for datasets read from files; causal only for sequence tasks', () => {
  assert.equal(formToConfig(values({ dataDir: '/data' }), choices).dataDir, undefined);
  assert.equal(formToConfig(values({ model: 'cnn', dataset: 'fashion-mnist', dataDir: ' /data/fm ' }), choices).dataDir, '/data/fm');
  assert.equal(formToConfig(values({ model: 'attention', dataset: 'copy', causal: true }), choices).causal, true);
  assert.equal(formToConfig(values({ model: 'cnn', dataset: 'synthetic', causal: true }), choices).causal, undefined);
});

test('formToConfig: names the faulty field', () => {
  const cases: [Partial<FormValues>, keyof FormValues, RegExp][] = [
    [{ length: '0', lengthUnit: 'epochs' }, 'length', /^Run length must be a positive whole number, not '0'$/],
    [{ length: '-5' }, 'length', /^Run length must be a whole number of at least 0, not '-5'$/],
    [{ batchSize: '12.5' }, 'batchSize', /^Batch size must be a positive whole number, not '12.5'$/],
    [{ lr: 'fast' }, 'lr', /^Learning rate must be a number above 0, not 'fast'$/],
    [{ seed: '-1' }, 'seed', /^Seed must be a whole number from 0 to 4294967295, not '-1'$/],
    [{ dataset: 'sort' }, 'dataset', /'sort' is not a dataset the GAN trains on/],
    [{ preset: 'huge' }, 'preset', /the GAN has no preset 'huge'/],
  ];
  for (const [over, field, message] of cases) {
    assert.throws(
      () => formToConfig(values(over), choices),
      (e: unknown) => e instanceof FormError && e.field === field && message.test(e.message),
      field,
    );
  }
});

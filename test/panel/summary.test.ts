import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryOf } from '../../src/extension/panelSummary';
import { formatVolume } from '../../src/training/summary';

test('Show Model Summary: the course notation gives the course numbers', () => {
  const s = summaryOf('INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10');
  assert.deepEqual(
    s.rows.map((r) => [formatVolume(r.output), r.params]),
    [
      ['32x32x10', 260],
      ['16x16x10', 0],
      ['16x16x10', 2510],
      ['8x8x10', 0],
      ['10', 6410],
    ],
  );
});

test('Show Model Summary: models by name, with a preset after a colon', () => {
  assert.equal(summaryOf('cnn:seed').totalParams, 4_181_002);
  assert.equal(summaryOf(' CNN seed ').totalParams, 4_181_002);
  assert.ok(summaryOf('gan').totalParams > 0);
  assert.ok(summaryOf('attention').rows.length > 0);
});

test('Show Model Summary: anything else is refused with the accepted forms named', () => {
  assert.throws(
    () => summaryOf('resnet50'),
    /'resnet50' is neither a model \(cnn, gan, attention; a preset as cnn:seed\) nor layer notation/,
  );
  assert.throws(() => summaryOf('cnn:huge'), /huge/);
  assert.throws(() => summaryOf('INPUT 32x32x1, CONV5'), /CONV5/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { formatReport, toJsonReport } from '../../src/gradcheck/format';
import type { CheckTarget, LayerReport } from '../../src/gradcheck/types';
import { affine, batchSum, relu } from './layers';

function reports(): LayerReport[] {
  const good = { ...checkTarget(affine(3, 4, 2), { mode: 'full' }), file: 'examples/affine.ts', line: 3 };
  const mean = { ...checkTarget(batchSum(8, 3, 1 / 8), { mode: 'full' }), file: 'examples/affine.ts', line: 20 };
  const thrower: CheckTarget = {
    ...affine(2, 2, 2),
    name: 'broken',
    backward: () => {
      throw new Error('boom');
    },
  };
  const broken = { ...checkTarget(thrower, { mode: 'full' }), file: 'examples/broken.js', line: 1 };
  const kinks = checkTarget(relu([0, 0]), { mode: 'full' });
  const partial = checkTarget(
    affine(3, 4, 2, (g) => [g[0], g[1], null]),
    { mode: 'full' },
  );
  return [good, mean, broken, kinks, partial];
}

test('the text report lists layers, inputs, statuses, diagnoses and worst elements', () => {
  const text = formatReport(reports(), { color: false });
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(text, /✓ affine {2}examples\/affine\.ts:3 {2}full, [\d.]+ ms, 46 forward calls, eps 0\.000001 atol 0\.00001 rtol 0\.001/);
  assert.match(text, /✗ batchSum {2}examples\/affine\.ts:20/);
  assert.match(text, /x\s+FAILED\s+\S+\s+0\.875\s+off by a constant factor of exactly 1\/8 \(N = 8\): a mean where a sum belongs\?/);
  assert.match(text, /worst elements:\n\s+\[\d+,\d+\] {2}analytic -?[\d.e-]+ {2}numeric -?[\d.e-]+/);
  assert.match(text, /✗ broken {2}examples\/broken\.js:1.*\n {4}error: backward threw: boom/);
  assert.match(text, /x\s+at kinks\s+every element of x sits at a kink/);
  assert.match(text, /b\s+not checked\s+not checked: backward returned no gradient for b/);
  assert.match(text, /5 layers: 2 passed, 2 failed, 1 could not run$/);
});

test('colour is ANSI and only when asked for', () => {
  const text = formatReport(reports(), { color: true });
  assert.match(text, /\x1b\[32m✓\x1b\[0m/);
  assert.match(text, /\x1b\[31mFAILED\s*\x1b\[0m/);
  // Columns line up the same with and without colour.
  const strip = (s: string) => s.replace(/\x1b\[\d+m/g, '');
  assert.equal(strip(text).replace(/[\d.]+ ms/g, ''), formatReport(reports(), { color: false }).replace(/[\d.]+ ms/g, ''));
});

test('the JSON report follows the CLI schema', () => {
  const json = JSON.parse(JSON.stringify(toJsonReport(reports())));
  assert.deepEqual(Object.keys(json), ['layers']);
  assert.equal(json.layers.length, 5);
  for (const layer of json.layers) {
    assert.equal(typeof layer.name, 'string');
    assert.equal(typeof layer.passed, 'boolean');
    assert.ok('file' in layer && 'line' in layer);
    assert.ok(Array.isArray(layer.inputs));
    for (const input of layer.inputs) {
      assert.ok(['passed', 'failed', 'not-checked', 'kink'].includes(input.status));
      assert.equal(typeof input.name, 'string');
      assert.ok(input.maxAbsError === null || typeof input.maxAbsError === 'number');
      assert.ok(input.maxRelError === null || typeof input.maxRelError === 'number');
      for (const w of input.worst) {
        assert.ok(Array.isArray(w.index));
        assert.ok('analytic' in w && 'numeric' in w);
      }
    }
  }
  const [good, mean, broken] = json.layers;
  assert.equal(good.file, 'examples/affine.ts');
  assert.equal(good.line, 3);
  assert.equal(good.passed, true);
  assert.equal(good.error, undefined);
  assert.equal(good.inputs[0].diagnosis, undefined);
  assert.match(mean.inputs[0].diagnosis, /exactly 1\/8/);
  assert.equal(mean.inputs[0].worst.length, 5);
  assert.equal(broken.error, 'backward threw: boom');
  assert.deepEqual(broken.inputs, []);
  assert.deepEqual(Object.keys(good).slice(0, 5), ['name', 'file', 'line', 'passed', 'inputs']);
});

test('non-finite numbers become null in JSON', () => {
  const nan = checkTarget(
    affine(2, 2, 2, (g) => [{ data: Float64Array.from([NaN, 0, 0, 0]), shape: [2, 2] }, g[1], g[2]]),
    { mode: 'full' },
  );
  const json = toJsonReport([nan]);
  assert.equal(json.layers[0].inputs[0].maxAbsError, null);
  assert.equal(json.layers[0].inputs[0].worst[0].analytic, null);
  assert.doesNotMatch(JSON.stringify(json), /:(NaN|-?Infinity)\b/);
});

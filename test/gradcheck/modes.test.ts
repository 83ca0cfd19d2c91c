import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { samplePositions } from '../../src/gradcheck/sampling';
import { Rng } from '../../src/engine/rng';
import type { FlatTensor } from '../../src/gradcheck/types';
import { affine, batchSum, linearRelu, relu } from './layers';

const neg = (g: FlatTensor | null): FlatTensor => ({ data: g!.data.map((v) => -v), shape: g!.shape });

test('fast mode passes a correct layer with a few forward calls', () => {
  const report = checkTarget(affine(4, 5, 3), { mode: 'fast' });
  assert.equal(report.passed, true);
  assert.equal(report.forwardCalls, 2 + 3 * 2 * 2);
  for (const input of report.inputs) {
    assert.equal(input.status, 'passed');
    assert.equal(input.projections, 2);
    assert.equal(input.checkedCount, 2);
    assert.equal(input.fastFallback, undefined);
    assert.equal(input.numeric, undefined);
    assert.ok(input.maxAbsError < 1e-8);
  }
  const more = checkTarget(linearRelu(8, 64, 32), { mode: 'fast', projections: 4 });
  assert.equal(more.passed, true);
  assert.equal(more.forwardCalls, 2 + 3 * 4 * 2);
});

test('fast mode falls back to a full check to say where a wrong input is wrong', () => {
  const report = checkTarget(
    affine(4, 5, 3, (g) => [g[0], neg(g[1]), g[2]]),
    { mode: 'fast' },
  );
  assert.equal(report.passed, false);
  const [x, w, b] = report.inputs;
  assert.equal(x.status, 'passed');
  assert.equal(b.status, 'passed');
  assert.equal(w.status, 'failed');
  assert.equal(w.fastFallback, true);
  assert.equal(w.checkedCount, 15);
  assert.match(w.diagnosis ?? '', /^sign flipped/);
  assert.equal(w.numeric?.length, 15);
  // x and b: 2 projections each; w: its first projection failed, then 2 per element.
  assert.equal(report.forwardCalls, 2 + 4 + 2 + 2 * 15 + 4);
});

test('fast mode sends NaN gradients and kinks to the full check', () => {
  const nan = checkTarget(
    affine(2, 2, 2, (g) => [{ data: Float64Array.from([1, NaN, 0, 0]), shape: [2, 2] }, g[1], g[2]]),
    { mode: 'fast' },
  );
  assert.equal(nan.inputs[0].status, 'failed');
  assert.match(nan.inputs[0].diagnosis ?? '', /NaN at 1 of 4 elements \(first at \[0,1\]\)/);
  const kinks = checkTarget(relu([0, 0, 0]), { mode: 'fast' });
  assert.equal(kinks.inputs[0].status, 'kink');
  assert.equal(kinks.inputs[0].fastFallback, true);
  assert.equal(kinks.passed, false);
});

test('sparse mode checks a seeded sample of each input and says so', () => {
  const report = checkTarget(affine(20, 30, 4), { mode: 'sparse', sampleSize: 10, seed: 9 });
  assert.equal(report.passed, true);
  const [x, w, b] = report.inputs;
  assert.deepEqual([x.checkedCount, w.checkedCount, b.checkedCount], [10, 10, 4]);
  assert.equal(x.sampled, true);
  assert.equal(w.sampled, true);
  assert.equal(b.sampled, undefined);
  assert.equal(x.numeric, undefined);
  assert.equal(b.numeric?.length, 4);
  assert.equal(report.forwardCalls, 2 + 2 * 24);
});

test('sparse mode still diagnoses a wrong input from its sample', () => {
  const flipped = checkTarget(
    affine(20, 30, 4, (g) => [neg(g[0]), g[1], g[2]]),
    { mode: 'sparse', sampleSize: 12 },
  );
  assert.equal(flipped.inputs[0].status, 'failed');
  assert.match(flipped.inputs[0].diagnosis ?? '', /^sign flipped/);
  const mean = checkTarget(batchSum(16, 16, 1 / 16), { mode: 'sparse', sampleSize: 20 });
  assert.match(mean.inputs[0].diagnosis ?? '', /exactly 1\/16 \(N = 16\)/);
});

test('sparse samples are distinct, ascending, in range and reproducible', () => {
  const a = samplePositions(1000, 50, new Rng(4));
  const b = samplePositions(1000, 50, new Rng(4));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 50);
  for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
  assert.ok(a[0] >= 0 && a[49] < 1000);
  assert.notDeepEqual(samplePositions(1000, 50, new Rng(5)), a);
  assert.deepEqual(Array.from(samplePositions(3, 10, new Rng(1))), [0, 1, 2]);
  assert.equal(
    checkTarget(affine(2, 2, 2), { mode: 'sparse', sampleSize: 0 }).error,
    'invalid check options: sampleSize must be a positive integer, got 0',
  );
});

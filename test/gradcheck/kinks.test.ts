import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { differences, looksLikeKink, recheck } from '../../src/gradcheck/kinks';
import { DEFAULT_TOLERANCE } from '../../src/gradcheck/types';
import type { CheckTarget, FlatTensor } from '../../src/gradcheck/types';
import { flat, linearRelu, maxPool, relu, square } from './layers';

const full = { mode: 'full' as const };
// Some within eps (1e-6) of the kink at 0, one exactly on it, the rest far away.
const nearKinks = [1e-7, -3e-7, 0, 5e-7, 2e-8, 0.8, -1.3, 0.4, -0.2, 1.7];

test('a correct ReLU evaluated at and near its kink passes, its kinks within the one-sided slopes', () => {
  const report = checkTarget(relu(nearKinks), full);
  const x = report.inputs[0];
  assert.equal(x.status, 'passed', x.diagnosis);
  assert.equal(report.passed, true);
  // 0 and 2e-8 sit within eps/10 of the kink; 1e-7, -3e-7 and 5e-7 are resolved at eps/10.
  assert.equal(x.kinkCount, 2);
  assert.equal(x.checkedCount, 10);
  // Only the five suspicious elements cost extra forward calls.
  assert.equal(report.forwardCalls, 2 + 2 * 10 + 2 * 5);
});

test('a wrong ReLU is still caught near its kinks', () => {
  const ungated = checkTarget(
    relu(nearKinks, () => true),
    full,
  );
  assert.equal(ungated.passed, false);
  assert.equal(ungated.inputs[0].status, 'failed');
  // -3e-7 is wrong too: at eps/10 it is clear of the kink, where the slope is 0.
  const wrongAt = ungated.inputs[0].worst.map((w) => w.index[0]).sort();
  assert.ok(wrongAt.includes(1) && wrongAt.includes(6) && wrongAt.includes(8), String(wrongAt));
  assert.equal(
    checkTarget(
      relu(nearKinks, (x) => x < 0),
      full,
    ).passed,
    false,
  );
});

test('an input whose every element is at a kink is "kink", and the layer does not pass', () => {
  const report = checkTarget(relu([0, 0, 0, 0]), full);
  assert.equal(report.inputs[0].status, 'kink');
  assert.equal(report.inputs[0].kinkCount, 4);
  assert.match(report.inputs[0].diagnosis ?? '', /every element of x sits at a kink/);
  assert.equal(report.passed, false);
});

// Window (0,0) has a two-way tie, window (0,1) a four-way tie, the others none.
const pooled = [2, 2, 1, 1, 1, 0.5, 1, 1, 0.3, -0.7, 1.2, 2.5, 1.9, 0.1, -0.4, 0.6];

test('a correct max-pool with ties passes: tied elements are kinks', () => {
  const report = checkTarget(maxPool(pooled, 4, 4), full);
  const x = report.inputs[0];
  assert.equal(x.status, 'passed', x.diagnosis);
  assert.equal(report.passed, true);
  assert.equal(x.kinkCount, 6);
});

test('a wrong max-pool (always the top-left element) is caught despite the ties', () => {
  const report = checkTarget(
    maxPool(pooled, 4, 4, () => 0),
    full,
  );
  assert.equal(report.passed, false);
  assert.equal(report.inputs[0].status, 'failed');
  const wrong = report.inputs[0].worst.filter((w) => Math.abs(w.analytic - w.numeric) > 1e-3).map((w) => w.index.join(','));
  assert.deepEqual(wrong.sort(), ['2,0', '2,2', '2,3', '3,0']);
});

test('a correct Linear+ReLU with pre-activations exactly at 0 passes', () => {
  const target = linearRelu(4, 6, 5, 11);
  const [x, w, b] = target.inputs;
  // Shift b so that z[0,1] and z[2,3] are 0: every x[0,:], x[2,:], w[:,1], w[:,3], b[1], b[3] crosses a kink.
  for (const [i, j] of [
    [0, 1],
    [2, 3],
  ]) {
    let z = b.data[j];
    for (let k = 0; k < 6; k++) z += x.data[i * 6 + k] * w.data[k * 5 + j];
    b.data[j] -= z;
  }
  const report = checkTarget(target, full);
  assert.equal(report.passed, true, JSON.stringify(report.inputs.map((i) => [i.status, i.diagnosis])));
  assert.ok(report.inputs.every((i) => i.kinkCount > 0));
  assert.ok(report.inputs.every((i) => i.kinkCount < i.checkedCount));
});

test('curvature is not mistaken for a kink', () => {
  const shape = [6];
  const values = [-1, 0.3, 1.2, 1.9, 2.4, 0];
  const steep: CheckTarget = {
    name: 'exp3',
    inputNames: ['x'],
    inputs: [flat(values, shape)],
    forward: ([x]) => ({ out: { data: x.data.map((v) => Math.exp(3 * v)), shape }, cache: null }),
    backward: ([x], dout) => [{ data: x.data.map((v, i) => 3 * Math.exp(3 * v) * dout.data[i]), shape }],
  };
  const report = checkTarget(steep, full);
  assert.equal(report.passed, true, report.inputs[0].diagnosis);
  assert.equal(report.inputs[0].kinkCount, 0);
});

test('smooth layers pay nothing for kink detection', () => {
  const report = checkTarget(square(5, 6), full);
  assert.equal(report.forwardCalls, 2 + 2 * 30);
});

test('kink classification', () => {
  const tol = DEFAULT_TOLERANCE;
  // Slopes 1 and 0 either side of a kink 2e-8 away: still there at eps/10.
  const atKink = differences(1e-6 + 2e-8, 0, 2e-8, 1e-6);
  assert.ok(looksLikeKink(atKink, tol));
  assert.equal(recheck(atKink, differences(1e-7 + 2e-8, 0, 2e-8, 1e-7), tol).kink, true);
  // A kink 5e-7 away: gone at eps/10, and the fine estimate is the true slope.
  const near = differences(1.5e-6, 0, 5e-7, 1e-6);
  const verdict = recheck(near, differences(6e-7, 4e-7, 5e-7, 1e-7), tol);
  assert.equal(verdict.kink, false);
  assert.ok(Math.abs(verdict.numeric - 1) < 1e-9);
  // Smooth f(t) = 5000 t² + t: the one-sided gap shrinks tenfold with eps.
  const f = (t: number) => 5000 * t * t + t;
  const coarse = differences(f(1e-6), f(-1e-6), 0, 1e-6);
  assert.ok(looksLikeKink(coarse, tol));
  assert.equal(recheck(coarse, differences(f(1e-7), f(-1e-7), 0, 1e-7), tol).kink, false);
});

test('an ungated ReLU backward is diagnosed as a missing mask', () => {
  const values = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? -0.5 - i : 0.3 + i));
  const report = checkTarget(
    relu(values, () => true),
    full,
  );
  assert.equal(report.inputs[0].status, 'failed');
  assert.match(
    report.inputs[0].diagnosis ?? '',
    /^the analytic gradient is nonzero at 4 of 12 elements where the numeric one is zero: a missing mask/,
  );
});

/** A ReLU whose backward passes `atKink` times the upstream gradient where x is exactly 0. */
function reluAtKink(values: number[], atKink: number): CheckTarget {
  const target = relu(values);
  return {
    ...target,
    backward: ([x], dout) => [{ data: x.data.map((v, i) => (v > 0 ? 1 : v === 0 ? atKink : 0) * dout.data[i]), shape: x.shape }],
  };
}

/** The same target answering every perturbation in one call, as a Python layer does. */
function batched(target: CheckTarget): CheckTarget {
  return {
    ...target,
    valuesAlong(inputs: FlatTensor[], index: number, positions: Int32Array, step: number, upstream: Float64Array) {
      const along = (sign: number) =>
        Float64Array.from(positions, (j) => {
          const moved = inputs.map((t) => ({ data: Float64Array.from(t.data), shape: t.shape }));
          moved[index].data[j] += sign * step;
          const out = target.forward(moved).out.data;
          return out.reduce((l, v, i) => l + v * upstream[i], 0);
        });
      return { plus: along(1), minus: along(-1) };
    },
  };
}

const withKink = [0.5, -0.5, 0, 1.2];

for (const [how, wrap] of [
  ['element by element', (t: CheckTarget) => t],
  ['batched (valuesAlong)', batched],
] as const) {
  test(`at a kink, any subgradient between the one-sided slopes passes (${how})`, () => {
    for (const atKink of [0, 0.5, 1]) {
      const report = checkTarget(wrap(reluAtKink(withKink, atKink)), full);
      assert.equal(report.inputs[0].status, 'passed', `${atKink}: ${report.inputs[0].diagnosis}`);
      assert.equal(report.inputs[0].kinkCount, 1);
    }
  });

  test(`at a kink, a value outside the one-sided slopes fails and says so (${how})`, () => {
    for (const atKink of [2, -0.5]) {
      const report = checkTarget(wrap(reluAtKink(withKink, atKink)), full);
      const x = report.inputs[0];
      assert.equal(x.status, 'failed');
      assert.equal(report.passed, false);
      // The upstream gradient R scales both slopes: they are 0 and R[2], in either order.
      assert.match(
        x.diagnosis ?? '',
        /^at a kink of x\[2\]: analytic -?[\d.e-]+ is outside the one-sided slopes \[-?[\d.e-]+, -?[\d.e-]+\]$/,
      );
      const [, analytic, low, high] = /analytic (\S+) is outside the one-sided slopes \[(\S+), (\S+)\]/.exec(x.diagnosis ?? '') ?? [];
      assert.ok(Number(low) <= Number(high));
      assert.ok(Number(low) === 0 || Number(high) === 0, x.diagnosis);
      assert.ok(Number(analytic) < Number(low) || Number(analytic) > Number(high), x.diagnosis);
      assert.ok(x.maxAbsError > 0);
    }
  });
}

test('a kink failure among smooth failures is named after the smooth diagnosis', () => {
  const target = relu([0.5, -0.5, 0, 1.2, 0.7, 2.1, 0.9, 1.4, 3, 0.2]);
  const report = checkTarget(
    { ...target, backward: ([x], dout) => [{ data: x.data.map((v, i) => (v >= 0 ? -1 : 0) * dout.data[i]), shape: x.shape }] },
    full,
  );
  assert.match(report.inputs[0].diagnosis ?? '', /; and at a kink of x\[2\]: analytic .* is outside the one-sided slopes/);
});

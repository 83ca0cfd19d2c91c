import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smoothEma } from '../../webview/panel/smoothing';
import { alignSeries, positiveOnly, thinIndices } from '../../webview/panel/align';
import { lossLines } from '../../webview/panel/chartsView';
import { emptyRun } from '../../webview/panel/runState';
import { formatDuration, formatInt, formatMetric } from '../../webview/panel/format';
import { diverging, range, sequential, withAlpha } from '../../webview/shared/colour';

test('smoothEma: bias-corrected, so a constant series stays constant from the first point', () => {
  assert.deepEqual(
    smoothEma([2, 2, 2, 2], 0.9).map((v) => Number(v!.toFixed(12))),
    [2, 2, 2, 2],
  );
});

test('smoothEma: hand-computed values for weight 0.5', () => {
  // avg1 = 0.5*4 = 2 -> 2/(1-0.5) = 4; avg2 = 0.5*2 + 0.5*0 = 1 -> 1/(1-0.25) = 4/3
  const [a, b] = smoothEma([4, 0], 0.5);
  assert.equal(a, 4);
  assert.ok(Math.abs(b! - 4 / 3) < 1e-12);
});

test('smoothEma: weight 0 returns the data; gaps and NaN stay gaps and do not poison later points', () => {
  assert.deepEqual(smoothEma([1, 5, 3], 0), [1, 5, 3]);
  const out = smoothEma([1, null, NaN, 1], 0.8);
  assert.equal(out[1], null);
  assert.equal(out[2], null);
  assert.ok(Math.abs(out[3]! - 1) < 1e-12);
});

test('smoothEma: refuses a weight outside [0, 1)', () => {
  assert.throws(() => smoothEma([1], 1), /weight must be in \[0, 1\), got 1/);
  assert.throws(() => smoothEma([1], -0.1), /got -0.1/);
});

test('alignSeries: merges runs onto the union of their steps with nulls where a run has no value', () => {
  const [x, a, b] = alignSeries([
    { x: [1, 2, 4], y: [10, 20, 40] },
    { x: [2, 3], y: [0.2, 0.3] },
  ]);
  assert.deepEqual(x, [1, 2, 3, 4]);
  assert.deepEqual(a, [10, 20, null, 40]);
  assert.deepEqual(b, [null, 0.2, 0.3, null]);
});

test("alignSeries: runs of different lengths chart together; a run's own gaps stay gaps", () => {
  const long = { x: Array.from({ length: 6 }, (_, i) => i * 10), y: [6, 5, 4, null, 2, 1] };
  const short = { x: [5, 10], y: [0.5, 0.4] };
  const [x, a, b] = alignSeries([long, short]);
  assert.deepEqual(x, [0, 5, 10, 20, 30, 40, 50]);
  assert.deepEqual(a, [6, null, 5, 4, null, 2, 1]);
  assert.deepEqual(b, [null, 0.5, 0.4, null, null, null, null]);
  assert.deepEqual(alignSeries([short]), [
    [5, 10],
    [0.5, 0.4],
  ]);
  assert.deepEqual(alignSeries([]), [[]]);
});

test("an overlaid run with fewer, different steps shares the live run's x axis; each has gaps where the other logged", () => {
  const live = { ...emptyRun(), steps: [1, 2, 3, 4, 5], loss: [5, 4, 3, 2, 1] };
  const earlier = { ...emptyRun(), steps: [2, 4, 6], loss: [6, 4, 2] };
  const lines = lossLines(live, [{ id: 'earlier', label: 'earlier run', view: earlier }], { smoothing: 0, logScale: false });
  assert.deepEqual(
    lines.map((l) => l.spec.label),
    ['loss', 'loss (smoothed)', 'earlier run'],
  );
  const [x, raw, smoothed, overlay] = alignSeries(lines.map((l) => l.series));
  assert.deepEqual(x, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(raw, [5, 4, 3, 2, 1, null]);
  assert.deepEqual(smoothed, raw);
  assert.deepEqual(overlay, [null, 6, null, 4, null, 2]);
});

test('alignSeries: names the series whose x and y lengths differ', () => {
  assert.throws(
    () =>
      alignSeries([
        { x: [1], y: [1] },
        { x: [1, 2], y: [1] },
      ]),
    /series 1 has 2 x values but 1 y values/,
  );
});

test('positiveOnly: a log axis gets gaps for zero, negative and non-finite values', () => {
  assert.deepEqual(positiveOnly([1, 0, -2, Infinity, null, 0.5]), [1, null, null, null, null, 0.5]);
});

test('thinIndices: at most about maxPoints, always first and last', () => {
  assert.deepEqual(thinIndices(5, 10), [0, 1, 2, 3, 4]);
  const idx = thinIndices(10001, 1000);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], 10000);
  assert.ok(idx.length <= 1001, `${idx.length} points`);
  assert.ok(idx.every((v, i) => i === 0 || v > idx[i - 1]));
});

test('formatInt and formatMetric', () => {
  assert.equal(formatInt(4181002), '4,181,002');
  assert.equal(formatMetric(0.91234), '0.912');
  assert.equal(formatMetric(0.00001234), '1.23e-5');
  assert.equal(formatMetric(null), '—');
});

test('formatDuration', () => {
  assert.equal(formatDuration(4_400), '4s');
  assert.equal(formatDuration(75_000), '1m 15s');
  assert.equal(formatDuration(3_725_000), '1h 02m');
  assert.equal(formatDuration(NaN), '—');
});

test('colour maps: ends and middle of the scales; range of flat data is safe to divide by', () => {
  assert.deepEqual(sequential(0), [68, 1, 84]);
  assert.deepEqual(sequential(1), [253, 231, 37]);
  assert.deepEqual(diverging(0.5), [240, 240, 240]);
  assert.deepEqual(sequential(NaN), sequential(0));
  assert.deepEqual(range([3, 3, 3]), [3, 4]);
  assert.deepEqual(range([NaN, -1, 2]), [-1, 2]);
  assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
  assert.equal(withAlpha(' rgb(1, 2, 3)', 0.25), 'rgba(1, 2, 3, 0.25)');
  assert.equal(withAlpha('var(--unknown)', 0.5), 'var(--unknown)');
});

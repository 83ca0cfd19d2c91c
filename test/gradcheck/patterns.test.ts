import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elementPasses } from '../../src/gradcheck/compare';
import { diagnose } from '../../src/gradcheck/diagnosis';
import { Rng } from '../../src/engine/rng';
import { DEFAULT_TOLERANCE } from '../../src/gradcheck/types';

const tol = DEFAULT_TOLERANCE;

/** The diagnosis for an analytic gradient made from a random numeric one by `wrong`. */
function diagnosisOf(shape: number[], wrong: (numeric: Float64Array, at: (...index: number[]) => number) => Float64Array): string {
  const n = shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(7);
  const numeric = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  const at = (...index: number[]) => index.reduce((flat, i, d) => flat * shape[d] + i, 0);
  const analytic = wrong(numeric, at);
  const positions = Int32Array.from({ length: n }, (_, j) => j);
  const failing = positions.filter((j) => !elementPasses(analytic[j], numeric[j], tol));
  return diagnose({
    name: 'W',
    shape,
    analytic,
    numeric,
    kink: new Uint8Array(n),
    slopes: new Float64Array(2 * n),
    positions,
    failing,
    complete: true,
    tol,
  });
}

/** Moves `values` along the last axis of a [rows, cols] tensor by `by`, rolled round or with zeros. */
function shiftColumns(values: Float64Array, rows: number, cols: number, by: number, roll: boolean): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let from = c - by;
      if (roll) from = (from + cols) % cols;
      out[r * cols + c] = from < 0 || from >= cols ? 0 : values[r * cols + from];
    }
  }
  return out;
}

test('a gradient rolled round along an axis is named as a shift', () => {
  assert.equal(
    diagnosisOf([3, 5], (g) => shiftColumns(g, 3, 5, 1, true)),
    'the analytic gradient is the numeric one shifted by +1 along axis 1 (rolled round): an index off by 1?',
  );
});

test('a gradient shifted with zeros coming in is named as a shift', () => {
  assert.equal(
    diagnosisOf([6], (g) => shiftColumns(g, 1, 6, -2, false)),
    'the analytic gradient is the numeric one shifted by -2 (with zeros coming in): an index off by 2?',
  );
});

test('near miss: a shift that fails at one element is not named', () => {
  const d = diagnosisOf([3, 5], (g) => {
    const out = shiftColumns(g, 3, 5, 1, true);
    out[7] += 0.3;
    return out;
  });
  assert.doesNotMatch(d, /shifted/);
});

test('one factor per row is named, with the rows and their factors', () => {
  const factors = [1, 2, 0.5, 1];
  const d = diagnosisOf([4, 3], (g) => g.map((v, j) => v * factors[Math.floor(j / 3)]));
  assert.equal(
    d,
    'the analytic gradient is right up to one factor per row: row 1 × 2, row 2 × 0.5: a per-row scale (a norm, a count) applied or left out?',
  );
});

test('one factor per column is named', () => {
  const factors = [3, 1, -1, 1.5];
  assert.match(
    diagnosisOf([3, 4], (g) => g.map((v, j) => v * factors[j % 4])),
    /^the analytic gradient is right up to one factor per column: column 0 × 3, column 2 × -1, column 3 × 1\.5:/,
  );
});

test('near miss: per-row factors broken at one element are not named', () => {
  const factors = [1, 2, 0.5, 1];
  const d = diagnosisOf([4, 3], (g) => {
    const out = g.map((v, j) => v * factors[Math.floor(j / 3)]);
    out[4] *= 1.1;
    return out;
  });
  assert.doesNotMatch(d, /one factor per/);
});

test('one factor for the whole tensor stays a constant factor, not a per-row one', () => {
  assert.match(
    diagnosisOf([4, 3], (g) => g.map((v) => 2 * v)),
    /^off by a constant factor of exactly 2x/,
  );
});

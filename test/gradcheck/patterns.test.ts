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

/** Analytic row (or column) i holds the numeric one's row (column) from[i]. */
function permuteAxis(values: Float64Array, rows: number, cols: number, axis: 0 | 1, from: number[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = axis === 0 ? values[from[r] * cols + c] : values[r * cols + from[c]];
  }
  return out;
}

test('two rows swapped are named, with the rows', () => {
  assert.equal(
    diagnosisOf([4, 3], (g) => permuteAxis(g, 4, 3, 0, [0, 3, 2, 1])),
    'the analytic gradient is the numeric one with rows 1 and 3 swapped: two indices mixed up?',
  );
});

test('two columns swapped, and the two elements of an axis of two, are named as swaps', () => {
  assert.equal(
    diagnosisOf([3, 5], (g) => permuteAxis(g, 3, 5, 1, [2, 1, 0, 3, 4])),
    'the analytic gradient is the numeric one with columns 0 and 2 swapped: two indices mixed up?',
  );
  assert.equal(
    diagnosisOf([2, 4], (g) => permuteAxis(g, 2, 4, 0, [1, 0])),
    'the analytic gradient is the numeric one with rows 0 and 1 swapped: two indices mixed up?',
  );
});

test('rows in reverse order are named as such', () => {
  assert.equal(
    diagnosisOf([5, 3], (g) => permuteAxis(g, 5, 3, 0, [4, 3, 2, 1, 0])),
    'the analytic gradient is the numeric one with its rows in reverse order: an index counted from the wrong end (n - 1 - i)?',
  );
});

test('any other reordering of the rows is named, listing where each moved row came from', () => {
  assert.equal(
    diagnosisOf([6, 2], (g) => permuteAxis(g, 6, 2, 0, [0, 4, 1, 3, 2, 5])),
    "the analytic gradient is the numeric one with its rows reordered (row 1 holds row 4's, row 2 holds row 1's and row 4 holds row 2's): an index mapped to the wrong row?",
  );
});

test('elements of a vector swapped, and slices of a leading axis swapped', () => {
  assert.equal(
    diagnosisOf([5], (g) => permuteAxis(g, 1, 5, 1, [0, 1, 4, 3, 2])),
    'the analytic gradient is the numeric one with elements 2 and 4 swapped: two indices mixed up?',
  );
  // [3, 2, 2]: the first and last 2×2 planes trade places.
  assert.equal(
    diagnosisOf([3, 2, 2], (g) => permuteAxis(g, 3, 4, 0, [2, 1, 0])),
    'the analytic gradient is the numeric one with slices 0 and 2 along axis 0 swapped: two indices mixed up?',
  );
});

test('near miss: a swap broken at one element, or a reordering that needs a row twice, is not named', () => {
  const broken = diagnosisOf([4, 3], (g) => {
    const out = permuteAxis(g, 4, 3, 0, [0, 3, 2, 1]);
    out[4] += 0.2;
    return out;
  });
  assert.doesNotMatch(broken, /swapped|reordered|reverse/);
  // Rows 1 and 2 both hold row 3's values: no one-to-one reordering explains it.
  const twice = diagnosisOf([4, 3], (g) => permuteAxis(g, 4, 3, 0, [0, 3, 3, 1]));
  assert.doesNotMatch(twice, /swapped|reordered|reverse/);
});

test('near miss: a row copied where another belongs, zeros left behind, is not a reordering', () => {
  // Row 2 holds row 1's values and row 1 is zero: no row of the numeric gradient is zero to have moved there.
  const d = diagnosisOf([4, 3], (g) => permuteAxis(g, 4, 3, 0, [0, 1, 1, 3]).map((v, j) => (Math.floor(j / 3) === 1 ? 0 : v)));
  assert.doesNotMatch(d, /swapped|reordered|reverse/);
});

test('a gradient turned 180° in its last two axes is named as a flipped kernel', () => {
  const turned = (g: Float64Array) => {
    const plane = 9;
    return g.map((_, j) => g[j - (j % plane) + (plane - 1 - (j % plane))]);
  };
  assert.equal(
    diagnosisOf([2, 3, 3], turned),
    'the analytic gradient is the numeric one turned 180° in its last two axes (flipped along both): a kernel flipped, a convolution where a cross-correlation belongs?',
  );
  const nearMiss = diagnosisOf([2, 3, 3], (g) => {
    const out = turned(g);
    out[10] *= 1.05;
    return out;
  });
  assert.doesNotMatch(nearMiss, /turned|flipped/);
});

test('errors on the diagonal only are named as the diagonal', () => {
  assert.equal(
    diagnosisOf([4, 4], (g) => g.map((v, j) => (j % 5 === 0 ? 2 * v : v))),
    'wrong only on the diagonal W[i, i] (4 of its 4 elements); the rest matches: the i = j term (a Kronecker delta) left out or counted twice?',
  );
  // One step above it, in every plane of a 3-D tensor, the diagonal's terms missing.
  const above = diagnosisOf([2, 4, 5], (g) => g.map((v, j) => ((j % 5) - (Math.floor(j / 5) % 4) === 1 ? 0 : v)));
  assert.equal(
    above,
    'wrong only on one diagonal W[..., i, i + 1] (8 of its 8 elements); the rest matches (the analytic gradient is zero there)',
  );
});

test('near miss: the diagonal plus one element off it is not named as the diagonal', () => {
  const d = diagnosisOf([4, 4], (g) => g.map((v, j) => (j % 5 === 0 || j === 7 ? 2 * v : v)));
  assert.doesNotMatch(d, /diagonal/);
});

test('errors in one block are named with its index ranges', () => {
  const inBlock = (j: number) => {
    const r = Math.floor(j / 6);
    const c = j % 6;
    return r >= 1 && r < 3 && c >= 2 && c < 5;
  };
  assert.equal(
    diagnosisOf([6, 6], (g) => g.map((v, j) => (inBlock(j) ? -v : v))),
    'wrong only in the block W[1:3, 2:5] (6 of its 6 elements; W has shape [6, 6]); the rest matches: one part of a concatenated or split tensor handled wrong?',
  );
  assert.equal(
    diagnosisOf([10], (g) => g.map((v, j) => (j >= 3 && j < 7 ? 0 : v))),
    'wrong only in the range W[3:7] (4 of its 4 elements; W has shape [10]); the rest matches: one part of a concatenated or split tensor handled wrong? (the analytic gradient is zero there)',
  );
});

test('near miss: a block with one more error far from it is not named as a block', () => {
  const d = diagnosisOf([6, 6], (g) =>
    g.map((v, j) => {
      const r = Math.floor(j / 6);
      const c = j % 6;
      return (r >= 1 && r < 3 && c >= 2 && c < 5) || j === 30 ? -v : v;
    }),
  );
  assert.doesNotMatch(d, /block/);
});

test('near miss: a transpose broken at one element is not named', () => {
  const d = diagnosisOf([4, 4], (g) => {
    const t = g.map((_, j) => g[(j % 4) * 4 + Math.floor(j / 4)]);
    t[6] += 0.5;
    return t;
  });
  assert.doesNotMatch(d, /transpose/);
});

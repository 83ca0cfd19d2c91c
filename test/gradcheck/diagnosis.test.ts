import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { describeFactor, simpleFraction } from '../../src/gradcheck/diagnosis';
import type { FlatTensor, InputReport, LayerReport } from '../../src/gradcheck/types';
import { Rng } from '../../src/engine/rng';
import { affine, batchSum, square } from './layers';

const full = { mode: 'full' as const };

function only(report: LayerReport, name: string): InputReport {
  const input = report.inputs.find((i) => i.name === name);
  assert.ok(input, `no input ${name}`);
  return input;
}

function failedWith(report: LayerReport, name: string, pattern: RegExp): void {
  assert.equal(report.error, undefined, report.error);
  assert.equal(report.passed, false);
  const input = only(report, name);
  assert.equal(input.status, 'failed');
  assert.match(input.diagnosis ?? '(none)', pattern);
}

const scaled = (g: FlatTensor | null, k: number): FlatTensor => ({ data: g!.data.map((v) => v * k), shape: g!.shape });

test('a transposed dW of a square weight is named as a transpose', () => {
  const report = checkTarget(
    affine(6, 4, 4, (g) => {
      const dw = g[1]!;
      const t = new Float64Array(16);
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) t[c * 4 + r] = dw.data[r * 4 + c];
      return [g[0], { data: t, shape: [4, 4] }, g[2]];
    }),
    full,
  );
  failedWith(report, 'w', /transpose of the right one/);
  assert.equal(only(report, 'x').status, 'passed');
  assert.equal(only(report, 'b').status, 'passed');
});

test('a transposed dW of a non-square weight is a wrong shape, naming both shapes and the transpose', () => {
  const report = checkTarget(
    affine(6, 5, 3, (g) => {
      const dw = g[1]!;
      const t = new Float64Array(15);
      for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) t[c * 5 + r] = dw.data[r * 3 + c];
      return [g[0], { data: t, shape: [3, 5] }, g[2]];
    }),
    full,
  );
  failedWith(
    report,
    'w',
    /^wrong shape: the analytic gradient has shape \[3, 5\], but w has shape \[5, 3\]; its values are the transpose of the right gradient$/,
  );
});

test('a wrong shape is found before any comparison', () => {
  const report = checkTarget(
    affine(4, 3, 3, (g) => [g[0], g[1], { data: g[2]!.data, shape: [1, 3] }]),
    full,
  );
  failedWith(report, 'b', /^wrong shape: the analytic gradient has shape \[1, 3\], but b has shape \[3\]$/);
  const short = checkTarget(
    affine(4, 3, 3, (g) => [g[0], g[1], { data: g[2]!.data.subarray(0, 2), shape: [2] }]),
    full,
  );
  failedWith(short, 'b', /has shape \[2\], but b has shape \[3\]/);
  // Only the other inputs were differentiated.
  assert.equal(short.forwardCalls, 2 + 2 * (12 + 9));
});

test('a mean where a sum belongs: exactly 1/N', () => {
  const report = checkTarget(batchSum(8, 5, 1 / 8), full);
  failedWith(report, 'x', /^off by a constant factor of exactly 1\/8 \(N = 8\): a mean where a sum belongs\?$/);
  assert.equal(checkTarget(batchSum(8, 5), full).passed, true);
});

test('a sign flip, a doubled gradient and an odd factor', () => {
  failedWith(
    checkTarget(
      affine(4, 3, 2, (g) => [scaled(g[0], -1), g[1], g[2]]),
      full,
    ),
    'x',
    /^sign flipped/,
  );
  failedWith(
    checkTarget(
      affine(4, 3, 2, (g) => [g[0], scaled(g[1], 2), g[2]]),
      full,
    ),
    'w',
    /exactly 2x/,
  );
  failedWith(
    checkTarget(
      affine(4, 3, 2, (g) => [g[0], scaled(g[1], 0.7312), g[2]]),
      full,
    ),
    'w',
    /about 0\.7312/,
  );
  failedWith(
    checkTarget(
      affine(4, 3, 2, (g) => [g[0], g[1], scaled(g[2], -0.25)]),
      full,
    ),
    'b',
    /sign flipped and off by a constant factor of exactly -1\/4/,
  );
});

test('naming factors', () => {
  assert.deepEqual(simpleFraction(0.125), { p: 1, q: 8 });
  assert.deepEqual(simpleFraction(1.5), { p: 3, q: 2 });
  assert.equal(simpleFraction(Math.PI), undefined);
  assert.match(describeFactor(-1), /^sign flipped: /);
  assert.match(describeFactor(1 / 32), /exactly 1\/32 \(N = 32\)/);
  assert.match(describeFactor(1.5), /exactly 3\/2/);
});

test('a zero gradient where it should not be', () => {
  failedWith(
    checkTarget(
      affine(4, 3, 2, (g) => [g[0], g[1], scaled(g[2], 0)]),
      full,
    ),
    'b',
    /^the analytic gradient is zero everywhere, but the numeric one is not/,
  );
});

test('errors confined to some rows or columns name them', () => {
  const rowBug = checkTarget(
    affine(5, 4, 3, (g) => {
      const dx = Float64Array.from(g[0]!.data);
      for (let c = 0; c < 4; c++) dx[2 * 4 + c] *= 3;
      return [{ data: dx, shape: [5, 4] }, g[1], g[2]];
    }),
    full,
  );
  failedWith(rowBug, 'x', /^wrong only in row 2 \(of 5\); the rest matches$/);

  const colBug = checkTarget(
    affine(5, 4, 5, (g) => {
      const dw = Float64Array.from(g[1]!.data);
      for (let r = 0; r < 4; r++) {
        dw[r * 5 + 1] = 0;
        dw[r * 5 + 3] = 0;
      }
      return [g[0], { data: dw, shape: [4, 5] }, g[2]];
    }),
    full,
  );
  failedWith(colBug, 'w', /^wrong only in columns 1 and 3 \(of 5\); the rest matches \(the analytic gradient is zero there\)$/);
});

test('errors confined to the border are named as such', () => {
  const report = checkTarget(
    square(6, 7, (dx, r, c) => {
      if (r === 0 || r === 5 || c === 0 || c === 6) dx[0] *= 0.5;
    }),
    full,
  );
  failedWith(report, 'x', /^wrong only on border elements \(all four sides\)/);
});

test('a few wrong elements are listed', () => {
  const report = checkTarget(
    square(4, 4, (dx, r, c) => {
      if (r === 1 && c === 2) dx[0] += 1;
    }),
    full,
  );
  failedWith(report, 'x', /^wrong only at \[1,2\] \(1 of 16 elements\)/);
  assert.deepEqual(only(report, 'x').worst[0].index, [1, 2]);
});

test('scattered errors are counted, with the worst element', () => {
  const report = checkTarget(
    square(6, 6, (dx, r, c) => {
      if ((r * 7 + c * 3) % 4 === 0) dx[0] += 0.1 * (1 + r + c);
    }),
    full,
  );
  failedWith(report, 'x', /^wrong at \d+ of 36 elements with no simple pattern \(largest error 0\.9 at \[3,5\]\)$/);
});

test('NaN or Infinity in the analytic gradient', () => {
  const report = checkTarget(
    affine(3, 3, 2, (g) => {
      const dx = Float64Array.from(g[0]!.data);
      dx[4] = NaN;
      dx[7] = Infinity;
      return [{ data: dx, shape: [3, 3] }, g[1], g[2]];
    }),
    full,
  );
  failedWith(report, 'x', /^the analytic gradient has NaN and Infinity at 2 of 9 elements \(first at \[1,1\]\)$/);
  assert.equal(only(report, 'x').maxAbsError, Infinity);
  assert.equal(only(report, 'x').worst[0].index.length, 2);
});

test('a numeric gradient that is zero while the analytic one is not', () => {
  const base = affine(3, 3, 2);
  const report = checkTarget(
    {
      ...base,
      // b is ignored by this forward, but the backward still claims a gradient for it.
      forward: ([x, w, b]) => base.forward([x, w, { data: new Float64Array(b.data.length), shape: b.shape }]),
    },
    full,
  );
  failedWith(report, 'b', /numeric gradient is zero \(the output does not depend on b\)/);
});

test('border errors name the sides they sit on', () => {
  const report = checkTarget(
    square(6, 6, (dx, r, c) => {
      if (r === 0 || c === 5) dx[0] = 0;
    }),
    full,
  );
  failedWith(
    report,
    'x',
    /^wrong only on border elements \(first row and last column\); the interior matches: padding or edge handling\? \(the analytic gradient is zero there\)$/,
  );
});

test('a scalar loss: softmax cross-entropy averaged over the batch, and the missing 1/N', () => {
  const n = 8;
  const c = 5;
  const labels = [0, 3, 1, 4, 2, 2, 0, 1];
  const softmax = (a: Float64Array): Float64Array => {
    const p = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, a[i * c + k]);
      let z = 0;
      for (let k = 0; k < c; k++) z += p[i * c + k] = Math.exp(a[i * c + k] - max);
      for (let k = 0; k < c; k++) p[i * c + k] /= z;
    }
    return p;
  };
  const loss = (divideByN: boolean) => ({
    name: 'softmaxCrossEntropy',
    inputNames: ['a'],
    inputs: [affine(n, c, 1).inputs[0]],
    forward: ([a]: FlatTensor[]) => {
      const p = softmax(a.data);
      let l = 0;
      for (let i = 0; i < n; i++) l -= Math.log(p[i * c + labels[i]]);
      return { out: { data: Float64Array.of(l / n), shape: [] }, cache: p };
    },
    backward: (_: FlatTensor[], dout: FlatTensor, cache: unknown) => {
      const da = Float64Array.from(cache as Float64Array);
      for (let i = 0; i < n; i++) da[i * c + labels[i]] -= 1;
      const scale = (divideByN ? 1 / n : 1) * dout.data[0];
      return [{ data: da.map((v) => v * scale), shape: [n, c] }];
    },
  });
  const right = checkTarget(loss(true), full);
  assert.equal(right.passed, true, right.inputs[0].diagnosis);
  failedWith(checkTarget(loss(false), full), 'a', /^off by a constant factor of exactly 8x \(N = 8\): a sum where a mean belongs/);
});

test('errors confined to one channel of a 4-D input name the dimension', () => {
  const rng = new Rng(2);
  const shape = [2, 3, 4, 4];
  const x = { data: Float64Array.from({ length: 96 }, () => rng.normal()), shape };
  const report = checkTarget(
    {
      name: 'scale',
      inputNames: ['x'],
      inputs: [x],
      forward: ([t]) => ({ out: { data: t.data.map((v) => 3 * v), shape }, cache: null }),
      backward: (_, dout) => [{ data: dout.data.map((g, i) => (Math.floor(i / 16) % 3 === 1 ? 0 : 3 * g)), shape }],
    },
    full,
  );
  failedWith(
    report,
    'x',
    /^wrong only where dimension 1 is 1 \(of 3 in shape \[2, 3, 4, 4\]\); the rest matches \(the analytic gradient is zero there\)$/,
  );
});

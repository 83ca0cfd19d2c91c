import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkSlice, defaultSlice, sliceLabel, takeSlice } from '../../webview/report/slice';
import { cellSize } from '../../webview/report/heatmap';
import { colorOf, parseColor, type Palette } from '../../webview/shared/colour';

const cube = Array.from({ length: 24 }, (_, i) => i); // shape [2, 3, 4]

test('default slice: last two axes, other axes at the worst element', () => {
  const spec = defaultSlice([2, 3, 4], [1, 2, 0]);
  assert.deepEqual(spec, { rowAxis: 1, colAxis: 2, fixed: [1, 2, 0] });
  const s = takeSlice(cube, [2, 3, 4], spec);
  assert.equal(s.rows, 3);
  assert.equal(s.cols, 4);
  assert.deepEqual([...s.data.slice(0, 4)], [12, 13, 14, 15]);
  assert.deepEqual(s.indexOf(2, 3), [1, 2, 3]);
  assert.equal(sliceLabel([2, 3, 4], spec), '[1, :, :]');
});

test('any two axes, transposed or not', () => {
  const s = takeSlice(cube, [2, 3, 4], { rowAxis: 2, colAxis: 0, fixed: [0, 1, 0] });
  assert.equal(s.rows, 4);
  assert.equal(s.cols, 2);
  // element [c, 1, r] = c*12 + 4 + r
  assert.deepEqual([...s.data], [4, 16, 5, 17, 6, 18, 7, 19]);
});

test('vectors are one row, scalars one cell', () => {
  const v = takeSlice([5, 6, 7], [3], defaultSlice([3]));
  assert.deepEqual([v.rows, v.cols, ...v.data], [1, 3, 5, 6, 7]);
  const s = takeSlice([9], [], defaultSlice([]));
  assert.deepEqual([s.rows, s.cols, ...s.data], [1, 1, 9]);
});

test('bad slices are refused with the reason', () => {
  assert.match(checkSlice([2, 3], { rowAxis: 0, colAxis: 0, fixed: [0, 0] })!, /both 0/);
  assert.match(checkSlice([2, 3, 4], { rowAxis: 1, colAxis: 2, fixed: [5, 0, 0] })!, /index 5 out of range for axis 0 of size 2/);
  assert.throws(() => takeSlice(cube, [2, 3, 4], { rowAxis: 3, colAxis: 1, fixed: [0, 0, 0] }), /out of range/);
});

test('theme colours parse from what CSS computes', () => {
  assert.deepEqual(parseColor('#1f1f1f', [0, 0, 0]), [31, 31, 31]);
  assert.deepEqual(parseColor('#abc', [0, 0, 0]), [170, 187, 204]);
  assert.deepEqual(parseColor(' rgba(10, 20, 30, 0.5)', [0, 0, 0]), [10, 20, 30]);
  assert.deepEqual(parseColor('', [1, 2, 3]), [1, 2, 3]);
});

test('the scale is symmetric around the editor background; NaN stands out', () => {
  const palette: Palette = { negative: [0, 0, 255], zero: [10, 10, 10], positive: [255, 0, 0], invalid: [255, 255, 0] };
  assert.deepEqual(colorOf(0, 1, palette), [10, 10, 10]);
  assert.deepEqual(colorOf(2, 1, palette), [255, 0, 0]);
  assert.deepEqual(colorOf(-1, 1, palette), [0, 0, 255]);
  assert.deepEqual(colorOf(NaN, 1, palette), [255, 255, 0]);
  assert.deepEqual(colorOf(5, 0, palette), [10, 10, 10]);
  assert.equal(cellSize(4, 4), 28);
  assert.equal(cellSize(1000, 3), 2);
});

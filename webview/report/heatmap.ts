/**
 * The report's gradient maps: one 2-D slice on the theme-centred scale (colour.ts), with
 * cells sized so a map fits about 260 px whatever the tensor's shape.
 */
import { colorOf, type Palette } from '../shared/colour';
import { drawHeatmap, fitCell } from '../shared/heatmap';
import type { Slice } from './slice';

// test/report/slice.test.ts checks the scale through this module.

/** Cell size in CSS pixels: never below 2 px (a 1000-wide input still fits) nor above 28 px. */
export function cellSize(rows: number, cols: number): number {
  return fitCell(Math.max(rows, cols), 260, 2, 28);
}

/** `limit` is the magnitude that gets full colour; the analytic and numeric maps share one. */
export function drawGradientMap(canvas: HTMLCanvasElement, slice: Slice, limit: number, palette: Palette): void {
  drawHeatmap(canvas, {
    values: slice.data,
    rows: slice.rows,
    cols: slice.cols,
    cell: cellSize(slice.rows, slice.cols),
    colour: (v) => colorOf(v, limit, palette),
  });
}

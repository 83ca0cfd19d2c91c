/**
 * Matrices drawn as coloured cells on a canvas, for both pages: the report's gradient
 * maps, the panel's confusion matrix and attention weights. The caller picks the colour of
 * a value (a fixed map or the report's theme-centred scale); labels go along the edges
 * when given, and per-cell text only where a cell is big enough to read it.
 */
import { hiDpiContext } from './canvas';
import { cssColor, type Rgb, themeColor } from './colour';

export interface HeatmapView {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** CSS pixels per cell */
  cell: number;
  colour: (value: number) => Rgb;
  rowLabels?: string[];
  colLabels?: string[];
  /** per-cell text, e.g. counts in a confusion matrix */
  cellText?: (row: number, col: number, value: number) => string;
}

const LABEL_FONT = 10;
/** Below this, per-cell text would not fit. */
const TEXT_CELL = 18;

/**
 * The cell size that fits `cells` cells across about `box` CSS pixels, within
 * [least, most]: big matrices stay on screen, tiny ones stay legible.
 */
export function fitCell(cells: number, box: number, least: number, most: number): number {
  return Math.max(least, Math.min(most, Math.floor(box / Math.max(1, cells))));
}

export function drawHeatmap(canvas: HTMLCanvasElement, view: HeatmapView): void {
  const { values, rows, cols, cell } = view;
  if (values.length !== rows * cols) {
    throw new RangeError(`drawHeatmap: ${rows}x${cols} needs ${rows * cols} values, got ${values.length}`);
  }
  const left = view.rowLabels ? maxLabelWidth(view.rowLabels) + 6 : 0;
  const top = view.colLabels ? LABEL_FONT + 6 : 0;
  const ctx = hiDpiContext(canvas, left + cols * cell, top + rows * cell);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      const rgb = view.colour(v);
      ctx.fillStyle = cssColor(rgb);
      ctx.fillRect(left + c * cell, top + r * cell, cell, cell);
      const text = view.cellText && cell >= TEXT_CELL ? view.cellText(r, c, v) : '';
      if (!text) continue;
      // Dark text on bright cells, light on dark ones (luma of the cell's colour).
      ctx.fillStyle = rgb[0] * 0.299 + rgb[1] * 0.587 + rgb[2] * 0.114 > 140 ? '#000' : '#fff';
      ctx.font = `${Math.min(11, cell * 0.45)}px sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, left + (c + 0.5) * cell, top + (r + 0.5) * cell);
    }
  }
  ctx.fillStyle = themeColor('--vscode-descriptionForeground', '#9d9d9d');
  ctx.font = `${LABEL_FONT}px sans-serif`;
  if (view.rowLabels) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    view.rowLabels.forEach((l, r) => ctx.fillText(l, left - 4, top + (r + 0.5) * cell));
  }
  if (view.colLabels) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    view.colLabels.forEach((l, c) => ctx.fillText(fit(l, cell, ctx), left + (c + 0.5) * cell, top - 2));
  }
  // Kept on the element so a mouse position maps back to a cell without the view.
  Object.assign(canvas.dataset, { cell: String(cell), left: String(left), top: String(top), rows: String(rows), cols: String(cols) });
}

/** The (row, col) under a mouse position on a drawn heatmap, or undefined off the cells. */
export function cellAt(canvas: HTMLCanvasElement, offsetX: number, offsetY: number): [number, number] | undefined {
  const n = (key: string) => Number(canvas.dataset[key]) || 0;
  const cell = n('cell') || 1;
  const row = Math.floor((offsetY - n('top')) / cell);
  const col = Math.floor((offsetX - n('left')) / cell);
  return row >= 0 && col >= 0 && row < n('rows') && col < n('cols') ? [row, col] : undefined;
}

function maxLabelWidth(labels: string[]): number {
  return Math.max(0, ...labels.map((l) => l.length)) * LABEL_FONT * 0.6;
}

function fit(label: string, width: number, ctx: CanvasRenderingContext2D): string {
  if (ctx.measureText(label).width <= width) return label;
  let s = label;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return s.length < label.length ? `${s}…` : s;
}

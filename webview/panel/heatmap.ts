/**
 * Matrices drawn as coloured cells on a canvas: the confusion matrix and each attention
 * head's weights. Labels go along the edges when there is room for them.
 */
import { hiDpiContext } from '../shared/canvas';
import { range, type Rgb, sequential } from './colormap';
import { themeColor } from './theme';

export interface MatrixView {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** pixels per cell */
  cell: number;
  rowLabels?: string[];
  colLabels?: string[];
  /** colour scale; defaults to the data's own range */
  min?: number;
  max?: number;
  /** per-cell text, e.g. counts in a confusion matrix; shown only when cells are big enough */
  cellText?: (row: number, col: number, value: number) => string;
  colormap?: (t: number) => Rgb;
}

export function drawMatrix(canvas: HTMLCanvasElement, view: MatrixView): void {
  const { values, rows, cols, cell } = view;
  if (values.length !== rows * cols) {
    throw new RangeError(`drawMatrix: ${rows}x${cols} needs ${rows * cols} values, got ${values.length}`);
  }
  const labelFont = 10;
  const left = view.rowLabels ? maxLabelWidth(view.rowLabels, labelFont) + 6 : 0;
  const top = view.colLabels ? labelFont + 6 : 0;
  const width = left + cols * cell;
  const height = top + rows * cell;
  const ctx = hiDpiContext(canvas, width, height);
  const [lo, hi] = view.min !== undefined && view.max !== undefined ? [view.min, view.max] : range(values);
  const map = view.colormap ?? sequential;
  const span = hi - lo || 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      const [R, G, B] = map((v - lo) / span);
      ctx.fillStyle = `rgb(${R},${G},${B})`;
      ctx.fillRect(left + c * cell, top + r * cell, cell, cell);
      if (view.cellText && cell >= 18) {
        const text = view.cellText(r, c, v);
        if (text) {
          // Dark text on bright cells, light on dark ones.
          ctx.fillStyle = R * 0.299 + G * 0.587 + B * 0.114 > 140 ? '#000' : '#fff';
          ctx.font = `${Math.min(11, cell * 0.45)}px sans-serif`;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(text, left + (c + 0.5) * cell, top + (r + 0.5) * cell);
        }
      }
    }
  }
  const fg = themeColor('--vscode-descriptionForeground', '#9d9d9d');
  ctx.fillStyle = fg;
  ctx.font = `${labelFont}px sans-serif`;
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
}

function maxLabelWidth(labels: string[], fontPx: number): number {
  return Math.max(0, ...labels.map((l) => l.length)) * fontPx * 0.6;
}

function fit(label: string, width: number, ctx: CanvasRenderingContext2D): string {
  if (ctx.measureText(label).width <= width) return label;
  let s = label;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return s.length < label.length ? `${s}…` : s;
}

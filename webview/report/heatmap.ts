/**
 * Heatmaps on <canvas>: a diverging scale around zero whose middle is the editor's own
 * background, so a correct gradient's difference map fades into the theme.
 */
import { hiDpiContext } from '../shared/canvas';
import type { Slice } from './slice';

export type Rgb = [number, number, number];

export interface Palette {
  negative: Rgb;
  zero: Rgb;
  positive: Rgb;
  invalid: Rgb;
}

/** Parses the colours CSS computes: #rgb, #rrggbb(aa), rgb(a)(...). */
export function parseColor(text: string, fallback: Rgb): Rgb {
  const t = text.trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(t);
  if (hex) {
    const h = hex[1];
    if (h.length === 3) return [0, 1, 2].map((i) => parseInt(h[i] + h[i], 16)) as Rgb;
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(t);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])].map((v) => Math.round(v)) as Rgb;
  return fallback;
}

export function themePalette(style: CSSStyleDeclaration): Palette {
  const read = (name: string, fallback: Rgb) => parseColor(style.getPropertyValue(name), fallback);
  return {
    negative: read('--vscode-charts-blue', [55, 148, 255]),
    zero: read('--vscode-editor-background', [30, 30, 30]),
    positive: read('--vscode-charts-red', [241, 76, 76]),
    invalid: read('--vscode-charts-yellow', [204, 167, 0]),
  };
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb;
}

/** Colour of v on a symmetric scale [-limit, limit]; NaN/Infinity get their own colour. */
export function colorOf(v: number, limit: number, palette: Palette): Rgb {
  if (!Number.isFinite(v)) return palette.invalid;
  if (limit <= 0) return palette.zero;
  const t = Math.min(1, Math.abs(v) / limit);
  return mix(palette.zero, v < 0 ? palette.negative : palette.positive, Math.sqrt(t));
}

export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) m = Math.max(m, Math.abs(data[i]));
  return m;
}

/** Cell size in CSS pixels so that a map fits about 260 px, never below 2 px or above 28 px. */
export function cellSize(rows: number, cols: number): number {
  return Math.max(2, Math.min(28, Math.floor(260 / Math.max(rows, cols, 1))));
}

export function drawHeatmap(canvas: HTMLCanvasElement, slice: Slice, limit: number, palette: Palette): void {
  const cell = cellSize(slice.rows, slice.cols);
  const ctx = hiDpiContext(canvas, slice.cols * cell, slice.rows * cell);
  for (let r = 0; r < slice.rows; r++) {
    for (let c = 0; c < slice.cols; c++) {
      const [red, green, blue] = colorOf(slice.data[r * slice.cols + c], limit, palette);
      ctx.fillStyle = `rgb(${red}, ${green}, ${blue})`;
      ctx.fillRect(c * cell, r * cell, cell, cell);
    }
  }
  canvas.dataset.cell = String(cell);
}

/** The (row, col) under a mouse position on a drawn heatmap. */
export function cellAt(canvas: HTMLCanvasElement, offsetX: number, offsetY: number): [number, number] {
  const cell = Number(canvas.dataset.cell) || 1;
  return [Math.floor(offsetY / cell), Math.floor(offsetX / cell)];
}

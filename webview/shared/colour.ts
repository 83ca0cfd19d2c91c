/**
 * Colour for both pages' canvases. Two kinds of scale:
 * - fixed maps for values with a natural range: `sequential` (dark blue to yellow, like
 *   viridis, for shares and attention weights) and `diverging` (blue / neutral / red around
 *   0.5, for the discriminator's probability);
 * - a scale symmetric around zero whose middle is the editor's own background
 *   (`colorOf` with `themePalette`), so a correct gradient's difference map fades into
 *   whatever theme the user has.
 * Theme colours are read from VS Code's CSS variables at draw time, so a redraw after a
 * theme switch picks the new ones up.
 */
export type Rgb = [number, number, number];

/** Parses the colours CSS computes: #rgb, #rrggbb(aa), rgb(a)(...). */
export function parseColor(text: string): Rgb | undefined;
export function parseColor(text: string, fallback: Rgb): Rgb;
export function parseColor(text: string, fallback?: Rgb): Rgb | undefined {
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

export function cssColor([r, g, b]: Rgb, alpha?: number): string {
  return alpha === undefined ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** A colour with an alpha in [0, 1]; a syntax parseColor does not read passes through unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const rgb = parseColor(color);
  return rgb ? cssColor(rgb, alpha) : color;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb;
}

function anchors(hexes: string): Rgb[] {
  return hexes.split(' ').map((hex) => parseColor(hex, [0, 0, 0]));
}

// Perceptually ordered, so equal steps in value read as equal steps in colour.
const SEQUENTIAL = anchors('#440154 #3b528b #21918c #5ec962 #fde725');
const DIVERGING = anchors('#313695 #74add1 #f0f0f0 #f46d43 #a50026');

function interpolate(stops: Rgb[], t: number): Rgb {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  return mix(stops[i], stops[i + 1], u - i);
}

/** t in [0, 1] -> dark (low) to bright (high). */
export function sequential(t: number): Rgb {
  return interpolate(SEQUENTIAL, t);
}

/** t in [0, 1] -> blue (0) / neutral (0.5) / red (1). */
export function diverging(t: number): Rgb {
  return interpolate(DIVERGING, t);
}

/** Min and max of the finite values; [0, 1] for an empty or constant array so division is safe. */
export function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return [Number.isFinite(lo) ? lo : 0, Number.isFinite(lo) ? lo + 1 : 1];
  return [lo, hi];
}

export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) m = Math.max(m, Math.abs(data[i]));
  return m;
}

/** A VS Code theme variable as CSS computes it, or `fallback` outside VS Code. */
export function themeColor(variable: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return v || fallback;
}

/** Calls `redraw` whenever VS Code switches the theme (it rewrites the body's classes). */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

export interface Palette {
  negative: Rgb;
  zero: Rgb;
  positive: Rgb;
  invalid: Rgb;
}

export function themePalette(): Palette {
  const read = (name: string, fallback: string) => parseColor(themeColor(name, fallback), parseColor(fallback, [0, 0, 0]));
  return {
    negative: read('--vscode-charts-blue', '#3794ff'),
    zero: read('--vscode-editor-background', '#1e1e1e'),
    positive: read('--vscode-charts-red', '#f14c4c'),
    invalid: read('--vscode-charts-yellow', '#cca700'),
  };
}

/**
 * Colour of v on a symmetric scale [-limit, limit]; NaN/Infinity get their own colour.
 * The square root lifts small differences off the background, where a slip first shows.
 */
export function colorOf(v: number, limit: number, palette: Palette): Rgb {
  if (!Number.isFinite(v)) return palette.invalid;
  if (limit <= 0) return palette.zero;
  const t = Math.min(1, Math.abs(v) / limit);
  return mix(palette.zero, v < 0 ? palette.negative : palette.positive, Math.sqrt(t));
}

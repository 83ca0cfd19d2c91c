/**
 * The GAN on the 2-D ring: real and generated points over the discriminator's decision
 * map (D's probability that a point is real, on a grid over the plotted square). Mode
 * collapse shows as generated points gathered on a few of the eight modes.
 */
import { hiDpiContext } from '../shared/canvas';
import { diverging, withAlpha } from '../shared/colour';
import { chartPalette } from './theme';

export interface RingFrame {
  /** flat [x0, y0, x1, y1, ...] */
  real: ArrayLike<number>;
  fake: ArrayLike<number>;
  /** the plotted square [-extent, extent]^2 */
  extent: number;
  /** size x size values of D(x) in [0, 1]; row 0 at y = -extent (the bottom) */
  decision?: { size: number; values: ArrayLike<number> };
}

/** Decision map rows flipped so image row 0 (the top) is y = +extent. */
export function decisionToRgba(size: number, values: ArrayLike<number>, alpha = 160): Uint8ClampedArray<ArrayBuffer> {
  if (values.length !== size * size) {
    throw new RangeError(`decision map: ${size}x${size} needs ${size * size} values, got ${values.length}`);
  }
  const out = new Uint8ClampedArray(new ArrayBuffer(size * size * 4));
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const [R, G, B] = diverging(values[(size - 1 - r) * size + c]);
      const o = 4 * (r * size + c);
      out[o] = R;
      out[o + 1] = G;
      out[o + 2] = B;
      out[o + 3] = alpha;
    }
  }
  return out;
}

export function drawRingScatter(canvas: HTMLCanvasElement, frame: RingFrame, size: number): void {
  const ctx = hiDpiContext(canvas, size, size);
  const { extent } = frame;
  if (frame.decision) {
    const g = frame.decision.size;
    const map = document.createElement('canvas');
    map.width = g;
    map.height = g;
    map.getContext('2d')!.putImageData(new ImageData(decisionToRgba(g, frame.decision.values), g, g), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(map, 0, 0, size, size);
  }
  const palette = chartPalette();
  const toPx = (v: number) => ((v + extent) / (2 * extent)) * size;
  // A dark rim keeps the points readable over every colour of the map.
  const plot = (pts: ArrayLike<number>, color: string, radius: number) => {
    ctx.fillStyle = color;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)';
    ctx.lineWidth = 0.8;
    for (let i = 0; i + 1 < pts.length; i += 2) {
      ctx.beginPath();
      ctx.arc(toPx(pts[i]), size - toPx(pts[i + 1]), radius, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  };
  plot(frame.real, withAlpha(palette.real, 0.85), 2.2);
  plot(frame.fake, withAlpha(palette.fake, 0.9), 2.4);
  ctx.strokeStyle = palette.grid;
  ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
}

/**
 * `digits`: seeded MNIST-style 28x28 grey digits, drawn offline as jittered pen strokes
 * (each digit a few polylines in a unit box, then a random slant, scale, shift and pen
 * width). A stand-in for MNIST when no data folder is at hand, for the GAN and the CNN.
 */
import { Rng } from '../../engine/rng';
import { channelStats, MNIST_CLASSES } from './imageStats';
import type { ImageDataset, ImageSplit } from './types';

type Stroke = [number, number][];
const SIZE = 28;

function arc(cx: number, cy: number, rx: number, ry: number, from = 0, to = 2 * Math.PI, n = 14): Stroke {
  const pts: Stroke = [];
  for (let i = 0; i <= n; i++) {
    const t = from + ((to - from) * i) / n;
    pts.push([cx + rx * Math.cos(t), cy + ry * Math.sin(t)]);
  }
  return pts;
}

const GLYPHS: Stroke[][] = [
  [arc(0.5, 0.5, 0.25, 0.38)],
  [
    [
      [0.35, 0.25],
      [0.52, 0.1],
      [0.52, 0.9],
    ],
  ],
  [
    [
      [0.25, 0.3],
      [0.35, 0.13],
      [0.58, 0.1],
      [0.74, 0.24],
      [0.7, 0.45],
      [0.25, 0.88],
      [0.8, 0.88],
    ],
  ],
  [
    [
      [0.25, 0.15],
      [0.68, 0.12],
      [0.74, 0.3],
      [0.45, 0.48],
      [0.75, 0.62],
      [0.72, 0.85],
      [0.25, 0.88],
    ],
  ],
  [
    [
      [0.65, 0.9],
      [0.65, 0.1],
      [0.2, 0.65],
      [0.82, 0.65],
    ],
  ],
  [
    [
      [0.75, 0.1],
      [0.32, 0.1],
      [0.28, 0.45],
      [0.6, 0.42],
      [0.76, 0.6],
      [0.7, 0.83],
      [0.28, 0.88],
    ],
  ],
  [
    [
      [0.7, 0.1],
      [0.42, 0.25],
      [0.28, 0.58],
      [0.34, 0.86],
      [0.63, 0.88],
      [0.73, 0.66],
      [0.52, 0.5],
      [0.3, 0.6],
    ],
  ],
  [
    [
      [0.2, 0.12],
      [0.8, 0.12],
      [0.42, 0.9],
    ],
  ],
  [arc(0.5, 0.3, 0.19, 0.18), arc(0.5, 0.7, 0.23, 0.2)],
  [
    arc(0.5, 0.32, 0.21, 0.2),
    [
      [0.71, 0.34],
      [0.62, 0.9],
    ],
  ],
];

function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax,
    dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  const qx = ax + t * dx - px,
    qy = ay + t * dy - py;
  return Math.sqrt(qx * qx + qy * qy);
}

function drawDigit(out: Uint8Array, digit: number, rng: Rng): void {
  const scale = SIZE * (0.7 + rng.uniform() * 0.15);
  const slant = (rng.uniform() - 0.5) * 0.5;
  const ox = (SIZE - scale) / 2 + (rng.uniform() - 0.5) * 4;
  const oy = (SIZE - scale) / 2 + (rng.uniform() - 0.5) * 4;
  const pen = 1.0 + rng.uniform() * 1.1;
  const segments: number[][] = [];
  for (const stroke of GLYPHS[digit]) {
    const pts = stroke.map(([x, y]) => {
      const jx = x + (rng.uniform() - 0.5) * 0.06,
        jy = y + (rng.uniform() - 0.5) * 0.06;
      return [ox + scale * (jx + slant * (0.5 - jy)), oy + scale * jy];
    });
    for (let i = 1; i < pts.length; i++) segments.push([...pts[i - 1], ...pts[i]]);
  }
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let d = Infinity;
      for (const s of segments) d = Math.min(d, distToSegment(x + 0.5, y + 0.5, s[0], s[1], s[2], s[3]));
      // A soft one-pixel edge, like MNIST's anti-aliased scans.
      const v = Math.max(0, Math.min(1, pen - d + 0.5));
      out[y * SIZE + x] = Math.round(255 * v);
    }
  }
}

function makeSplit(count: number, rng: Rng): ImageSplit {
  const pixels = new Uint8Array(count * SIZE * SIZE);
  const labels = new Uint8Array(count);
  const order = rng.permutation(count);
  for (let i = 0; i < count; i++) {
    labels[i] = order[i] % 10;
    drawDigit(pixels.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE), labels[i], rng);
  }
  return { pixels, labels, count };
}

export function makeDigitsDataset(opts: { seed?: number; trainCount?: number; testCount?: number } = {}): ImageDataset {
  const rng = new Rng(opts.seed ?? 0);
  const train = makeSplit(opts.trainCount ?? 6000, rng.fork());
  const test = makeSplit(opts.testCount ?? 1000, rng.fork());
  const { mean, std } = channelStats(train, 1, SIZE * SIZE);
  return { kind: 'image', name: 'digits', channels: 1, height: SIZE, width: SIZE, classNames: MNIST_CLASSES, train, test, mean, std };
}

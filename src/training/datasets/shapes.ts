/**
 * `synthetic`: seeded 32x32 RGB pictures of ten kinds of shape, drawn at random
 * positions, sizes, small rotations and colours over a noisy background. Easy enough
 * that a small CNN separates them in a few hundred steps, hard enough that a linear
 * model does not (position and colour vary; only the outline tells the class).
 */
import { Rng } from '../../engine/rng';
import { channelStats } from './imageStats';
import type { ImageDataset, ImageSplit } from './types';

export const SHAPE_CLASSES = ['disk', 'ring', 'square', 'frame', 'triangle', 'diamond', 'plus', 'cross', 'h-stripes', 'v-stripes'];

const SIZE = 32;

/** Whether local coordinates (u, v), scaled so the shape spans about [-1, 1], are inside. */
const INSIDE: ((u: number, v: number) => boolean)[] = [
  (u, v) => u * u + v * v <= 1,
  (u, v) => {
    const r = u * u + v * v;
    return r <= 1 && r >= 0.3;
  },
  (u, v) => Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8,
  (u, v) => {
    const m = Math.max(Math.abs(u), Math.abs(v));
    return m <= 0.9 && m >= 0.55;
  },
  (u, v) => v <= 0.75 && v >= -0.95 && Math.abs(u) <= (v + 0.95) * 0.6,
  (u, v) => Math.abs(u) + Math.abs(v) <= 1,
  (u, v) => (Math.abs(u) <= 0.28 && Math.abs(v) <= 0.95) || (Math.abs(v) <= 0.28 && Math.abs(u) <= 0.95),
  (u, v) => {
    const a = (u + v) * Math.SQRT1_2,
      b = (u - v) * Math.SQRT1_2;
    return (Math.abs(a) <= 0.25 && Math.abs(b) <= 1) || (Math.abs(b) <= 0.25 && Math.abs(a) <= 1);
  },
  (u, v) => Math.abs(u) <= 0.95 && Math.abs(v) <= 0.95 && Math.floor((v + 1) * 2.5) % 2 === 0,
  (u, v) => Math.abs(u) <= 0.95 && Math.abs(v) <= 0.95 && Math.floor((u + 1) * 2.5) % 2 === 0,
];

/** Draw one image of class `label` into `out` (3 planes of 32x32 bytes). */
function drawShape(out: Uint8Array, label: number, rng: Rng): void {
  const r = 7 + rng.uniform() * 6;
  const cx = r + rng.uniform() * (SIZE - 2 * r);
  const cy = r + rng.uniform() * (SIZE - 2 * r);
  // Stripes stay axis-aligned: rotating them would blur their two classes together.
  const angle = label >= 8 ? 0 : (rng.uniform() - 0.5) * 0.6;
  const cos = Math.cos(angle),
    sin = Math.sin(angle);
  const bg = [0, 1, 2].map(() => rng.uniform() * 0.35);
  const fg = [0, 1, 2].map(() => 0.5 + rng.uniform() * 0.5);
  const inside = INSIDE[label];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const dx = (x + 0.5 - cx) / r,
        dy = (y + 0.5 - cy) / r;
      const hit = inside(cos * dx + sin * dy, -sin * dx + cos * dy);
      for (let c = 0; c < 3; c++) {
        const v = (hit ? fg[c] : bg[c]) + rng.normal() * 0.04;
        out[c * SIZE * SIZE + y * SIZE + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }
}

function makeSplit(count: number, rng: Rng): ImageSplit {
  const pixels = new Uint8Array(count * 3 * SIZE * SIZE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    // Balanced classes in a shuffled order.
    labels[i] = i % SHAPE_CLASSES.length;
  }
  const order = rng.permutation(count);
  const shuffled = new Uint8Array(count);
  for (let i = 0; i < count; i++) shuffled[i] = labels[order[i]];
  for (let i = 0; i < count; i++) drawShape(pixels.subarray(i * 3 * SIZE * SIZE, (i + 1) * 3 * SIZE * SIZE), shuffled[i], rng);
  return { pixels, labels: shuffled, count };
}

export interface SyntheticOptions {
  seed?: number;
  trainCount?: number;
  testCount?: number;
}

export function makeShapesDataset(opts: SyntheticOptions = {}): ImageDataset {
  const rng = new Rng(opts.seed ?? 0);
  const train = makeSplit(opts.trainCount ?? 5000, rng.fork());
  const test = makeSplit(opts.testCount ?? 1000, rng.fork());
  const { mean, std } = channelStats(train, 3, SIZE * SIZE);
  return { kind: 'image', name: 'synthetic', channels: 3, height: SIZE, width: SIZE, classNames: SHAPE_CLASSES, train, test, mean, std };
}

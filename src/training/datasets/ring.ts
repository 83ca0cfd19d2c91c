/**
 * `ring`: the 2-D mixture of 8 Gaussians on a circle, the classic GAN toy. A generator
 * that covers only some of the modes (mode collapse) is plain to see on a scatter plot.
 */
import { Rng } from '../../engine/rng';
import type { PointDataset } from './types';

export interface RingOptions {
  seed?: number;
  modes?: number;
  radius?: number;
  spread?: number;
  count?: number;
}

export function makeRingDataset(opts: RingOptions = {}): PointDataset {
  const modes = opts.modes ?? 8;
  const radius = opts.radius ?? 2;
  const spread = opts.spread ?? 0.05;
  const count = opts.count ?? 20000;
  const rng = new Rng(opts.seed ?? 0);
  const centres: [number, number][] = [];
  for (let k = 0; k < modes; k++) {
    const a = (2 * Math.PI * k) / modes;
    centres.push([radius * Math.cos(a), radius * Math.sin(a)]);
  }
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const [cx, cy] = centres[rng.int(modes)];
    points[2 * i] = cx + spread * rng.normal();
    points[2 * i + 1] = cy + spread * rng.normal();
  }
  return { kind: 'points', name: 'ring', points, count, centres, spread, extent: radius * 1.5 };
}

/**
 * How well generated points match the ring: the share that lands within 3 standard
 * deviations of some centre ("quality") and how many centres got at least one such
 * point out of a fair share ("modes covered").
 */
export function ringCoverage(ds: PointDataset, generated: Float32Array): { quality: number; modesCovered: number } {
  const n = generated.length / 2;
  const hits = new Array<number>(ds.centres.length).fill(0);
  let good = 0;
  const limit = 3 * ds.spread;
  for (let i = 0; i < n; i++) {
    const x = generated[2 * i],
      y = generated[2 * i + 1];
    let best = Infinity,
      which = -1;
    ds.centres.forEach(([cx, cy], k) => {
      const d = Math.hypot(x - cx, y - cy);
      if (d < best) {
        best = d;
        which = k;
      }
    });
    if (best <= limit) {
      good++;
      hits[which]++;
    }
  }
  // A mode counts as covered when it holds at least a fifth of its fair share.
  const fair = n / ds.centres.length;
  return { quality: n ? good / n : 0, modesCovered: hits.filter((h) => h >= 0.2 * fair && h > 0).length };
}

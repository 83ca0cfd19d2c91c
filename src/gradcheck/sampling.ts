import type { Rng } from '../engine/rng';

/** Every flat position 0..n-1. */
export function allPositions(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return p;
}

/**
 * A seeded sample of `k` distinct positions out of `n`, ascending (so reports read in
 * order). A partial Fisher-Yates shuffle: k swaps, not n.
 */
export function samplePositions(n: number, k: number, rng: Rng): Int32Array {
  if (k >= n) return allPositions(n);
  const pool = allPositions(n);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k).sort();
}

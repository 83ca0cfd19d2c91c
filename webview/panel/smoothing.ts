/**
 * Exponential moving average with bias correction, the smoothing TensorBoard applies to
 * noisy loss curves. Without the correction the first points are pulled towards zero,
 * which would draw a misleading dip at the start of every run.
 */
export function smoothEma(values: ArrayLike<number | null>, weight: number): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) {
    throw new RangeError(`smoothEma: weight must be in [0, 1), got ${weight}`);
  }
  const out: (number | null)[] = new Array(values.length);
  let avg = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Gaps and non-finite points (a diverged step) are shown as gaps and do not poison the average.
    if (v === null || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    avg = weight * avg + (1 - weight) * v;
    count++;
    out[i] = avg / (1 - weight ** count);
  }
  return out;
}

/**
 * uPlot draws series that share one x array. Runs overlaid on one chart log different
 * steps, so their points are merged onto the union of steps, with null where a run has
 * no value (uPlot bridges or breaks the line there as the series asks).
 */
export interface XYSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
}

export function alignSeries(series: XYSeries[]): [number[], ...(number | null)[][]] {
  for (const [i, s] of series.entries()) {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`alignSeries: series ${i} has ${s.x.length} x values but ${s.y.length} y values`);
    }
  }
  const xs = new Set<number>();
  for (const s of series) for (let i = 0; i < s.x.length; i++) xs.add(s.x[i]);
  const x = [...xs].sort((a, b) => a - b);
  const indexOf = new Map<number, number>();
  x.forEach((v, i) => indexOf.set(v, i));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(x.length).fill(null);
    for (let i = 0; i < s.x.length; i++) y[indexOf.get(s.x[i])!] = s.y[i];
    return y;
  });
  return [x, ...ys];
}

/** A log axis cannot show zero or negative values: they become gaps. */
export function positiveOnly(y: ArrayLike<number | null>): (number | null)[] {
  return Array.from(y, (v) => (v !== null && v > 0 && Number.isFinite(v) ? v : null));
}

/**
 * Keeps a long run drawable: at most `maxPoints` points, taking every k-th and always
 * the last, so the curve's shape and its current value survive.
 */
export function thinIndices(length: number, maxPoints: number): number[] {
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i);
  const stride = Math.ceil(length / maxPoints);
  const idx: number[] = [];
  for (let i = 0; i < length; i += stride) idx.push(i);
  if (idx[idx.length - 1] !== length - 1) idx.push(length - 1);
  return idx;
}

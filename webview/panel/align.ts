import uPlot from 'uplot';

/**
 * uPlot draws series that share one x array. Runs overlaid on one chart log different
 * steps, so uPlot.join merges them onto the union of steps, with null where a run has no
 * value (uPlot bridges or breaks the line there as the series asks).
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
  if (series.length === 0) return [[]];
  const joined = uPlot.join(series.map((s) => [Array.from(s.x), Array.from(s.y)] as uPlot.AlignedData));
  // join marks steps a run lacks as undefined (uPlot: "bridge"); charts choose bridging per
  // series with spanGaps, which only sees null, so every missing value becomes null.
  return joined.map((column) => Array.from(column as ArrayLike<number | null | undefined>, (v) => v ?? null)) as [
    number[],
    ...(number | null)[][],
  ];
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

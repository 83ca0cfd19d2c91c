/**
 * Colour scales for heatmaps drawn into ImageData. Sequential maps interpolate a few
 * perceptually ordered anchors (dark blue to yellow, like viridis); the diverging map
 * shows a probability around 0.5 (the discriminator's decision) as blue / neutral / red.
 */
export type Rgb = [number, number, number];

const SEQUENTIAL: Rgb[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

const DIVERGING: Rgb[] = [
  [49, 54, 149],
  [116, 173, 209],
  [240, 240, 240],
  [244, 109, 67],
  [165, 0, 38],
];

function interpolate(anchors: Rgb[], t: number): Rgb {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(u));
  const f = u - i;
  const a = anchors[i];
  const b = anchors[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
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

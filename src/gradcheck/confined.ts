import type { DiagnosisInput } from './diagnosis';
import { formatIndex, formatShape, sizeOf, stridesOf, unravel } from './shapes';
import { listOf } from './wording';

/**
 * Errors confined to part of the tensor while the rest matches: one diagonal, one block,
 * a few rows or columns (or slices of another axis), the border, or a handful of
 * elements. The rest matching is what makes each true; each also asks that the part be
 * mostly wrong, so a scatter of errors is not called a shape it merely falls inside.
 */
export function confinedPattern(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const failing = d.failing;
  if (failing.length === 0 || failing.length === compared.length) return undefined;
  const zeroNote = allZero(d.analytic, failing) ? ' (the analytic gradient is zero there)' : '';
  const found =
    confinedToDiagonal(d, compared) ??
    confinedToBlock(d, compared) ??
    confinedToSlices(d, compared) ??
    confinedToBorder(d) ??
    fewElements(d, compared);
  return found === undefined ? undefined : found + zeroNote;
}

/**
 * Failures confined to one diagonal of the last two axes (column - row = k), at least
 * three of them and at least half of that diagonal's elements: the i = j term of a
 * derivation (a Kronecker delta) left out, counted twice, or given to the wrong element.
 */
function confinedToDiagonal(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const nd = d.shape.length;
  if (nd < 2 || d.failing.length < 3) return undefined;
  const rows = d.shape[nd - 2];
  const cols = d.shape[nd - 1];
  if (Math.min(rows, cols) < 3) return undefined;
  const offsetOf = (j: number): number => (j % cols) - (Math.floor(j / cols) % rows);
  const k = offsetOf(d.failing[0]);
  if (!d.failing.every((j) => offsetOf(j) === k)) return undefined;
  const onIt = compared.filter((j) => offsetOf(j) === k).length;
  if (d.failing.length < 0.5 * onIt) return undefined;
  const index = `${nd > 2 ? '..., ' : ''}i, ${k === 0 ? 'i' : `i ${k > 0 ? '+' : '-'} ${Math.abs(k)}`}`;
  const which = k === 0 ? 'the diagonal' : 'one diagonal';
  const why = k === 0 ? ': the i = j term (a Kronecker delta) left out or counted twice?' : '';
  return `wrong only on ${which} ${d.name}[${index}] (${d.failing.length} of its ${onIt} elements); the rest matches${why}`;
}

/**
 * Failures confined to one block: a range of indices along at least two axes (one axis
 * alone is whole slices, confinedToSlices' finding) or along a vector, covering at most
 * half the tensor, with at least four wrong elements making up at least half of it.
 */
function confinedToBlock(d: DiagnosisInput, compared: Int32Array): string | undefined {
  if (d.failing.length < 4) return undefined;
  const nd = d.shape.length;
  const strides = stridesOf(d.shape);
  const at = (j: number, axis: number): number => Math.floor(j / strides[axis]) % d.shape[axis];
  const low = d.shape.map(() => Infinity);
  const high = d.shape.map(() => -1);
  for (const j of d.failing) {
    for (let axis = 0; axis < nd; axis++) {
      low[axis] = Math.min(low[axis], at(j, axis));
      high[axis] = Math.max(high[axis], at(j, axis));
    }
  }
  const whole = (axis: number): boolean => low[axis] === 0 && high[axis] === d.shape[axis] - 1;
  const narrowed = d.shape.filter((_, axis) => !whole(axis)).length;
  if (narrowed < Math.min(2, nd)) return undefined;
  const boxSize = d.shape.reduce((n, _, axis) => n * (high[axis] - low[axis] + 1), 1);
  if (boxSize > 0.5 * sizeOf(d.shape)) return undefined;
  const inBox = compared.filter((j) => low.every((from, axis) => at(j, axis) >= from && at(j, axis) <= high[axis])).length;
  if (d.failing.length < 0.5 * inBox) return undefined;
  const ranges = d.shape.map((_, axis) =>
    whole(axis) ? ':' : low[axis] === high[axis] ? `${low[axis]}` : `${low[axis]}:${high[axis] + 1}`,
  );
  const what = nd > 1 ? 'the block' : 'the range';
  return `wrong only in ${what} ${d.name}[${ranges.join(', ')}] (${d.failing.length} of its ${inBox} elements; ${d.name} has shape ${formatShape(d.shape)}); the rest matches: one part of a concatenated or split tensor handled wrong?`;
}

/** Failures confined to a minority of the slices along one dimension (rows, columns, channels...). */
function confinedToSlices(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const nd = d.shape.length;
  if (nd < 2) return undefined;
  const strides = stridesOf(d.shape);
  let best: { dim: number; slices: number[]; fraction: number } | undefined;
  for (let dim = 0; dim < nd; dim++) {
    const size = d.shape[dim];
    if (size < 2) continue;
    const hit = new Uint8Array(size);
    for (const j of d.failing) hit[Math.floor(j / strides[dim]) % size] = 1;
    const slices: number[] = [];
    hit.forEach((h, i) => h && slices.push(i));
    const fraction = slices.length / size;
    if (fraction > 0.5) continue;
    // Most of the elements in those slices must be wrong, or it is a scatter, not a slice.
    const perSlice = compared.length / size;
    if (d.failing.length < 0.5 * slices.length * perSlice) continue;
    if (!best || fraction < best.fraction) best = { dim, slices, fraction };
  }
  if (!best) return undefined;
  const size = d.shape[best.dim];
  const within = nd > 2 ? ` in shape ${formatShape(d.shape)}` : '';
  const plural = best.slices.length > 1;
  if (best.dim >= nd - 2) {
    const noun = best.dim === nd - 2 ? (plural ? 'rows' : 'row') : plural ? 'columns' : 'column';
    return `wrong only in ${noun} ${listOf(best.slices)} (of ${size}${within}); the rest matches`;
  }
  return `wrong only where dimension ${best.dim} is ${listOf(best.slices, 'or')} (of ${size}${within}); the rest matches`;
}

/** Failures confined to the first/last row or column of the last two dimensions; names the sides. */
function confinedToBorder(d: DiagnosisInput): string | undefined {
  const nd = d.shape.length;
  if (nd < 2 || d.failing.length < 2) return undefined;
  const rows = d.shape[nd - 2];
  const cols = d.shape[nd - 1];
  if (rows < 3 || cols < 3) return undefined;
  const sides = [
    { name: 'first row', on: (r: number, _c: number) => r === 0 },
    { name: 'last row', on: (r: number, _c: number) => r === rows - 1 },
    { name: 'first column', on: (_r: number, c: number) => c === 0 },
    { name: 'last column', on: (_r: number, c: number) => c === cols - 1 },
  ];
  const cells = Array.from(d.failing, (j) => ({ r: Math.floor(j / cols) % rows, c: j % cols }));
  if (cells.some(({ r, c }) => !sides.some((s) => s.on(r, c)))) return undefined;
  // The fewest sides that cover every failure, greedily: corners belong to two sides.
  const chosen: string[] = [];
  let left = cells;
  while (left.length > 0) {
    const best = sides.reduce((a, b) =>
      left.filter(({ r, c }) => b.on(r, c)).length > left.filter(({ r, c }) => a.on(r, c)).length ? b : a,
    );
    chosen.push(best.name);
    left = left.filter(({ r, c }) => !best.on(r, c));
  }
  const where = chosen.length === 4 ? 'all four sides' : listOf(chosen);
  return `wrong only on border elements (${where}); the interior matches: padding or edge handling?`;
}

function fewElements(d: DiagnosisInput, compared: Int32Array): string | undefined {
  if (d.failing.length > 3 || compared.length < 8) return undefined;
  const where = Array.from(d.failing, (j) => formatIndex(unravel(j, d.shape)));
  return `wrong only at ${listOf(where)} (${d.failing.length} of ${compared.length} elements); the rest matches`;
}

export function allZero(values: Float64Array, positions: Int32Array): boolean {
  for (const j of positions) if (values[j] !== 0) return false;
  return positions.length > 0;
}

import type { DiagnosisInput } from './diagnosis';
import { elementPasses } from './compare';
import { stridesOf } from './shapes';
import { listOf } from './wording';

/**
 * Right values in the wrong places: the analytic gradient is the numeric one moved along
 * an axis by a few places (an index off by one), with its slices along an axis reordered
 * (two rows swapped, an index counted from the wrong end), or turned 180° in its last two
 * axes (a flipped kernel). Each is named only when every compared element matches the
 * numeric gradient moved that way and some element does not match it unmoved. The tests
 * mostly stop at their first mismatch, so they cost a few passes over the data, and only
 * for a gradient that already failed.
 */
export function rearranged(d: DiagnosisInput, compared: Int32Array): string | undefined {
  return shifted(d, compared) ?? permuted(d, compared) ?? turned(d, compared);
}

/** Rolled round (analytic[i] = numeric[(i - s) mod n]) or shifted with zeros coming in, by fewer than 4 places. */
function shifted(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const strides = stridesOf(d.shape);
  for (let axis = 0; axis < d.shape.length; axis++) {
    const n = d.shape[axis];
    // Along two slices a roll is a swap, which permuted() names more plainly.
    const rolls = n === 2 ? [false] : [true, false];
    for (let s = 1; s < Math.min(n, 4); s++) {
      for (const by of [s, -s]) {
        for (const roll of rolls) {
          if (shiftHolds(d, compared, strides[axis], n, by, roll)) {
            const where = d.shape.length > 1 ? ` along axis ${axis}` : '';
            const how = roll ? 'rolled round' : 'with zeros coming in';
            return `the analytic gradient is the numeric one shifted by ${by > 0 ? '+' : ''}${by}${where} (${how}): an index off by ${s}?`;
          }
        }
      }
    }
  }
  return undefined;
}

function shiftHolds(d: DiagnosisInput, compared: Int32Array, stride: number, n: number, by: number, roll: boolean): boolean {
  let moved = false;
  for (const j of compared) {
    const i = Math.floor(j / stride) % n;
    let from = i - by;
    if (roll) from = ((from % n) + n) % n;
    const source = j + (from - i) * stride;
    const inside = from >= 0 && from < n;
    if (inside && d.kink[source]) return false;
    if (!elementPasses(d.analytic[j], inside ? d.numeric[source] : 0, d.tol)) return false;
    if (!elementPasses(d.analytic[j], d.numeric[j], d.tol)) moved = true;
  }
  return moved;
}

/** Slices along one axis are matched one to one; past this many the pairing costs more than it tells. */
const MAX_SLICES = 1024;

function permuted(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const strides = stridesOf(d.shape);
  for (let axis = 0; axis < d.shape.length; axis++) {
    const n = d.shape[axis];
    if (n < 2 || n > MAX_SLICES) continue;
    const from = sliceSources(d, compared, strides[axis], n);
    if (from) return describePermutation(d.shape.length, axis, from);
  }
  return undefined;
}

/**
 * For each slice i along an axis, the slice whose numeric values its analytic ones equal
 * at every compared element, each slice used once; undefined unless such a pairing moves
 * something. A slice stays where it is when it matches there. Because the pairing is one
 * to one, a zero slice that matches anywhere cannot make a reordering on its own: some
 * other slice must carry the moved values.
 */
function sliceSources(d: DiagnosisInput, compared: Int32Array, stride: number, n: number): number[] | undefined {
  const members: number[][] = Array.from({ length: n }, () => []);
  for (const j of compared) members[Math.floor(j / stride) % n].push(j);
  const holds = (i: number, source: number): boolean =>
    members[i].every((j) => {
      const k = j + (source - i) * stride;
      return d.kink[k] === 0 && elementPasses(d.analytic[j], d.numeric[k], d.tol);
    });
  const from = new Array<number>(n).fill(-1);
  const used = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (members[i].length > 0 && holds(i, i)) {
      from[i] = i;
      used[i] = 1;
    }
  }
  let moved = false;
  for (let i = 0; i < n; i++) {
    if (from[i] >= 0) continue;
    let source = -1;
    for (let c = 0; c < n && source < 0; c++) if (!used[c] && holds(i, c)) source = c;
    if (source < 0) return undefined;
    from[i] = source;
    used[source] = 1;
    moved = true;
  }
  return moved ? from : undefined;
}

function describePermutation(rank: number, axis: number, from: number[]): string {
  const n = from.length;
  const { one, many, along } = sliceNoun(rank, axis);
  if (n >= 4 && from.every((f, i) => f === n - 1 - i)) {
    return `the analytic gradient is the numeric one with its ${many}${along} in reverse order: an index counted from the wrong end (n - 1 - i)?`;
  }
  const moved = from.flatMap((f, i) => (f === i ? [] : [[i, f]]));
  if (moved.length === 2) {
    return `the analytic gradient is the numeric one with ${many} ${moved[0][0]} and ${moved[1][0]}${along} swapped: two indices mixed up?`;
  }
  const listed = moved.map(([i, f]) => `${one} ${i} holds ${one} ${f}'s`);
  return `the analytic gradient is the numeric one with its ${many}${along} reordered (${listOf(listed)}): an index mapped to the wrong ${one}?`;
}

function sliceNoun(rank: number, axis: number): { one: string; many: string; along: string } {
  if (rank === 1) return { one: 'element', many: 'elements', along: '' };
  if (axis === rank - 2) return { one: 'row', many: 'rows', along: '' };
  if (axis === rank - 1) return { one: 'column', many: 'columns', along: '' };
  return { one: 'slice', many: 'slices', along: ` along axis ${axis}` };
}

/** Turned 180° in the last two axes: within each plane, flat position p holds the numeric value at plane - 1 - p. */
function turned(d: DiagnosisInput, compared: Int32Array): string | undefined {
  const nd = d.shape.length;
  if (nd < 2 || d.shape[nd - 2] < 2 || d.shape[nd - 1] < 2) return undefined;
  const plane = d.shape[nd - 2] * d.shape[nd - 1];
  let moved = false;
  for (const j of compared) {
    const p = j % plane;
    const k = j - p + (plane - 1 - p);
    if (d.kink[k] || !elementPasses(d.analytic[j], d.numeric[k], d.tol)) return undefined;
    if (!elementPasses(d.analytic[j], d.numeric[j], d.tol)) moved = true;
  }
  if (!moved) return undefined;
  return 'the analytic gradient is the numeric one turned 180° in its last two axes (flipped along both): a kernel flipped, a convolution where a cross-correlation belongs?';
}

/** Shape arithmetic on plain number arrays (the checker works on flat row-major data). */

import { sizeOf } from '../engine/tensor';

export { sizeOf, stridesOf } from '../engine/tensor';

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The multi-index of flat position `flat` in a row-major tensor of `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    index[d] = flat % n;
    flat = Math.floor(flat / n);
  }
  return index;
}

export function formatIndex(index: readonly number[]): string {
  return `[${index.join(',')}]`;
}

/**
 * The flat positions of the transpose of the last two dimensions: element `i` of the
 * result is the position in the original that lands at `i` after swapping the last two
 * dimensions. `shape` is the original's shape.
 */
export function transposedPositions(shape: readonly number[]): Int32Array {
  const nd = shape.length;
  const rows = shape[nd - 2];
  const cols = shape[nd - 1];
  const plane = rows * cols;
  const total = sizeOf(shape);
  const out = new Int32Array(total);
  // The transposed tensor has shape [..., cols, rows]; its (c, r) is the original's (r, c).
  for (let base = 0; base < total; base += plane) {
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++) out[base + c * rows + r] = base + r * cols + c;
    }
  }
  return out;
}

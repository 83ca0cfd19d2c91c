/**
 * Strided index arithmetic shared by the ops: broadcasting, permutation and
 * reduction all reduce to "for each element of this shape, where does it live
 * in that storage?", answered once as an offset table.
 */
import { describe, EngineError, fmtShape, sizeOf, stridesOf, type Shape } from '../tensor';

/** PyTorch's broadcasting: align trailing dims; each pair equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new EngineError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides for reading a tensor of `shape` as if it had `target` shape (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const s = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : s[i];
  return out;
}

/** For every element of `shape` (row-major), its offset under `strides`. */
export function offsetTable(shape: Shape, strides: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const nd = shape.length;
  if (nd === 0) return out;
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const innerN = shape[last];
  const innerS = strides[last];
  let base = 0;
  for (let i = 0; i < n; i += innerN) {
    for (let j = 0; j < innerN; j++) out[i + j] = base + j * innerS;
    // advance the outer counter (dims 0..last-1)
    let d = last - 1;
    while (d >= 0) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
      d--;
    }
  }
  return out;
}

/** Normalise a possibly negative axis. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new EngineError(op, `dim must be an integer, got ${describe(axis)}`);
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(ndim, 1)) {
    throw new EngineError(op, `dim ${axis} is out of range for a tensor with ${ndim} dims`);
  }
  return a;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reductions. sum's backward broadcasts the upstream gradient back over the
 * reduced dims; mean's divides it by the count; max's sends it to the argmax.
 */
import { requireTensor } from '../args';
import { allocate, describe, EngineError, fmtShape, type FloatStorage, record, type Shape, sizeOf, stridesOf, Tensor } from '../tensor';
import { normAxis, offsetTable, sameShape } from './indexing';

export type Dims = number | number[] | undefined;

interface ReducePlan {
  axes: number[];
  outShape: number[]; // with keepdim
  keptShape: number[]; // with reduced dims as 1 (for broadcasting back)
  outIndex: Int32Array; // for each input element, its output slot
  count: number; // elements per output slot
}

function plan(op: string, shape: Shape, dims: Dims, keepdim: boolean): ReducePlan {
  if (typeof keepdim !== 'boolean') throw new EngineError(op, `keepdim must be true or false, got ${describe(keepdim)}`);
  const nd = shape.length;
  const axes = dims === undefined ? [...shape.keys()] : (Array.isArray(dims) ? dims : [dims]).map((d) => normAxis(op, d, nd));
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepdim ? keptShape : shape.filter((_, i) => !axes.includes(i));
  const ks = stridesOf(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
  return { axes, outShape, keptShape, outIndex: offsetTable(shape, ks), count: sizeOf(shape) / Math.max(1, sizeOf(keptShape)) };
}

function floatOf(a: Tensor): Tensor {
  return a.dtype === 'bool' ? new Tensor(Float64Array.from(a.data), a.shape, 'float64') : a;
}

/** Broadcast g (shaped like the kept shape) back over `shape`. */
export function expandTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const out = allocate(g.dtype, sizeOf(shape)) as FloatStorage;
  const gs = stridesOf(g.shape);
  const off = shape.length - g.shape.length;
  const strides = shape.map((_d, i) => (i < off || g.shape[i - off] === 1 ? 0 : gs[i - off]));
  const idx = offsetTable(shape, strides);
  const gd = g.data;
  for (let i = 0; i < out.length; i++) out[i] = gd[idx[i]];
  return new Tensor(out, shape, g.dtype);
}

export function sum(a: Tensor, dims?: Dims, keepdim = false): Tensor {
  a = floatOf(requireTensor('sum', 'input', a));
  const p = plan('sum', a.shape, dims, keepdim);
  const out = allocate(a.dtype, sizeOf(p.outShape)) as FloatStorage;
  const x = a.data,
    oi = p.outIndex;
  if (p.axes.length === a.ndim) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    out[0] = s;
  } else {
    for (let i = 0; i < x.length; i++) out[oi[i]] += x[i];
  }
  const res = new Tensor(out, p.outShape, a.dtype);
  // d sum / d a_i = 1: the gradient is copied to every summed element
  return record('sum', res, [a], (g) => [expandTo(g.reshape(p.keptShape), a.shape)]);
}

export function mean(a: Tensor, dims?: Dims, keepdim = false): Tensor {
  a = floatOf(requireTensor('mean', 'input', a));
  const p = plan('mean', a.shape, dims, keepdim);
  if (p.count === 0) throw new EngineError('mean', `cannot take the mean over an empty dim of shape ${fmtShape(a.shape)}`);
  const s = sum(a, dims, keepdim);
  const out = s.data as FloatStorage;
  for (let i = 0; i < out.length; i++) out[i] /= p.count;
  s.node = null; // replaced by mean's own node below
  s.requiresGrad = false;
  // d mean / d a_i = 1/N
  return record('mean', s, [a], (g) => {
    const e = expandTo(g.reshape(p.keptShape), a.shape);
    const d = e.data as FloatStorage;
    const o = allocate(e.dtype, d.length) as FloatStorage;
    for (let i = 0; i < d.length; i++) o[i] = d[i] / p.count;
    return [new Tensor(o, a.shape, e.dtype)];
  });
}

/** max over one dim (or all); returns values; the gradient flows to the first argmax. */
export function max(a: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum('max', a, dim, keepdim, (x, best) => x > best).values;
}

export function min(a: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum('min', a, dim, keepdim, (x, best) => x < best).values;
}

export function argmax(a: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum('argmax', a, dim, keepdim, (x, best) => x > best).indices;
}

export function argmin(a: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum('argmin', a, dim, keepdim, (x, best) => x < best).indices;
}

function extremum(op: string, a: Tensor, dim: number | undefined, keepdim: boolean, better: (x: number, best: number) => boolean) {
  a = floatOf(requireTensor(op, 'input', a));
  if (Array.isArray(dim)) throw new EngineError(op, `dim must be one integer (or undefined for all), got ${describe(dim)}`);
  if (a.size === 0) throw new EngineError(op, `cannot reduce an empty tensor of shape ${fmtShape(a.shape)}`);
  const p = plan(op, a.shape, dim, keepdim);
  const n = sizeOf(p.outShape);
  const vals = allocate(a.dtype, n) as FloatStorage;
  const arg = new Int32Array(n).fill(-1); // flat input index of the winner
  const x = a.data,
    oi = p.outIndex;
  for (let i = 0; i < x.length; i++) {
    const o = oi[i];
    const v = x[i];
    if (arg[o] < 0 || better(v, vals[o]) || (Number.isNaN(v) && !Number.isNaN(vals[o]))) {
      vals[o] = v;
      arg[o] = i;
    }
  }
  const values = record(op, new Tensor(vals, p.outShape, a.dtype), [a], (g) => {
    const out = allocate(g.dtype, a.size) as FloatStorage;
    const gd = g.data;
    for (let o = 0; o < n; o++) out[arg[o]] += gd[o];
    return [new Tensor(out, a.shape, g.dtype)];
  });
  // indices along `dim` (or into the flat tensor when reducing everything)
  const idx = new Float64Array(n);
  const stride = dim === undefined ? 1 : stridesOf(a.shape)[p.axes[0]];
  const len = dim === undefined ? a.size : a.shape[p.axes[0]];
  for (let o = 0; o < n; o++) idx[o] = Math.floor(arg[o] / stride) % len;
  return { values, indices: new Tensor(idx, p.outShape, 'float64') };
}

/** Sum a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new EngineError('sumTo', `cannot reduce ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes, true) : g;
  return s.reshape([...shape]);
}

/**
 * Shape ops move elements without changing them, so each backward is the
 * inverse move: reshape back, permute by the inverse permutation, scatter what
 * was gathered, split what was concatenated.
 */
import { optionalInt, requireDims, requireInt, requireShape, requireTensor, requireTensorList } from '../args';
import { allocate, describe, EngineError, fmtShape, type FloatStorage, record, type Shape, sizeOf, stridesOf, Tensor } from '../tensor';
import { broadcastShapes, normAxis, offsetTable, sameShape } from './indexing';
import { expandTo, sumTo } from './reduce';

export function reshape(a: Tensor, shape: Shape): Tensor {
  requireTensor('reshape', 'input', a);
  const target = [...requireDims('reshape', 'shape', shape)];
  if (target.some((d) => d < -1) || target.filter((d) => d === -1).length > 1) {
    throw new EngineError('reshape', `shape entries must be non-negative, with at most one -1 to infer, got ${fmtShape(target)}`);
  }
  const infer = target.indexOf(-1);
  if (infer >= 0) {
    const rest = target.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    if (rest === 0 || a.size % rest !== 0) throw new EngineError('reshape', `cannot reshape ${fmtShape(a.shape)} into ${fmtShape(shape)}`);
    target[infer] = a.size / rest;
  }
  if (sizeOf(target) !== a.size) {
    throw new EngineError(
      'reshape',
      `cannot reshape ${fmtShape(a.shape)} (${a.size} elements) into ${fmtShape(shape)} (${sizeOf(target)} elements)`,
    );
  }
  const out = new Tensor(a.data, target, a.dtype); // contiguous storage: a view
  return record('reshape', out, [a], (g) => [reshape(g, a.shape)]);
}

export function permute(a: Tensor, dims: number[]): Tensor {
  requireTensor('permute', 'input', a);
  requireDims('permute', 'dims', dims);
  if (dims.length !== a.ndim)
    throw new EngineError('permute', `got ${dims.length} dims ${fmtShape(dims)} for a tensor of shape ${fmtShape(a.shape)}`);
  const p = dims.map((d) => normAxis('permute', d, a.ndim));
  if (new Set(p).size !== p.length) throw new EngineError('permute', `repeated dim in ${fmtShape(dims)}`);
  const shape = p.map((d) => a.shape[d]);
  const s = stridesOf(a.shape);
  const idx = offsetTable(
    shape,
    p.map((d) => s[d]),
  );
  const out = allocate(a.dtype, a.size);
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = x[idx[i]];
  const inverse = new Array<number>(p.length);
  p.forEach((d, i) => (inverse[d] = i));
  return record('permute', new Tensor(out, shape, a.dtype), [a], (g) => [permute(g, inverse)]);
}

export function transpose(a: Tensor, d0 = -2, d1 = -1): Tensor {
  requireTensor('transpose', 'input', a);
  if (a.ndim < 2 && d0 === -2 && d1 === -1) return a;
  const p = [...a.shape.keys()];
  const i = normAxis('transpose', d0, a.ndim),
    j = normAxis('transpose', d1, a.ndim);
  [p[i], p[j]] = [p[j], p[i]];
  return permute(a, p);
}

export function squeeze(a: Tensor, dim?: number): Tensor {
  requireTensor('squeeze', 'input', a);
  if (dim === undefined)
    return reshape(
      a,
      a.shape.filter((d) => d !== 1),
    );
  const d = normAxis('squeeze', dim, a.ndim);
  return a.shape[d] === 1
    ? reshape(
        a,
        a.shape.filter((_, i) => i !== d),
      )
    : a;
}

export function unsqueeze(a: Tensor, dim: number): Tensor {
  requireTensor('unsqueeze', 'input', a);
  const d = normAxis('unsqueeze', dim, a.ndim + 1);
  const shape = [...a.shape];
  shape.splice(d, 0, 1);
  return reshape(a, shape);
}

export function flatten(a: Tensor, start = 0, end = -1): Tensor {
  requireTensor('flatten', 'input', a);
  if (a.ndim === 0) return reshape(a, [1]);
  const s = normAxis('flatten', start, a.ndim),
    e = normAxis('flatten', end, a.ndim);
  const shape = [...a.shape.slice(0, s), sizeOf(a.shape.slice(s, e + 1)), ...a.shape.slice(e + 1)];
  return reshape(a, shape);
}

/** Broadcast to a larger shape (copying); the gradient is summed back. */
export function expand(a: Tensor, shape: Shape): Tensor {
  requireTensor('expand', 'input', a);
  requireShape('expand', 'shape', shape);
  if (a.ndim > shape.length || !sameShape(broadcastShapes('expand', a.shape, shape), shape)) {
    throw new EngineError(
      'expand',
      `a tensor of shape ${fmtShape(a.shape)} cannot be expanded to ${fmtShape(shape)}: each dim must match or be 1`,
    );
  }
  const out = expandTo(a, shape);
  return record('expand', out === a ? new Tensor(a.data, a.shape, a.dtype) : out, [a], (g) => [sumTo(g, a.shape)]);
}

/** out[i][j] = a[i][index[i][j]] along `dim` (PyTorch's gather); backward scatters-adds. */
export function gather(a: Tensor, dim: number, index: Tensor | number[][] | number[]): Tensor {
  requireTensor('gather', 'input', a);
  const d = normAxis('gather', dim, a.ndim);
  if (!(index instanceof Tensor) && !Array.isArray(index))
    throw new EngineError('gather', `index must be a Tensor or nested arrays of integers, got ${describe(index)}`);
  const idx = index instanceof Tensor ? index : indexTensor(index);
  if (idx.ndim !== a.ndim)
    throw new EngineError('gather', `index has ${idx.ndim} dims ${fmtShape(idx.shape)}, input has ${a.ndim} ${fmtShape(a.shape)}`);
  idx.shape.forEach((n, i) => {
    if (i !== d && n > a.shape[i])
      throw new EngineError('gather', `index shape ${fmtShape(idx.shape)} exceeds input shape ${fmtShape(a.shape)} at dim ${i}`);
  });
  const as = stridesOf(a.shape);
  const base = offsetTable(
    idx.shape,
    as.map((s, i) => (i === d ? 0 : s)),
  );
  const src = new Int32Array(idx.size);
  for (let i = 0; i < idx.size; i++) {
    const k = idx.data[i];
    if (!Number.isInteger(k) || k < -a.shape[d] || k >= a.shape[d])
      throw new EngineError('gather', `index ${k} out of range for dim ${d} of size ${a.shape[d]}`);
    src[i] = base[i] + (k < 0 ? k + a.shape[d] : k) * as[d];
  }
  const out = allocate(a.dtype, idx.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[src[i]];
  return record('gather', new Tensor(out, idx.shape, a.dtype), [a], (g) => {
    const ga = allocate(g.dtype, a.size) as FloatStorage;
    for (let i = 0; i < src.length; i++) ga[src[i]] += g.data[i];
    return [new Tensor(ga, a.shape, g.dtype)];
  });
}

function indexTensor(index: number[][] | number[]): Tensor {
  const flat = (index as unknown[]).flat(Infinity) as number[];
  const shape = Array.isArray(index[0]) ? [index.length, (index[0] as number[]).length] : [index.length];
  return new Tensor(Float64Array.from(flat), shape, 'float64');
}

export function concat(tensors: Tensor[], dim = 0): Tensor {
  requireTensorList('concat', 'tensors', tensors);
  if (!tensors.length) throw new EngineError('concat', 'needs at least one tensor');
  const first = tensors[0];
  const d = normAxis('concat', dim, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((n, i) => i !== d && n !== first.shape[i])) {
      throw new EngineError('concat', `shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} differ outside dim ${d}`);
    }
    if (t.dtype !== first.dtype)
      throw new EngineError('concat', `dtype mismatch: ${first.dtype} ${fmtShape(first.shape)} and ${t.dtype} ${fmtShape(t.shape)}`);
  }
  const outer = sizeOf(first.shape.slice(0, d));
  const inner = sizeOf(first.shape.slice(d + 1));
  const sizes = tensors.map((t) => t.shape[d]);
  const total = sizes.reduce((p, n) => p + n, 0);
  const shape = [...first.shape];
  shape[d] = total;
  const out = allocate(first.dtype, sizeOf(shape));
  let off = 0;
  tensors.forEach((t, k) => {
    const chunk = sizes[k] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + off * inner);
    off += sizes[k];
  });
  return record('concat', new Tensor(out, shape, first.dtype), tensors, (g) => {
    let start = 0;
    return tensors.map((_t, k) => {
      const part = narrow(g, d, start, sizes[k]);
      start += sizes[k];
      return part;
    });
  });
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  requireTensorList('stack', 'tensors', tensors);
  if (!tensors.length) throw new EngineError('stack', 'needs at least one tensor');
  for (const t of tensors) {
    if (t.shape.join(',') !== tensors[0].shape.join(','))
      throw new EngineError('stack', `shapes ${fmtShape(tensors[0].shape)} and ${fmtShape(t.shape)} differ`);
  }
  const d = normAxis('stack', dim, tensors[0].ndim + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Elements start..start+length along `dim` (a copy). */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  requireTensor('narrow', 'input', a);
  const d = normAxis('narrow', dim, a.ndim);
  requireInt('narrow', 'start', start);
  requireInt('narrow', 'length', length);
  if (start < 0 || length < 0 || start + length > a.shape[d]) {
    throw new EngineError('narrow', `range [${start}, ${start + length}) is out of bounds for dim ${d} of shape ${fmtShape(a.shape)}`);
  }
  const outer = sizeOf(a.shape.slice(0, d));
  const inner = sizeOf(a.shape.slice(d + 1));
  const shape = [...a.shape];
  shape[d] = length;
  const out = allocate(a.dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    const src = (o * a.shape[d] + start) * inner;
    out.set(a.data.subarray(src, src + length * inner), o * length * inner);
  }
  return record('narrow', new Tensor(out, shape, a.dtype), [a], (g) => {
    const ga = allocate(g.dtype, a.size) as FloatStorage;
    for (let o = 0; o < outer; o++)
      ga.set(g.data.subarray(o * length * inner, (o + 1) * length * inner) as FloatStorage, (o * a.shape[d] + start) * inner);
    return [new Tensor(ga, a.shape, g.dtype)];
  });
}

/** a[i] along the first axis (negative i counts from the end). */
export function index(a: Tensor, i: number): Tensor {
  requireTensor('index', 'input', a);
  requireInt('index', 'i', i);
  if (a.ndim === 0) throw new EngineError('index', 'cannot index a 0-d tensor');
  const n = a.shape[0];
  const k = i < 0 ? i + n : i;
  if (!Number.isInteger(k) || k < 0 || k >= n)
    throw new EngineError('index', `index ${i} is out of range for first dim of size ${n} (shape ${fmtShape(a.shape)})`);
  return reshape(narrow(a, 0, k, 1), a.shape.slice(1));
}

/** a[start:end] along the first axis, Python-style (negative and clamped bounds). */
export function slice(a: Tensor, start = 0, end?: number): Tensor {
  requireTensor('slice', 'input', a);
  if (a.ndim === 0) throw new EngineError('slice', 'cannot slice a 0-d tensor');
  requireInt('slice', 'start', start);
  optionalInt('slice', 'end', end, 0);
  const n = a.shape[0];
  const norm = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = norm(start),
    e = norm(end ?? n);
  return narrow(a, 0, s, Math.max(0, e - s));
}

/** Rows of the first axis picked by a list of indices (a minibatch). */
export function indexSelect(a: Tensor, rows: ArrayLike<number>): Tensor {
  requireTensor('indexSelect', 'input', a);
  if (!Array.isArray(rows) && !(ArrayBuffer.isView(rows) && !(rows instanceof DataView))) {
    throw new EngineError('indexSelect', `rows must be an array or typed array of row indices, got ${describe(rows)}`);
  }
  if (a.ndim === 0) throw new EngineError('indexSelect', 'cannot select rows of a 0-d tensor');
  const n = a.shape[0];
  const inner = sizeOf(a.shape.slice(1));
  const out = allocate(a.dtype, rows.length * inner);
  for (let r = 0; r < rows.length; r++) {
    const k = rows[r];
    if (!Number.isInteger(k) || k < 0 || k >= n)
      throw new EngineError('indexSelect', `row ${k} is out of range for first dim of size ${n}`);
    out.set(a.data.subarray(k * inner, (k + 1) * inner), r * inner);
  }
  return record('indexSelect', new Tensor(out, [rows.length, ...a.shape.slice(1)], a.dtype), [a], (g) => {
    const ga = allocate(g.dtype, a.size) as FloatStorage;
    for (let r = 0; r < rows.length; r++) {
      const k = rows[r];
      for (let j = 0; j < inner; j++) ga[k * inner + j] += g.data[r * inner + j];
    }
    return [new Tensor(ga, a.shape, g.dtype)];
  });
}

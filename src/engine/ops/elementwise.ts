/**
 * Elementwise ops with PyTorch broadcasting. Each op's forward is a map over
 * elements; its backward is the local derivative times the upstream gradient,
 * summed back down to the input's shape wherever the input was broadcast.
 */
import { requireNumber, requireOneOf, requireTensor, requireTensorLike } from '../args';
import { getDefaultDtype } from '../creation';
import { allocate, type DType, EngineError, fmtShape, type FloatStorage, record, type Storage, Tensor } from '../tensor';
import { broadcastShapes, broadcastStrides, offsetTable, sameShape } from './indexing';
import { sumTo } from './reduce';

export type TensorLike = Tensor | number;

/** The dtype two operands compute in: floats must agree; bool and scalars adopt the other. */
export function resultDtype(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype === b.dtype) return a.dtype === 'bool' ? 'float64' : a.dtype;
  if (a.dtype === 'bool') return b.dtype;
  if (b.dtype === 'bool') return a.dtype;
  throw new EngineError(
    op,
    `dtype mismatch: ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)}; convert one with .to('${a.dtype}') or .to('${b.dtype}')`,
  );
}

/** A number becomes a 0-d tensor in the dtype of the tensor it meets (the default dtype beside a bool mask). */
function asTensor(x: TensorLike, like: Tensor | null): Tensor {
  if (x instanceof Tensor) return x;
  const dt = like && like.dtype !== 'bool' ? like.dtype : getDefaultDtype();
  const d = allocate(dt, 1);
  d[0] = x;
  return new Tensor(d, [], dt);
}

/** Both operands of a binary op as tensors, each checked; two numbers make 0-d tensors of the default dtype. */
function operands(op: string, a: unknown, b: unknown, names: [string, string] = ['input', 'other']): [Tensor, Tensor] {
  requireTensorLike(op, names[0], a);
  requireTensorLike(op, names[1], b);
  const ta = asTensor(a as TensorLike, b instanceof Tensor ? b : null);
  return [ta, asTensor(b as TensorLike, ta)];
}

/** Apply f to broadcast pairs; returns a fresh tensor (not recorded). */
export function mapBinary(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number, outDtype?: DType): Tensor {
  const dtype = outDtype ?? resultDtype(op, a, b);
  const x = a.data,
    y = b.data;
  if (sameShape(a.shape, b.shape)) {
    const out = allocate(dtype, a.size);
    for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i]);
    return new Tensor(out, a.shape, dtype);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(
    dtype,
    shape.reduce((p, d) => p * d, 1),
  );
  if (b.size === 1) {
    const s = y[0];
    for (let i = 0; i < out.length; i++) out[i] = f(x[i % x.length], s);
  } else if (a.size === 1) {
    const s = x[0];
    for (let i = 0; i < out.length; i++) out[i] = f(s, y[i % y.length]);
  } else if (a.size === out.length && isTrailingOf(b.shape, shape)) {
    // b repeats along a's leading dims (a bias added to every row): no offset tables.
    const nb = y.length;
    for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i % nb]);
  } else if (b.size === out.length && isTrailingOf(a.shape, shape)) {
    const na = x.length;
    for (let i = 0; i < out.length; i++) out[i] = f(x[i % na], y[i]);
  } else {
    const oa = offsetTable(shape, broadcastStrides(a.shape, shape));
    const ob = offsetTable(shape, broadcastStrides(b.shape, shape));
    for (let i = 0; i < out.length; i++) out[i] = f(x[oa[i]], y[ob[i]]);
  }
  return new Tensor(out, shape, dtype);
}

export function mapUnary(a: Tensor, f: (x: number) => number, dtype: DType = a.dtype === 'bool' ? 'float64' : a.dtype): Tensor {
  const out = allocate(dtype, a.size);
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
  return new Tensor(out, a.shape, dtype);
}

/** A recorded binary op: f elementwise forward; backward gives each operand's gradient before un-broadcasting. */
function binaryRecorded(
  op: string,
  a: TensorLike,
  b: TensorLike,
  f: (x: number, y: number) => number,
  backward: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
  names?: [string, string],
): Tensor {
  const [ta, tb] = operands(op, a, b, names);
  const out = mapBinary(op, ta, tb, f);
  return record(op, out, [ta, tb], (g) => {
    const [ga, gb] = backward(g, ta, tb, out);
    return [ga && ta.requiresGrad ? sumTo(ga, ta.shape) : null, gb && tb.requiresGrad ? sumTo(gb, tb.shape) : null];
  });
}

// d(a+b) = da + db
export const add = (a: TensorLike, b: TensorLike): Tensor =>
  binaryRecorded(
    'add',
    a,
    b,
    (x, y) => x + y,
    (g) => [g, g],
  );

// d(a-b) = da - db
export const sub = (a: TensorLike, b: TensorLike): Tensor =>
  binaryRecorded(
    'sub',
    a,
    b,
    (x, y) => x - y,
    (g) => [g, neg(g)],
  );

// d(ab) = b da + a db
export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  binaryRecorded(
    'mul',
    a,
    b,
    (x, y) => x * y,
    (g, a, b) => [mul(g, b), mul(g, a)],
  );

// d(a/b) = da/b - a/b^2 db
export const div = (a: TensorLike, b: TensorLike): Tensor =>
  binaryRecorded(
    'div',
    a,
    b,
    (x, y) => x / y,
    (g, a, b) => [div(g, b), neg(div(mul(g, a), mul(b, b)))],
  );

// d(a^p) = p a^(p-1) da ;  d(a^b)/db = a^b ln a
export const pow = (a: TensorLike, p: TensorLike): Tensor =>
  binaryRecorded(
    'pow',
    a,
    p,
    Math.pow,
    (g, a, b, out) => [
      mul(
        g,
        mul(
          b,
          mapBinary('pow', a, b, (x, y) => (y === 0 ? 0 : x ** (y - 1))),
        ),
      ),
      b.requiresGrad ? mul(g, mul(out, mapUnary(a, Math.log))) : null,
    ],
    ['input', 'exponent'],
  );

// d max(a,b): the gradient goes to the larger (to a on ties, as a choice of subgradient)
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binaryRecorded('maximum', a, b, Math.max, (g, a, b) => [
    mul(
      g,
      mapBinary('maximum', a, b, (x, y) => (x >= y ? 1 : 0)),
    ),
    mul(
      g,
      mapBinary('maximum', a, b, (x, y) => (x >= y ? 0 : 1)),
    ),
  ]);

export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binaryRecorded('minimum', a, b, Math.min, (g, a, b) => [
    mul(
      g,
      mapBinary('minimum', a, b, (x, y) => (x <= y ? 1 : 0)),
    ),
    mul(
      g,
      mapBinary('minimum', a, b, (x, y) => (x <= y ? 0 : 1)),
    ),
  ]);

/** A recorded unary op: `local(a, out)` is the elementwise derivative d out / d a. */
export function unary(op: string, a: Tensor, f: (x: number) => number, local: (a: Tensor, out: Tensor) => Tensor): Tensor {
  requireTensor(op, 'input', a);
  if (a.dtype === 'bool') a = mapUnary(a, (x) => x);
  const out = mapUnary(a, f);
  return record(op, out, [a], (g) => [mul(g, local(a, out))]);
}

export const neg = (a: Tensor): Tensor => {
  requireTensor('neg', 'input', a);
  const out = mapUnary(a, (x) => -x);
  return record('neg', out, [a], (g) => [neg(g)]);
};
// d e^a = e^a da
export const exp = (a: Tensor): Tensor => unary('exp', a, Math.exp, (_a, out) => out);
// d ln a = da / a
export const log = (a: Tensor): Tensor => unary('log', a, Math.log, (a) => mapUnary(a, (x) => 1 / x));
// d sqrt a = da / (2 sqrt a)
export const sqrt = (a: Tensor): Tensor => unary('sqrt', a, Math.sqrt, (_a, out) => mapUnary(out, (y) => 0.5 / y));
// d |a| = sign(a) da
export const abs = (a: Tensor): Tensor => unary('abs', a, Math.abs, (a) => mapUnary(a, Math.sign));
export const square = (a: Tensor): Tensor =>
  unary(
    'square',
    a,
    (x) => x * x,
    (a) => mapUnary(a, (x) => 2 * x),
  );
export const sin = (a: Tensor): Tensor => unary('sin', a, Math.sin, (a) => mapUnary(a, Math.cos));
export const cos = (a: Tensor): Tensor => unary('cos', a, Math.cos, (a) => mapUnary(a, (x) => -Math.sin(x)));
// clamp passes the gradient where the input was inside [lo, hi]
export function clamp(a: Tensor, lo = -Infinity, hi = Infinity): Tensor {
  requireTensor('clamp', 'input', a);
  requireNumber('clamp', 'min', lo);
  requireNumber('clamp', 'max', hi);
  return unary(
    'clamp',
    a,
    (x) => Math.min(hi, Math.max(lo, x)),
    (a) => mapUnary(a, (x) => (x >= lo && x <= hi ? 1 : 0)),
  );
}

// Comparisons give bool masks and carry no gradient.
const compare =
  (op: string, f: (x: number, y: number) => boolean) =>
  (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = operands(op, a, b);
    if (ta.dtype !== 'bool' && tb.dtype !== 'bool') resultDtype(op, ta, tb);
    return mapBinary(op, ta, tb, (x, y) => (f(x, y) ? 1 : 0), 'bool');
  };
export const gt = compare('gt', (x, y) => x > y);
export const ge = compare('ge', (x, y) => x >= y);
export const lt = compare('lt', (x, y) => x < y);
export const le = compare('le', (x, y) => x <= y);
export const eq = compare('eq', (x, y) => x === y);
export const ne = compare('ne', (x, y) => x !== y);

export function logicalNot(a: Tensor): Tensor {
  requireTensor('logicalNot', 'input', a);
  return mapUnary(a, (x) => (x ? 0 : 1), 'bool');
}

/** where(cond, a, b): a where cond is true, else b; the gradient is routed the same way. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  requireTensor('where', 'condition', cond);
  const [ta, tb] = operands('where', a, b);
  const dtype = resultDtype('where', ta, tb);
  const inner = mapBinary('where', ta, tb, (x) => x, dtype); // broadcast shape of a and b
  const c = mapBinary('where', cond, inner, (x) => x, 'bool'); // ... and of the condition
  const shape = c.shape;
  const ca = mapBinary('where', c, ta, (_m, x) => x, dtype);
  const cb = mapBinary('where', c, tb, (_m, x) => x, dtype);
  const out = allocate(dtype, c.size) as FloatStorage;
  const m = c.data as Storage;
  for (let i = 0; i < out.length; i++) out[i] = m[i] ? ca.data[i] : cb.data[i];
  const result = new Tensor(out, shape, dtype);
  return record('where', result, [ta, tb], (g) => {
    const gA = mapBinary('where', c, g, (mm, x) => (mm ? x : 0), g.dtype);
    const gB = mapBinary('where', c, g, (mm, x) => (mm ? 0 : x), g.dtype);
    return [ta.requiresGrad ? sumTo(gA, ta.shape) : null, tb.requiresGrad ? sumTo(gB, tb.shape) : null];
  });
}

/** Cast to another dtype; the gradient is cast back. */
export function to(a: Tensor, dtype: DType): Tensor {
  requireTensor('to', 'input', a);
  requireOneOf('to', 'dtype', dtype, ['float64', 'float32', 'bool']);
  if (a.dtype === dtype) return a;
  const out = mapUnary(a, (x) => x, dtype);
  if (dtype === 'bool') return out;
  return record('to', out, [a], (g) => [a.dtype === 'bool' ? null : to(g, a.dtype)]);
}

/** True when `small`, leading 1s aside, equals the trailing dims of `big`. */
function isTrailingOf(small: readonly number[], big: readonly number[]): boolean {
  let s = 0;
  while (s < small.length && small[s] === 1) s++;
  const rest = small.length - s;
  if (rest > big.length) return false;
  for (let i = 0; i < rest; i++) if (small[s + i] !== big[big.length - rest + i]) return false;
  return true;
}

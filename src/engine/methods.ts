/**
 * Tensor methods, PyTorch-style: thin forwards to the ops, attached to the
 * prototype so that `x.matmul(w).add(b).relu()` reads like the math.
 */
import { Tensor, type DType, type Shape } from './tensor';
import * as E from './ops/elementwise';
import * as R from './ops/reduce';
import * as S from './ops/shape';
import { matmul } from './ops/matmul';
import * as A from './functional/activations';

type T = E.TensorLike;

declare module './tensor' {
  interface Tensor {
    add(other: T): Tensor;
    sub(other: T): Tensor;
    mul(other: T): Tensor;
    div(other: T): Tensor;
    pow(exponent: T): Tensor;
    maximum(other: T): Tensor;
    minimum(other: T): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    clamp(min?: number, max?: number): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    matmul(other: Tensor): Tensor;
    sum(dim?: number | number[], keepdim?: boolean): Tensor;
    mean(dim?: number | number[], keepdim?: boolean): Tensor;
    max(dim?: number, keepdim?: boolean): Tensor;
    min(dim?: number, keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    view(shape: Shape): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor;
    /** Transpose of the last two dims. */
    readonly T: Tensor;
    permute(dims: number[]): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    expand(shape: Shape): Tensor;
    gather(dim: number, index: Tensor | number[] | number[][]): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    index(i: number): Tensor;
    slice(start?: number, end?: number): Tensor;
    indexSelect(rows: ArrayLike<number>): Tensor;
    gt(other: T): Tensor;
    ge(other: T): Tensor;
    lt(other: T): Tensor;
    le(other: T): Tensor;
    eq(other: T): Tensor;
    ne(other: T): Tensor;
    logicalNot(): Tensor;
    to(dtype: DType): Tensor;
    clone(): Tensor;
  }
}

const P = Tensor.prototype;
// x.add(y) is add(x, y), and likewise for every op of a tensor and one operand.
for (const [name, op] of [
  ['add', E.add],
  ['sub', E.sub],
  ['mul', E.mul],
  ['div', E.div],
  ['pow', E.pow],
  ['maximum', E.maximum],
  ['minimum', E.minimum],
  ['gt', E.gt],
  ['ge', E.ge],
  ['lt', E.lt],
  ['le', E.le],
  ['eq', E.eq],
  ['ne', E.ne],
] as const) {
  P[name] = function (this: Tensor, o: T) {
    return op(this, o);
  };
}
// x.exp() is exp(x). The activations live with the other pointwise ops in functional/activations.ts.
for (const [name, op] of [
  ['neg', E.neg],
  ['exp', E.exp],
  ['log', E.log],
  ['sqrt', E.sqrt],
  ['abs', E.abs],
  ['square', E.square],
  ['logicalNot', E.logicalNot],
  ['relu', A.relu],
  ['sigmoid', A.sigmoid],
  ['tanh', A.tanh],
] as const) {
  P[name] = function (this: Tensor) {
    return op(this);
  };
}
P.clamp = function (lo, hi) {
  return E.clamp(this, lo, hi);
};
P.matmul = function (o) {
  return matmul(this, o);
};
P.sum = function (d, k) {
  return R.sum(this, d, k);
};
P.mean = function (d, k) {
  return R.mean(this, d, k);
};
P.max = function (d, k) {
  return R.max(this, d, k);
};
P.min = function (d, k) {
  return R.min(this, d, k);
};
P.argmax = function (d, k) {
  return R.argmax(this, d, k);
};
P.argmin = function (d, k) {
  return R.argmin(this, d, k);
};
P.reshape = function (s) {
  return S.reshape(this, s);
};
P.view = function (s) {
  return S.reshape(this, s);
};
P.transpose = function (a, b) {
  return S.transpose(this, a, b);
};
Object.defineProperty(P, 'T', {
  get(this: Tensor) {
    return S.transpose(this, -2, -1);
  },
});
P.permute = function (d) {
  return S.permute(this, d);
};
P.squeeze = function (d) {
  return S.squeeze(this, d);
};
P.unsqueeze = function (d) {
  return S.unsqueeze(this, d);
};
P.flatten = function (s, e) {
  return S.flatten(this, s, e);
};
P.expand = function (s) {
  return S.expand(this, s);
};
P.gather = function (d, i) {
  return S.gather(this, d, i);
};
P.narrow = function (d, s, l) {
  return S.narrow(this, d, s, l);
};
P.index = function (i) {
  return S.index(this, i);
};
P.slice = function (s, e) {
  return S.slice(this, s, e);
};
P.indexSelect = function (r) {
  return S.indexSelect(this, r);
};
P.to = function (d) {
  return E.to(this, d);
};
P.clone = function () {
  return E.mul(this, 1);
};

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

/** The method form of an op: x.name(...rest) is op(x, ...rest). */
function method<Rest extends unknown[]>(op: (x: Tensor, ...rest: Rest) => Tensor): (this: Tensor, ...rest: Rest) => Tensor {
  return function (this: Tensor, ...rest: Rest) {
    return op(this, ...rest);
  };
}

// The activations live with the other pointwise ops in functional/activations.ts.
P.add = method(E.add);
P.sub = method(E.sub);
P.mul = method(E.mul);
P.div = method(E.div);
P.pow = method(E.pow);
P.maximum = method(E.maximum);
P.minimum = method(E.minimum);
P.gt = method(E.gt);
P.ge = method(E.ge);
P.lt = method(E.lt);
P.le = method(E.le);
P.eq = method(E.eq);
P.ne = method(E.ne);
P.neg = method(E.neg);
P.exp = method(E.exp);
P.log = method(E.log);
P.sqrt = method(E.sqrt);
P.abs = method(E.abs);
P.square = method(E.square);
P.logicalNot = method(E.logicalNot);
P.relu = method(A.relu);
P.sigmoid = method(A.sigmoid);
P.tanh = method(A.tanh);
P.clamp = method(E.clamp);
P.matmul = method(matmul);
P.sum = method(R.sum);
P.mean = method(R.mean);
P.max = method(R.max);
P.min = method(R.min);
P.argmax = method(R.argmax);
P.argmin = method(R.argmin);
P.reshape = method(S.reshape);
P.view = method(S.reshape);
P.transpose = method(S.transpose);
P.permute = method(S.permute);
P.squeeze = method(S.squeeze);
P.unsqueeze = method(S.unsqueeze);
P.flatten = method(S.flatten);
P.expand = method(S.expand);
P.gather = method(S.gather);
P.narrow = method(S.narrow);
P.index = method(S.index);
P.slice = method(S.slice);
P.indexSelect = method(S.indexSelect);
P.to = method(E.to);
Object.defineProperty(P, 'T', {
  get(this: Tensor) {
    return S.transpose(this, -2, -1);
  },
});
P.clone = function () {
  return E.mul(this, 1);
};

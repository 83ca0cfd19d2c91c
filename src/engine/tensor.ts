/**
 * The Tensor: a shape, a dtype and contiguous typed-array storage, plus the one
 * link autograd needs (the node that made it). Operations live in ops/ and are
 * attached as methods in methods.ts; this file holds only the data and the tape.
 */
import { noteAllocated, takePooled, withGradientRecycling } from './storagePool';

export type DType = 'float32' | 'float64' | 'bool';
export type FloatDType = 'float32' | 'float64';
export type Storage = Float32Array | Float64Array | Uint8Array;
export type FloatStorage = Float32Array | Float64Array;
export type Shape = readonly number[];
export type NestedArray = number | boolean | NestedArray[];

/** An error in how an op was called: it names the op and the shapes involved. */
export class EngineError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    if (typeof op !== 'string' || op === '')
      throw new EngineError('EngineError', `op must be the name of the function that failed, got ${describe(op)}`);
    if (typeof message !== 'string') throw new EngineError('EngineError', `message must be a string, got ${describe(message)}`);
    super(`${op}: ${message}`);
    this.name = 'EngineError';
  }
}

export function fmtShape(shape: Shape): string {
  if (!Array.isArray(shape)) throw new EngineError('fmtShape', `shape must be an array of numbers, got ${describe(shape)}`);
  return `[${shape.join(', ')}]`;
}

/** How a value a function received reads in an error: 'undefined', 'the string "x"', 'a float64 tensor of shape [2, 3]'. */
export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === 'object' ? `an object (${(v as object).constructor?.name ?? 'no prototype'})` : `a ${typeof v}`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Storage of n zeros, or, with `overwrite`, of n arbitrary values that the caller
 * promises to overwrite every one of (the kernels' outputs): large float buffers may
 * come from the gradient pool (storagePool.ts), skipping the zeroing.
 */
export function allocate(dtype: DType, n: number, overwrite = false): Storage {
  if (dtype === 'bool') return new Uint8Array(n);
  const pooled = takePooled(dtype, n);
  const out = pooled ?? (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  if (pooled && !overwrite) pooled.fill(0);
  noteAllocated(out);
  return out;
}

/** A node on the tape: which op made a tensor, from what, and how to send a gradient back. */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  /** Given dL/dout, return dL/dinput for each input (null where an input needs none). */
  backward: (gradOut: Tensor) => (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording operations on the tape (evaluation, optimiser updates). */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new EngineError('noGrad', `fn must be a function to run without recording, got ${describe(fn)}`);
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export class Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  data: Storage;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. */
  node: GradNode | null = null;

  constructor(data: Storage, shape: Shape, dtype?: DType, requiresGrad = false) {
    const inferred: DType | null =
      data instanceof Float64Array ? 'float64' : data instanceof Float32Array ? 'float32' : data instanceof Uint8Array ? 'bool' : null;
    if (inferred === null)
      throw new EngineError(
        'Tensor',
        `data must be a Float64Array, Float32Array or Uint8Array (bool), got ${describe(data)}; tensor() builds one from nested arrays`,
      );
    if (!Array.isArray(shape)) throw new EngineError('Tensor', `shape must be an array of non-negative integers, got ${describe(shape)}`);
    this.dtype = dtype ?? inferred;
    if (inferred !== this.dtype) throw new EngineError('Tensor', `storage is ${inferred} but dtype ${this.dtype} was given`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new EngineError('Tensor', `invalid shape ${fmtShape(shape)}`);
    }
    if (sizeOf(shape) !== data.length) {
      throw new EngineError('Tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, storage has ${data.length}`);
    }
    this.shape = [...shape];
    this.data = data;
    if (requiresGrad && this.dtype === 'bool') throw new EngineError('Tensor', 'a bool tensor cannot require grad');
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  /** A tensor sharing this one's storage, cut from the tape. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.dtype, false);
  }

  /** Mark as a leaf that accumulates .grad (chainable, like PyTorch's requires_grad_()). */
  requiresGrad_(flag = true): this {
    if (flag && this.dtype === 'bool') throw new EngineError('requiresGrad_', 'a bool tensor cannot require grad');
    this.requiresGrad = flag;
    return this;
  }

  item(): number {
    if (this.size !== 1)
      throw new EngineError('item', `only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return this.data[0];
  }

  /** Nested arrays of numbers (booleans for a bool tensor); a number for a 0-d tensor. */
  toArray(): NestedArray {
    const isBool = this.dtype === 'bool';
    const d = this.data;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return isBool ? d[offset] !== 0 : d[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** Flat copy as a plain number array. */
  toList(): number[] {
    return Array.from(this.data as ArrayLike<number>);
  }

  toString(): string {
    return `tensor(${JSON.stringify(this.toArray())}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /**
   * Reverse-mode differentiation from this tensor. Without an argument the tensor must
   * hold one element (dL/dL = 1). Gradients of leaves that require grad accumulate into
   * `.grad`, as in PyTorch; intermediate gradients are not kept.
   */
  backward(grad?: Tensor | NestedArray): void {
    if (!this.requiresGrad) throw new EngineError('backward', 'tensor does not require grad and has no grad_fn');
    let seed: Tensor;
    if (grad === undefined) {
      if (this.size !== 1) {
        throw new EngineError(
          'backward',
          `grad can be implicitly created only for scalar outputs; got shape ${fmtShape(this.shape)}: pass a gradient of that shape`,
        );
      }
      seed = new Tensor(allocate(this.dtype, 1).fill(1), this.shape, this.dtype);
    } else {
      seed = grad instanceof Tensor ? grad : fromNested(grad, this.dtype as FloatDType, 'backward');
      if (seed.shape.join(',') !== this.shape.join(',')) {
        throw new EngineError('backward', `gradient shape ${fmtShape(seed.shape)} does not match tensor shape ${fmtShape(this.shape)}`);
      }
    }
    runBackward(this, seed);
  }
}

/** Topologically order the tape below `root`, then push gradients from the root down. */
function runBackward(root: Tensor, seed: Tensor): void {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long training loops) must not overflow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  // Gradients this pass allocates and the next node has consumed are dead: they go back
  // to the pool for the next step's buffers (storagePool.ts says why that is safe).
  withGradientRecycling((r) =>
    noGrad(() => {
      r.hold(seed.data);
      for (let idx = order.length - 1; idx >= 0; idx--) {
        const t = order[idx];
        const g = grads.get(t);
        if (!g) continue;
        if (!t.node) {
          // A zeroGrad() tensor no one has added to yet: g is the sum, with no pass over memory.
          t.grad = t.grad && !untouchedZeros.has(t.grad) ? accumulate(t.grad, g) : g.detach();
          r.escape(t.grad.data);
          continue;
        }
        grads.delete(t);
        r.release(g.data);
        const inputGrads = t.node.backward(g);
        const merged: Tensor[] = [];
        t.node.inputs.forEach((input, k) => {
          const ig = inputGrads[k];
          if (!ig || !input.requiresGrad) return;
          if (ig.shape.join(',') !== input.shape.join(',')) {
            throw new EngineError(
              t.node!.op,
              `backward produced a gradient of shape ${fmtShape(ig.shape)} for an input of shape ${fmtShape(input.shape)}`,
            );
          }
          const prev = grads.get(input);
          const next = prev ? accumulate(prev, ig) : ig;
          if (prev) {
            r.release(prev.data);
            merged.push(prev, ig);
          }
          r.hold(next.data);
          grads.set(input, next);
        });
        r.retire(g.data);
        for (const m of merged) r.retire(m.data);
      }
    }),
  );
}

/** Gradients made by zeroGrad() and not yet accumulated into. */
const untouchedZeros = new WeakSet<Tensor>();

/**
 * A fresh zero gradient for `p` (zeroGrad(): a new tensor, so no one holding the old
 * grad sees it change). The next backward replaces it instead of adding to it.
 */
export function zeroGradFor(p: Tensor): Tensor {
  const z = new Tensor(allocate(p.dtype, p.size), p.shape, p.dtype);
  untouchedZeros.add(z);
  return z;
}

function accumulate(a: Tensor, b: Tensor): Tensor {
  const out = allocate(a.dtype, a.size) as FloatStorage;
  const x = a.data,
    y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return new Tensor(out, a.shape, a.dtype);
}

/**
 * Record `out` as produced by `op` from `inputs`, when grad mode is on and an input
 * requires grad. Every op calls this right after computing its forward, with its
 * backward written beside it.
 */
export function record(op: string, out: Tensor, inputs: Tensor[], backward: GradNode['backward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/** Infer the shape of nested arrays, checking that they are rectangular. */
export function nestedShape(data: NestedArray, op = 'tensor'): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const check = (d: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(d)) throw new EngineError(op, `ragged nested array at ${path || 'top'}: expected a number, found an array`);
      if (typeof d !== 'number' && typeof d !== 'boolean')
        throw new EngineError(op, `element at ${path || 'top'} is ${describe(d)}, not a number or a boolean`);
      return;
    }
    if (!Array.isArray(d))
      throw new EngineError(op, `ragged nested array at ${path || 'top'}: expected an array of length ${shape[dim]}, found ${typeof d}`);
    if (d.length !== shape[dim])
      throw new EngineError(op, `ragged nested array at ${path || 'top'}: length ${d.length}, expected ${shape[dim]}`);
    d.forEach((x, i) => check(x, dim + 1, `${path}[${i}]`));
  };
  check(data, 0, '');
  return shape;
}

/** Nested numbers become `floatDtype` and nested booleans a bool mask, unless `dtype` says otherwise. */
export function fromNested(data: NestedArray, dtype?: DType, op = 'tensor', floatDtype: FloatDType = 'float64'): Tensor {
  const shape = nestedShape(data, op);
  let leaf: NestedArray = data;
  while (Array.isArray(leaf) && leaf.length) leaf = leaf[0];
  const dt: DType = dtype ?? (typeof leaf === 'boolean' ? 'bool' : floatDtype);
  const out = allocate(dt, sizeOf(shape));
  let k = 0;
  const fill = (d: NestedArray): void => {
    if (Array.isArray(d)) d.forEach(fill);
    else out[k++] = typeof d === 'boolean' ? (d ? 1 : 0) : d;
  };
  fill(data);
  return new Tensor(out, shape, dt);
}

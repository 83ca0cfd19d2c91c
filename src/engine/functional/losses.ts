/**
 * Losses, all with mean reduction (PyTorch's default). Each returns a 0-d tensor;
 * its backward receives the scalar upstream gradient g (1 when the loss is the root).
 */
import { allocate, EngineError, fmtShape, type FloatStorage, type NestedArray, record, Tensor } from '../tensor';
import { asFloatTensor, describe, requireFloat, requireSameDtype, sameShape } from './checks';

/** Integer class targets: a number array or a tensor of class ids, one per row. */
export type ClassTargets = Tensor | ArrayLike<number>;

/** Check logits [N, C] against N class ids in [0, C); returns the ids. */
function classIds(op: string, inputName: string, input: Tensor, targets: ClassTargets): Int32Array {
  if (input.ndim !== 2) throw new EngineError(op, `${inputName} must be [N, C], got shape ${fmtShape(input.shape)}`);
  const [n, c] = input.shape;
  let values: ArrayLike<number>;
  let shape: number[];
  if (targets instanceof Tensor) {
    values = targets.data;
    shape = targets.shape;
  } else if (Array.isArray(targets) || ArrayBuffer.isView(targets)) {
    values = targets;
    shape = [targets.length];
  } else {
    throw new EngineError(op, `targets must be a number array or a tensor of class ids, got ${describe(targets)}`);
  }
  if (shape.length !== 1 || shape[0] !== n) {
    throw new EngineError(
      op,
      `${inputName} of shape ${fmtShape(input.shape)} needs ${n} targets (shape [${n}]), got targets of shape ${fmtShape(shape)}`,
    );
  }
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = values[i];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= c) {
      throw new EngineError(
        op,
        `target ${i} is ${String(t)}: class ids must be integers in [0, ${c}) for ${inputName} of shape ${fmtShape(input.shape)}`,
      );
    }
    ids[i] = t;
  }
  return ids;
}

function scalar(dtype: 'float32' | 'float64', v: number): Tensor {
  const d = allocate(dtype, 1);
  d[0] = v;
  return new Tensor(d, [], dtype);
}

/**
 * Softmax cross-entropy of logits z [N, C] against class ids y:
 *   L = (1/N) Σ_n [ log Σ_c e^(z_nc) - z_n,y_n ].
 * With p = softmax(z) row by row and Y the one-hot targets, the gradient is the
 * famous dL/dz = (p - Y) / N.
 */
export function crossEntropy(logits: Tensor, targets: ClassTargets): Tensor {
  const dtype = requireFloat('crossEntropy', 'logits', logits);
  const ids = classIds('crossEntropy', 'logits', logits, targets);
  const [n, c] = logits.shape;
  const Z = logits.data as FloatStorage;
  const P = new Float64Array(n * c); // softmax, kept for the backward
  let total = 0;
  for (let r = 0; r < n; r++) {
    const o = r * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) if (Z[o + j] > m) m = Z[o + j];
    let s = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(Z[o + j] - m);
      P[o + j] = e;
      s += e;
    }
    for (let j = 0; j < c; j++) P[o + j] /= s;
    total += m + Math.log(s) - Z[o + ids[r]];
  }
  return record('crossEntropy', scalar(dtype, total / n), [logits], (g) => {
    const scale = g.data[0] / n;
    const D = allocate(dtype, n * c) as FloatStorage;
    for (let r = 0; r < n; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        const onehot = j === ids[r] ? 1 : 0;
        D[o + j] = (P[o + j] - onehot) * scale; // (p - y) / N
      }
    }
    return [new Tensor(D, logits.shape, dtype)];
  });
}

/**
 * Negative log-likelihood of log-probabilities a [N, C]: L = -(1/N) Σ_n a_n,y_n.
 * dL/da is -1/N at each row's target and 0 elsewhere.
 */
export function nllLoss(logProbs: Tensor, targets: ClassTargets): Tensor {
  const dtype = requireFloat('nllLoss', 'input', logProbs);
  const ids = classIds('nllLoss', 'input', logProbs, targets);
  const [n, c] = logProbs.shape;
  const A = logProbs.data as FloatStorage;
  let total = 0;
  for (let r = 0; r < n; r++) total -= A[r * c + ids[r]];
  return record('nllLoss', scalar(dtype, total / n), [logProbs], (g) => {
    const D = allocate(dtype, n * c) as FloatStorage;
    for (let r = 0; r < n; r++) D[r * c + ids[r]] = -g.data[0] / n;
    return [new Tensor(D, logProbs.shape, dtype)];
  });
}

/** One elementwise mean loss: its term and its two partial derivatives, element by element. */
interface ElementLoss {
  /** ℓ(a_i, b_i); `i` is the element's flat index, for error messages. */
  term(a: number, b: number, i: number): number;
  /** ∂ℓ/∂a · k and ∂ℓ/∂b · k, where k = scale · g / n carries the upstream gradient g and the mean. */
  dInput(a: number, b: number, k: number): number;
  dTarget(a: number, b: number, k: number): number;
  /** A constant factor of the derivatives, folded into k (2 for a square). */
  scale?: number;
}

/** L = (1/n) Σ_i ℓ(a_i, b_i) over the elements of `input` and a `target` of its shape. */
function meanOverElements(op: string, input: Tensor, target: Tensor | NestedArray, loss: ElementLoss): Tensor {
  const dtype = requireFloat(op, 'input', input);
  const y = asFloatTensor(op, 'target', target, dtype);
  requireSameDtype(op, ['input', input], ['target', y]);
  if (!sameShape(input.shape, y.shape)) {
    throw new EngineError(op, `input shape ${fmtShape(input.shape)} and target shape ${fmtShape(y.shape)} differ; they must match exactly`);
  }
  const A = input.data as FloatStorage,
    B = y.data as FloatStorage;
  let total = 0;
  for (let i = 0; i < A.length; i++) total += loss.term(A[i], B[i], i);
  return record(op, scalar(dtype, total / A.length), [input, y], (g) => {
    const dA = allocate(dtype, A.length, true) as FloatStorage,
      dB = allocate(dtype, B.length, true) as FloatStorage;
    const k = ((loss.scale ?? 1) * g.data[0]) / A.length;
    for (let i = 0; i < A.length; i++) {
      dA[i] = loss.dInput(A[i], B[i], k);
      dB[i] = loss.dTarget(A[i], B[i], k);
    }
    return [new Tensor(dA, input.shape, dtype), new Tensor(dB, y.shape, dtype)];
  });
}

/** L = (1/n) Σ (a - b)²;  dL/da = 2(a - b)/n,  dL/db = -2(a - b)/n. */
export function mseLoss(input: Tensor, target: Tensor | NestedArray): Tensor {
  return meanOverElements('mseLoss', input, target, {
    term: (a, b) => (a - b) * (a - b),
    dInput: (a, b, k) => k * (a - b),
    dTarget: (a, b, k) => -(k * (a - b)),
    scale: 2,
  });
}

/** PyTorch clamps each log term at -100 so that p = 0 or 1 gives a finite loss. */
const LOG_FLOOR = -100;
/** ...and keeps p(1 - p) away from 0 in the gradient's denominator. */
const BCE_EPS = 1e-12;

/**
 * Binary cross-entropy of probabilities p against targets y (same shape):
 *   L = -(1/n) Σ [ y log p + (1 - y) log(1 - p) ].
 * dL/dp = (p - y) / (p(1 - p)) / n;  dL/dy = (log(1 - p) - log p) / n.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor | NestedArray): Tensor {
  return meanOverElements('binaryCrossEntropy', input, target, {
    term: (p, y, i) => {
      if (!(p >= 0 && p <= 1)) {
        throw new EngineError(
          'binaryCrossEntropy',
          `input element ${i} is ${p}: probabilities must lie in [0, 1] (input shape ${fmtShape(input.shape)}); for logits use binaryCrossEntropyWithLogits`,
        );
      }
      return -(y * Math.max(Math.log(p), LOG_FLOOR) + (1 - y) * Math.max(Math.log(1 - p), LOG_FLOOR));
    },
    dInput: (p, y, k) => (k * (p - y)) / Math.max(p * (1 - p), BCE_EPS),
    dTarget: (p, _y, k) => k * (Math.max(Math.log(1 - p), LOG_FLOOR) - Math.max(Math.log(p), LOG_FLOOR)),
  });
}

/**
 * BCE on logits z, with p = σ(z) folded in for stability:
 *   ℓ = max(z, 0) - z y + log(1 + e^(-|z|))   (= -[y log σ(z) + (1 - y) log(1 - σ(z))]).
 * dL/dz = (σ(z) - y) / n: the GAN's "1 - D(x)" and "-D(G(z))" up to sign;  dL/dy = -z / n.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor | NestedArray): Tensor {
  return meanOverElements('binaryCrossEntropyWithLogits', input, target, {
    term: (z, y) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))),
    dInput: (z, y, k) => k * ((z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))) - y),
    dTarget: (z, _y, k) => -k * z,
  });
}

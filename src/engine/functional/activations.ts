/**
 * The linear map and the pointwise activations. Each forward is one typed-array
 * loop; each backward is the upstream gradient times the local derivative,
 * written directly beneath the forward it differentiates.
 */
import { backendFor } from '../backend';
import { allocate, EngineError, fmtShape, type FloatStorage, record, Tensor } from '../tensor';
import { optionalNumber, requireNumber, requireOptions } from '../args';
import { requireFloat } from './checks';
import { gradBuffer, recordWeighted, weightedDtype } from './weighted';

/**
 * y = x Wᵀ + b, with x [..., in], W [out, in] (PyTorch's layout) and b [out].
 * For one sample (a column x, upstream u = dL/dy) the textbook gradients are
 *   dW = u xᵀ,   db = u,   dx = Wᵀ u;
 * stacked over the M rows of X they become dW = Uᵀ X, db = Σ_rows U, dX = U W.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const dtype = weightedDtype('linear', x, weight, bias);
  if (weight.ndim !== 2) throw new EngineError('linear', `weight must be [out, in], got shape ${fmtShape(weight.shape)}`);
  const [nOut, nIn] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== nIn) {
    throw new EngineError(
      'linear',
      `input shape ${fmtShape(x.shape)} does not end in ${nIn}, the in-features of weight ${fmtShape(weight.shape)}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== nOut)) {
    throw new EngineError(
      'linear',
      `bias shape ${fmtShape(bias.shape)} does not match the out-features of weight ${fmtShape(weight.shape)} (need [${nOut}])`,
    );
  }
  const rows = x.size / Math.max(nIn, 1);
  const X = x.data as FloatStorage,
    W = weight.data as FloatStorage;
  const Y = allocate(dtype, rows * nOut) as FloatStorage;
  const backend = backendFor(Y);
  backend.gemm({ a: X, b: W, c: Y, m: rows, n: nOut, k: nIn, transA: false, transB: true }); // Y = X Wᵀ
  if (bias) {
    const B = bias.data as FloatStorage;
    for (let r = 0; r < rows; r++) for (let j = 0, o = r * nOut; j < nOut; j++) Y[o + j] += B[j];
  }
  const out = new Tensor(Y, [...x.shape.slice(0, -1), nOut], dtype);
  return recordWeighted('linear', out, [x, weight, bias], (U) => {
    const dX = gradBuffer(x),
      dW = gradBuffer(weight),
      dB = gradBuffer(bias);
    if (dX) backend.gemm({ a: U, b: W, c: dX, m: rows, n: nIn, k: nOut, transA: false, transB: false }); // dX = U W
    if (dW) backend.gemm({ a: U, b: X, c: dW, m: nOut, n: nIn, k: rows, transA: true, transB: false }); // dW = Uᵀ X
    if (dB) for (let r = 0; r < rows; r++) for (let j = 0, o = r * nOut; j < nOut; j++) dB[j] += U[o + j]; // db = Σ_rows U
    return [dX, dW, dB];
  });
}

/**
 * A recorded pointwise op. `forward(x, y)` fills y from x; `backward(x, y, g, dx)`
 * fills dx from the input, the output and the upstream gradient. Both are whole-array
 * loops, so no closure runs per element.
 */
function pointwise(
  op: string,
  x: Tensor,
  forward: (x: FloatStorage, y: FloatStorage) => void,
  backward: (x: FloatStorage, y: FloatStorage, g: FloatStorage, dx: FloatStorage) => void,
): Tensor {
  const dtype = requireFloat(op, 'input', x);
  const X = x.data as FloatStorage;
  const Y = allocate(dtype, x.size) as FloatStorage;
  forward(X, Y);
  return record(op, new Tensor(Y, x.shape, dtype), [x], (g) => {
    const dX = allocate(dtype, x.size) as FloatStorage;
    backward(X, Y, g.data as FloatStorage, dX);
    return [new Tensor(dX, x.shape, dtype)];
  });
}

/** relu(z) = max(0, z); the gradient passes through the gate z > 0. */
export function relu(x: Tensor): Tensor {
  requireFloat('relu', 'input', x);
  if (x.data instanceof Float32Array) return reluFloat32(x);
  return pointwise(
    'relu',
    x,
    (X, Y) => {
      for (let i = 0; i < X.length; i++) Y[i] = Math.max(X[i], 0);
    },
    (X, _Y, G, D) => {
      for (let i = 0; i < X.length; i++) D[i] = X[i] > 0 ? G[i] : 0;
    },
  );
}

/**
 * The same gate on float32's bits, without a branch: on random signs (a training
 * batch) `x > 0 ? x : 0` mispredicts half the time and costs ~5x more.
 *   forward:  y = b & ~(b >> 31)          (sign bit set -> 0)
 *   backward: dx = g & ((-b & ~b) >> 31)  (all ones exactly when b > +0)
 */
function reluFloat32(x: Tensor): Tensor {
  // A backend with SIMD kernels (the fast CPU path) does the same gate four lanes at a time.
  const backend = backendFor(x.data as Float32Array);
  return pointwise(
    'relu',
    x,
    (X, Y) => {
      if (backend.reluForward) return backend.reluForward(X as Float32Array, Y as Float32Array);
      const b = new Int32Array(X.buffer, X.byteOffset, X.length),
        y = new Int32Array(Y.buffer, Y.byteOffset, Y.length);
      for (let i = 0; i < b.length; i++) y[i] = b[i] & ~(b[i] >> 31);
    },
    (X, _Y, G, D) => {
      if (backend.reluBackward) return backend.reluBackward(X as Float32Array, G as Float32Array, D as Float32Array);
      const b = new Int32Array(X.buffer, X.byteOffset, X.length),
        g = new Int32Array(G.buffer, G.byteOffset, G.length);
      const d = new Int32Array(D.buffer, D.byteOffset, D.length);
      for (let i = 0; i < b.length; i++) d[i] = g[i] & ((-b[i] & ~b[i]) >> 31);
    },
  );
}

/** leakyRelu(z) = z for z > 0, a z otherwise; dy/dz = 1 or a. */
export function leakyRelu(x: Tensor, opts: { negativeSlope?: number } = {}): Tensor {
  requireFloat('leakyRelu', 'input', x);
  const a = optionalNumber('leakyRelu', 'negativeSlope', requireOptions('leakyRelu', 'opts', opts).negativeSlope, 0.01);
  if (!Number.isFinite(a)) throw new EngineError('leakyRelu', `negativeSlope must be a finite number, got ${a}`);
  return pointwise(
    'leakyRelu',
    x,
    (X, Y) => {
      for (let i = 0; i < X.length; i++) Y[i] = X[i] > 0 ? X[i] : a * X[i];
    },
    (X, _Y, G, D) => {
      for (let i = 0; i < X.length; i++) D[i] = X[i] > 0 ? G[i] : a * G[i];
    },
  );
}

/** σ(z) = 1 / (1 + e^-z); dσ/dz = σ(1 - σ). */
export function sigmoid(x: Tensor): Tensor {
  return pointwise(
    'sigmoid',
    x,
    (X, Y) => {
      for (let i = 0; i < X.length; i++) {
        const z = X[i];
        // e^-z overflows for very negative z; the equivalent e^z / (1 + e^z) does not
        if (z >= 0) Y[i] = 1 / (1 + Math.exp(-z));
        else {
          const e = Math.exp(z);
          Y[i] = e / (1 + e);
        }
      }
    },
    (_X, Y, G, D) => {
      for (let i = 0; i < Y.length; i++) D[i] = G[i] * Y[i] * (1 - Y[i]);
    },
  );
}

/** tanh; d tanh(z)/dz = 1 - tanh²(z). */
export function tanh(x: Tensor): Tensor {
  return pointwise(
    'tanh',
    x,
    (X, Y) => {
      for (let i = 0; i < X.length; i++) Y[i] = Math.tanh(X[i]);
    },
    (_X, Y, G, D) => {
      for (let i = 0; i < Y.length; i++) D[i] = G[i] * (1 - Y[i] * Y[i]);
    },
  );
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * gelu(z) = z Φ(z) with Φ the standard normal CDF, Φ(z) = ½(1 + erf(z/√2)) (the exact
 * form, PyTorch's default). d/dz = Φ(z) + z φ(z), where φ(z) = e^(-z²/2)/√(2π).
 */
export function gelu(x: Tensor): Tensor {
  return pointwise(
    'gelu',
    x,
    (X, Y) => {
      for (let i = 0; i < X.length; i++) Y[i] = 0.5 * X[i] * (1 + erfOf(X[i] * SQRT1_2));
    },
    (X, _Y, G, D) => {
      for (let i = 0; i < X.length; i++) {
        const z = X[i];
        const cdf = 0.5 * (1 + erfOf(z * SQRT1_2));
        D[i] = G[i] * (cdf + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z));
      }
    },
  );
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function to double precision. Small |x|: the everywhere-positive series
 * erf(x) = (2/√π) e^(-x²) Σ 2ⁿ x^(2n+1) / (1·3···(2n+1)), which has no cancellation.
 * Larger |x|: erfc from its continued fraction
 * erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
 */
export function erf(x: number): number {
  return erfOf(requireNumber('erf', 'x', x));
}

/** erf without the argument check, for gelu's loops over elements already known to be numbers. */
function erfOf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x); // erfc(6) ≈ 2e-17: below double resolution near 1
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x,
      total = x;
    for (let n = 0; n < 100; n++) {
      term *= (2 * x2) / (2 * n + 3);
      total += term;
      if (Math.abs(term) < 1e-17 * Math.abs(total)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * total;
  }
  let t = ax;
  for (let k = 60; k >= 1; k--) t = ax + k / 2 / t;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * t);
  return Math.sign(x) * (1 - erfc);
}

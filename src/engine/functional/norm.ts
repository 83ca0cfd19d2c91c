/**
 * Batch and layer normalisation. Both normalise x̂ = (x - μ) / √(σ² + ε) with the
 * biased variance and then scale and shift, y = γ x̂ + β; they differ in which
 * elements share a μ and σ². Both use the compact backward: with M elements per
 * group and d = γ ⊙ g (the gradient reaching x̂),
 *
 *   dx = (1 / (M √(σ² + ε))) · ( M d - Σ d - x̂ Σ(d ⊙ x̂) ),
 *   dγ = Σ g ⊙ x̂,   dβ = Σ g.
 */
import { type Backend, backendFor, type ChannelAffine, type ChannelGeometry, type ChannelGradAffine } from '../backend';
import { optionalNumber, requireOptions } from '../args';
import { allocate, describe, EngineError, fmtShape, type FloatStorage, record, sizeOf, Tensor } from '../tensor';
import { requireFloat, requireSameDtype, sameShape } from './checks';
import { planeDot, planeSquaredDeviation, planeSum } from './planeReductions';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Updated in place during training: r ← (1 - momentum) r + momentum · batch stat. */
  runningMean?: Tensor | null;
  /** Updated with the unbiased batch variance, as PyTorch does. */
  runningVar?: Tensor | null;
  training: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch norm over [N, C] or [N, C, H, W] (any [N, C, ...]): statistics per channel c,
 * over the batch and spatial positions (M = N·H·W elements each). In training the
 * batch statistics normalise; in evaluation the running ones do.
 */
export function batchNorm(x: Tensor, opts: BatchNormOptions): Tensor {
  const op = 'batchNorm';
  const dtype = requireFloat(op, 'input', x);
  if (x.ndim < 2) throw new EngineError(op, `input must be [N, C] or [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  requireOptions(op, 'opts', opts);
  if (typeof opts.training !== 'boolean') throw new EngineError(op, `training must be true or false, got ${describe(opts.training)}`);
  const [n, C] = x.shape;
  const S = sizeOf(x.shape.slice(2)); // spatial positions per channel per sample
  const M = n * S;
  const eps = optionalNumber(op, 'eps', opts.eps, 1e-5),
    momentum = optionalNumber(op, 'momentum', opts.momentum, 0.1);
  const { weight, bias, runningMean, runningVar, training } = opts;
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
    ['runningMean', runningMean],
    ['runningVar', runningVar],
  ] as const) {
    if (!t) continue;
    requireSameDtype(op, ['input', x], [name, t]);
    if (!sameShape(t.shape, [C]))
      throw new EngineError(
        op,
        `${name} has shape ${fmtShape(t.shape)} but input of shape ${fmtShape(x.shape)} has ${C} channels (need [${C}])`,
      );
  }
  if (!training && (!runningMean || !runningVar))
    throw new EngineError(op, 'evaluation mode (training: false) needs runningMean and runningVar');
  if (training && M < 2)
    throw new EngineError(op, `training needs more than one value per channel, got input of shape ${fmtShape(x.shape)}`);

  const X = x.data as FloatStorage;
  const gamma = weight ? (weight.data as FloatStorage) : null,
    beta = bias ? (bias.data as FloatStorage) : null;
  const mean = new Float64Array(C),
    invStd = new Float64Array(C);
  const geometry: ChannelGeometry = { n, C, S };
  // float32 on a backend with channel kernels (the fast CPU path) runs the same
  // arithmetic there; the loops below are the reference and float64's path.
  const kernels = X instanceof Float32Array ? channelKernels(backendFor(X)) : null;
  // y = γ (x - μ) σ⁻¹ + β, per channel y = a (x - μ) + β with a = γ σ⁻¹. x̂ is not
  // stored: the backward recomputes it from x (kept alive by the tape anyway), which
  // saves writing and later re-reading a full-size buffer.
  const affine = (): ChannelAffine => {
    const a = new Float64Array(C),
      b = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      a[c] = (gamma ? gamma[c] : 1) * invStd[c];
      b[c] = beta ? beta[c] : 0;
    }
    return { a, m: mean, b };
  };
  // The batch's statistics normalise it (biased variance m2 / M); the running ones are
  // buffers, updated in place and never on the tape, with the unbiased variance as PyTorch does.
  const useMoments = (mu: Float64Array, m2: Float64Array): void => {
    mean.set(mu);
    for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(m2[c] / M + eps);
    if (runningMean) {
      const R = runningMean.data as FloatStorage;
      for (let c = 0; c < C; c++) R[c] = (1 - momentum) * R[c] + momentum * mu[c];
    }
    if (runningVar) {
      const R = runningVar.data as FloatStorage;
      for (let c = 0; c < C; c++) R[c] = (1 - momentum) * R[c] + momentum * (m2[c] / (M - 1));
    }
  };
  const Y = allocate(dtype, x.size, true) as FloatStorage;
  if (training) {
    if (kernels) {
      kernels.channelMomentsAffine(X as Float32Array, Y as Float32Array, geometry, (mu, m2) => {
        useMoments(mu, m2);
        return affine();
      });
    } else {
      const [mu, m2] = channelMoments(X, geometry);
      useMoments(mu, m2);
      applyAffine(X, Y, geometry, affine());
    }
  } else {
    const RM = runningMean!.data as FloatStorage,
      RV = runningVar!.data as FloatStorage;
    for (let c = 0; c < C; c++) {
      mean[c] = RM[c];
      invStd[c] = 1 / Math.sqrt(RV[c] + eps);
    }
    if (kernels) kernels.channelAffine(X as Float32Array, Y as Float32Array, geometry, affine());
    else applyAffine(X, Y, geometry, affine());
  }

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(op, new Tensor(Y, x.shape, dtype), inputs, (g) => {
    const G = g.data as FloatStorage;
    let sumG: Float64Array = new Float64Array(C),
      sumGXhat: Float64Array = new Float64Array(C);
    // From Σg and Σ g (x - μ) per channel, with Σ g x̂ = σ⁻¹ Σ g (x - μ):
    // training: Σd = γ Σg and Σ(d x̂) = γ Σ(g x̂), so dx = γ/(M σ) (M g - Σg - x̂ Σ(g x̂)),
    //   i.e. dx = a g - b (x - μ) + k with per-channel constants;
    // evaluation: running statistics are constants, y is affine in x: dx = γ σ⁻¹ g.
    const gradAffine = (sG: Float64Array, sGXc: Float64Array): ChannelGradAffine => {
      sumG = sG;
      sumGXhat = sGXc.map((v, c) => v * invStd[c]);
      const a = new Float64Array(C),
        b = new Float64Array(C),
        k = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        const is = invStd[c],
          k0 = ((gamma ? gamma[c] : 1) * is) / (training ? M : 1);
        a[c] = training ? k0 * M : k0;
        b[c] = training ? k0 * sumGXhat[c] * is : 0;
        k[c] = training ? -k0 * sumG[c] : 0;
      }
      return { a, b, m: mean, k };
    };
    const D = x.requiresGrad ? (allocate(dtype, x.size, true) as FloatStorage) : null;
    if (kernels) kernels.channelGradAffine(G as Float32Array, X as Float32Array, D as Float32Array | null, geometry, mean, gradAffine);
    else {
      const coefficients = gradAffine(...channelGradSums(G, X, geometry, mean));
      if (D) applyGradAffine(G, X, D, geometry, coefficients);
    }
    return [
      D ? new Tensor(D, x.shape, dtype) : null,
      ...(weight ? [channelTensor(sumGXhat, weight)] : []), // dγ = Σ g x̂
      ...(bias ? [channelTensor(sumG, bias)] : []), // dβ = Σ g
    ];
  });
}

type ChannelKernels = Required<Pick<Backend, 'channelMomentsAffine' | 'channelAffine' | 'channelGradAffine'>>;

/** The backend's per-channel kernels when it has all three (the fast CPU path), else null. */
function channelKernels(backend: Backend): ChannelKernels | null {
  return backend.channelMomentsAffine && backend.channelAffine && backend.channelGradAffine ? (backend as ChannelKernels) : null;
}

/**
 * Per channel: the mean and the sum of squared deviations. One sweep over memory: each
 * [n, c] plane is contiguous and small (S values), so its mean and squared deviations
 * are two L1-resident passes; the planes' statistics are then merged exactly (Chan et
 * al.): M2 = Σ M2_plane + S Σ (μ_plane - μ)².
 */
function channelMoments(X: FloatStorage, { n, C, S }: ChannelGeometry): [Float64Array, Float64Array] {
  const planeMean = new Float64Array(n * C),
    mean = new Float64Array(C),
    m2 = new Float64Array(C);
  for (let s = 0; s < n; s++)
    for (let c = 0; c < C; c++) {
      const base = (s * C + c) * S;
      const mu = planeSum(X, base, S) / S;
      planeMean[s * C + c] = mu;
      mean[c] += mu;
      m2[c] += planeSquaredDeviation(X, base, S, mu);
    }
  for (let c = 0; c < C; c++) mean[c] /= n;
  for (let s = 0; s < n; s++)
    for (let c = 0; c < C; c++) {
      const d = planeMean[s * C + c] - mean[c];
      m2[c] += S * d * d;
    }
  return [mean, m2];
}

/** Per channel: Σ G and Σ G (X - mean[c]). */
function channelGradSums(G: FloatStorage, X: FloatStorage, { n, C, S }: ChannelGeometry, mean: Float64Array): [Float64Array, Float64Array] {
  const sumG = new Float64Array(C),
    sumGXc = new Float64Array(C);
  for (let s = 0; s < n; s++)
    for (let c = 0; c < C; c++) {
      const base = (s * C + c) * S;
      sumG[c] += planeSum(G, base, S);
      sumGXc[c] += planeDot(G, X, base, S, mean[c]);
    }
  return [sumG, sumGXc];
}

/** Y = a[c] (X - m[c]) + b[c]. */
function applyAffine(X: FloatStorage, Y: FloatStorage, { n, C, S }: ChannelGeometry, { a, m, b }: ChannelAffine): void {
  for (let s = 0; s < n; s++)
    for (let c = 0; c < C; c++) {
      const ac = a[c],
        mc = m[c],
        bc = b[c];
      for (let k = (s * C + c) * S, end = k + S; k < end; k++) Y[k] = (X[k] - mc) * ac + bc;
    }
}

/** D = a[c] G - b[c] (X - m[c]) + k[c]. */
function applyGradAffine(
  G: FloatStorage,
  X: FloatStorage,
  D: FloatStorage,
  { n, C, S }: ChannelGeometry,
  { a, b, m, k }: ChannelGradAffine,
): void {
  for (let s = 0; s < n; s++)
    for (let c = 0; c < C; c++) {
      const ac = a[c],
        bc = b[c],
        mc = m[c],
        kc = k[c];
      for (let i = (s * C + c) * S, end = i + S; i < end; i++) D[i] = ac * G[i] - bc * (X[i] - mc) + kc;
    }
}

function channelTensor(values: Float64Array, like: Tensor): Tensor {
  const d = allocate(like.dtype, values.length) as FloatStorage;
  d.set(values);
  return new Tensor(d, like.shape, like.dtype);
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Layer norm over the trailing dims `normalizedShape`: each row of D = ∏ normalizedShape
 * elements gets its own μ and σ²; γ and β have shape normalizedShape.
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Tensor {
  const op = 'layerNorm';
  const dtype = requireFloat(op, 'input', x);
  if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape))
    throw new EngineError(op, `normalizedShape must be an integer or an array of them, got ${describe(normalizedShape)}`);
  const opts = requireOptions(op, 'opts', options);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (shape.length === 0 || shape.length > x.ndim || !sameShape(x.shape.slice(x.ndim - shape.length), shape)) {
    throw new EngineError(op, `input shape ${fmtShape(x.shape)} does not end in normalizedShape ${fmtShape(shape)}`);
  }
  const { weight, bias } = opts;
  const eps = optionalNumber(op, 'eps', opts.eps, 1e-5);
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (!t) continue;
    requireSameDtype(op, ['input', x], [name, t]);
    if (!sameShape(t.shape, shape))
      throw new EngineError(op, `${name} has shape ${fmtShape(t.shape)} but normalizedShape is ${fmtShape(shape)}`);
  }
  const D = sizeOf(shape),
    rows = x.size / Math.max(D, 1);
  const X = x.data as FloatStorage;
  const gamma = weight ? (weight.data as FloatStorage) : null,
    beta = bias ? (bias.data as FloatStorage) : null;
  const xhat = allocate(dtype, x.size) as FloatStorage;
  const invStd = new Float64Array(rows);
  const Y = allocate(dtype, x.size) as FloatStorage;
  for (let r = 0; r < rows; r++) {
    const base = r * D;
    let mu = 0;
    for (let k = 0; k < D; k++) mu += X[base + k];
    mu /= D;
    let v = 0;
    for (let k = 0; k < D; k++) {
      const d = X[base + k] - mu;
      v += d * d;
    }
    const is = 1 / Math.sqrt(v / D + eps);
    invStd[r] = is;
    for (let k = 0; k < D; k++) {
      const h = (X[base + k] - mu) * is;
      xhat[base + k] = h;
      Y[base + k] = (gamma ? gamma[k] : 1) * h + (beta ? beta[k] : 0);
    }
  }
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(op, new Tensor(Y, x.shape, dtype), inputs, (g) => {
    const G = g.data as FloatStorage;
    const dGamma = new Float64Array(D),
      dBeta = new Float64Array(D);
    const dX = x.requiresGrad ? (allocate(dtype, x.size) as FloatStorage) : null;
    const d = new Float64Array(D); // γ ⊙ g for one row
    for (let r = 0; r < rows; r++) {
      const base = r * D;
      let sumD = 0,
        sumDXhat = 0;
      for (let k = 0; k < D; k++) {
        const gk = G[base + k],
          h = xhat[base + k];
        dGamma[k] += gk * h;
        dBeta[k] += gk;
        d[k] = (gamma ? gamma[k] : 1) * gk;
        sumD += d[k];
        sumDXhat += d[k] * h;
      }
      if (dX) {
        const k0 = invStd[r] / D;
        for (let k = 0; k < D; k++) dX[base + k] = k0 * (D * d[k] - sumD - xhat[base + k] * sumDXhat);
      }
    }
    return [
      dX ? new Tensor(dX, x.shape, dtype) : null,
      ...(weight ? [channelTensor(dGamma, weight)] : []),
      ...(bias ? [channelTensor(dBeta, bias)] : []),
    ];
  });
}

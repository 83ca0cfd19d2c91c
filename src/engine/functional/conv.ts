/**
 * 2-D convolution (really cross-correlation, as in every framework), NCHW.
 *
 *   y[n,o,p,q] = b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n, c, pS + i - P, qS + j - P]
 *
 * Computed as im2col + GEMM: unfold each sample's receptive fields into the columns
 * of a [C·kh·kw, OH·OW] matrix, then Y_n = W · cols_n with W seen as [O, C·kh·kw].
 * A backend with fused conv kernels (Backend.conv2dForward and friends) takes over
 * when it has them; float64 always stays on the reference path.
 */
import { backendFor, type Backend, type Conv2dGeometry } from '../backend';
import { allocate, EngineError, fmtShape, type FloatStorage, Tensor } from '../tensor';
import { optionalInt, requireInt, requireOptions } from '../args';
import { planeSum } from './planeReductions';
import { gradBuffer, recordWeighted, weightedDtype } from './weighted';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
}

/** The output size along one axis: O = floor((W - F + 2P) / S) + 1. */
export function convOutputSize(inSize: number, kernel: number, stride: number, padding: number): number {
  requireInt('convOutputSize', 'inSize', inSize, 0);
  requireInt('convOutputSize', 'kernel', kernel, 1);
  requireInt('convOutputSize', 'stride', stride, 1);
  requireInt('convOutputSize', 'padding', padding, 0);
  return outputSize(inSize, kernel, stride, padding);
}

function outputSize(inSize: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((inSize - kernel + 2 * padding) / stride) + 1;
}

export function conv2dGeometry(op: string, x: Tensor, w: Tensor, opts: Conv2dOptions): Conv2dGeometry {
  if (x.ndim !== 4) throw new EngineError(op, `input must be [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (w.ndim !== 4) throw new EngineError(op, `weight must be [out, in, kh, kw], got shape ${fmtShape(w.shape)}`);
  const [n, c, h, wd] = x.shape;
  const [o, wc, kh, kw] = w.shape;
  if (wc !== c) {
    throw new EngineError(op, `input shape ${fmtShape(x.shape)} has ${c} channels but weight shape ${fmtShape(w.shape)} expects ${wc}`);
  }
  const stride = optionalInt(op, 'stride', opts.stride, 1, 1);
  const padding = optionalInt(op, 'padding', opts.padding, 0, 0);
  const oh = outputSize(h, kh, stride, padding);
  const ow = outputSize(wd, kw, stride, padding);
  if (oh < 1 || ow < 1) {
    throw new EngineError(
      op,
      `kernel ${kh}x${kw} is larger than the padded input ${h + 2 * padding}x${wd + 2 * padding} (input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}, padding ${padding})`,
    );
  }
  return { n, c, h, w: wd, o, kh, kw, stride, padding, oh, ow };
}

/** cols[(c·kh + i)·kw + j, p·OW + q] = x[n, c, pS + i - P, qS + j - P] (0 in the padding). */
function im2col(x: FloatStorage, sample: number, g: Conv2dGeometry, cols: FloatStorage): void {
  unfold(x, sample, g, cols, false);
}

/** The adjoint of im2col: every column entry is added back to the pixel it was read from. */
function col2im(cols: FloatStorage, sample: number, g: Conv2dGeometry, dx: FloatStorage): void {
  unfold(dx, sample, g, cols, true);
}

/**
 * The index walk im2col and col2im share, so that they cannot disagree on an index: for
 * each kernel tap (c, i, j) and output row p, a row of OW column entries meets the input
 * row it reads. Forward, the entries copy the pixels; `adjoint`, they are added back.
 */
function unfold(pixels: FloatStorage, sample: number, g: Conv2dGeometry, cols: FloatStorage, adjoint: boolean): void {
  const { c: C, h: H, w: W, kh, kw, stride: S, padding: P, oh, ow } = g;
  const L = oh * ow;
  for (let c = 0; c < C; c++) {
    const plane = (sample * C + c) * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((c * kh + i) * kw + j) * L;
        for (let p = 0; p < oh; p++) {
          const ih = p * S + i - P;
          const col = row + p * ow;
          if (ih < 0 || ih >= H) {
            if (!adjoint) for (let q = 0; q < ow; q++) cols[col + q] = 0;
            continue;
          }
          const src = plane + ih * W;
          if (adjoint) {
            for (let q = 0; q < ow; q++) {
              const iw = q * S + j - P;
              if (iw >= 0 && iw < W) pixels[src + iw] += cols[col + q];
            }
          } else {
            for (let q = 0; q < ow; q++) {
              const iw = q * S + j - P;
              cols[col + q] = iw >= 0 && iw < W ? pixels[src + iw] : 0;
            }
          }
        }
      }
    }
  }
}

function forwardGemm(backend: Backend, X: FloatStorage, Wt: FloatStorage, Y: FloatStorage, g: Conv2dGeometry): void {
  const K = g.c * g.kh * g.kw,
    L = g.oh * g.ow;
  const cols = allocate(Y instanceof Float64Array ? 'float64' : 'float32', K * L) as FloatStorage;
  for (let s = 0; s < g.n; s++) {
    im2col(X, s, g, cols);
    backend.gemm({ a: Wt, b: cols, c: Y.subarray(s * g.o * L, (s + 1) * g.o * L), m: g.o, n: L, k: K, transA: false, transB: false });
  }
}

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const dtype = weightedDtype('conv2d', x, weight, bias);
  const g = conv2dGeometry('conv2d', x, weight, requireOptions('conv2d', 'opts', opts));
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== g.o)) {
    throw new EngineError(
      'conv2d',
      `bias shape ${fmtShape(bias.shape)} does not match the ${g.o} output channels of weight ${fmtShape(weight.shape)}`,
    );
  }
  const L = g.oh * g.ow,
    K = g.c * g.kh * g.kw;
  const X = x.data as FloatStorage,
    Wt = weight.data as FloatStorage;
  const Y = allocate(dtype, g.n * g.o * L, true) as FloatStorage;
  const backend = backendFor(Y);
  // A backend that adds the bias inside its kernel saves a pass over the output.
  const fusedBias = bias && backend.conv2dForwardBias ? backend : null;
  if (fusedBias) fusedBias.conv2dForwardBias!(X, Wt, bias!.data as FloatStorage, Y, g);
  else if (backend.conv2dForward) backend.conv2dForward(X, Wt, Y, g);
  else forwardGemm(backend, X, Wt, Y, g);
  if (bias && !fusedBias) {
    const B = bias.data as FloatStorage;
    for (let s = 0; s < g.n; s++) {
      for (let o = 0; o < g.o; o++) {
        const b = B[o];
        for (let l = (s * g.o + o) * L, end = l + L; l < end; l++) Y[l] += b;
      }
    }
  }
  const out = new Tensor(Y, [g.n, g.o, g.oh, g.ow], dtype);
  return recordWeighted('conv2d', out, [x, weight, bias], (G) => {
    const dx = gradBuffer(x),
      dw = gradBuffer(weight),
      db = gradBuffer(bias);
    // dL/dx is a full correlation of the upstream gradient with the flipped kernel:
    // per sample, dcols = Wᵀ · G_n, folded back onto the pixels by col2im.
    if (dx && backend.conv2dBackwardInput) backend.conv2dBackwardInput(G, Wt, dx, g);
    else if (dx) {
      const dcols = allocate(dtype, K * L) as FloatStorage;
      for (let s = 0; s < g.n; s++) {
        backend.gemm({ a: Wt, b: G.subarray(s * g.o * L, (s + 1) * g.o * L), c: dcols, m: K, n: L, k: g.o, transA: true, transB: false });
        col2im(dcols, s, g, dx);
      }
    }
    // dL/dw[o,c,i,j] = Σ_{n,p,q} G[n,o,p,q] · x[n, c, pS+i-P, qS+j-P]: the input correlated
    // with the upstream gradient, i.e. dW += G_n · cols_nᵀ summed over the batch.
    if (dw && db && backend.conv2dBackwardWeightBias) {
      backend.conv2dBackwardWeightBias(X, G, dw, db, g); // and dL/db with it
      return [dx, dw, db];
    }
    if (dw && backend.conv2dBackwardWeight) backend.conv2dBackwardWeight(X, G, dw, g);
    else if (dw) {
      const cols = allocate(dtype, K * L) as FloatStorage;
      for (let s = 0; s < g.n; s++) {
        im2col(X, s, g, cols);
        backend.gemm({
          a: G.subarray(s * g.o * L, (s + 1) * g.o * L),
          b: cols,
          c: dw,
          m: g.o,
          n: K,
          k: L,
          transA: false,
          transB: true,
          accumulate: true,
        });
      }
    }
    // dL/db[o] = Σ_{n,p,q} G[n,o,p,q]
    if (db) {
      for (let s = 0; s < g.n; s++) {
        for (let o = 0; o < g.o; o++) db[o] += planeSum(G, (s * g.o + o) * L, L);
      }
    }
    return [dx, dw, db];
  });
}

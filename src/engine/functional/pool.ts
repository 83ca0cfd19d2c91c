/**
 * 2-D pooling over NCHW. Max pooling remembers which input won each window, and
 * its backward routes the gradient there alone; average pooling spreads each
 * gradient evenly over its window.
 */
import { backendFor } from '../backend';
import { optionalInt, requireInt } from '../args';
import { allocate, describe, EngineError, fmtShape, type FloatStorage, record, Tensor } from '../tensor';
import { requireFloat } from './checks';
import { convOutputSize } from './conv';

export interface Pool2dOptions {
  kernelSize: number;
  /** Defaults to kernelSize (non-overlapping windows). */
  stride?: number;
  padding?: number;
}

interface PoolGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  k: number;
  s: number;
  p: number;
  oh: number;
  ow: number;
}

function poolGeometry(op: string, x: Tensor, opts: Pool2dOptions): PoolGeometry {
  requireFloat(op, 'input', x);
  if (x.ndim !== 4) throw new EngineError(op, `input must be [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (!opts || typeof opts !== 'object')
    throw new EngineError(op, `opts must be an options object { kernelSize, stride?, padding? }, got ${describe(opts)}`);
  const k = requireInt(op, 'kernelSize', opts.kernelSize, 1);
  const s = optionalInt(op, 'stride', opts.stride, k, 1),
    p = optionalInt(op, 'padding', opts.padding, 0, 0);
  if (p * 2 > k) throw new EngineError(op, `padding ${p} must be at most half the kernel size ${k}`);
  const [n, c, h, w] = x.shape;
  const oh = convOutputSize(h, k, s, p),
    ow = convOutputSize(w, k, s, p);
  if (oh < 1 || ow < 1)
    throw new EngineError(op, `kernel ${k}x${k} does not fit the padded input of shape ${fmtShape(x.shape)} (padding ${p})`);
  return { n, c, h, w, k, s, p, oh, ow };
}

/** y[n,c,p,q] = max over the window; dL/dx = g at the window's argmax, 0 elsewhere. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const geometry = poolGeometry('maxPool2d', x, opts);
  const { n, c, h, w, k, s, p, oh, ow } = geometry;
  const dtype = x.dtype as 'float32' | 'float64';
  const X = x.data as FloatStorage;
  const Y = allocate(dtype, n * c * oh * ow, true) as FloatStorage;
  const winner = new Int32Array(Y.length); // flat input index of each window's max
  // float32 2x2 windows on a backend with SIMD kernels (the fast CPU path) run there,
  // with the same scan order and tie rule.
  const backend = backendFor(Y);
  const simd =
    k === 2 && s === 2 && p === 0 && X instanceof Float32Array && backend.maxPool2x2 && backend.maxPool2x2Backward ? backend : null;
  const simdGeometry = { planes: n * c, h, w, oh, ow };
  if (simd) simd.maxPool2x2!(X as Float32Array, Y as Float32Array, winner, simdGeometry);
  else if (k === 2 && s === 2 && p === 0) maxPool2x2(X, Y, winner, n * c, h, w, oh, ow);
  else {
    forEachWindow(geometry, windowBounds(geometry), (out, base, h0, h1, w0, w1) => {
      let best = -Infinity,
        at = base + h0 * w + w0;
      for (let r = h0; r < h1; r++) {
        for (let q = w0; q < w1; q++) {
          const v = X[base + r * w + q];
          if (v > best || Number.isNaN(v)) {
            best = v;
            at = base + r * w + q;
            if (Number.isNaN(v)) break;
          }
        }
      }
      Y[out] = best;
      winner[out] = at;
    });
  }
  return record('maxPool2d', new Tensor(Y, [n, c, oh, ow], dtype), [x], (g) => {
    const G = g.data as FloatStorage;
    if (simd) {
      const D = allocate(dtype, x.size, true) as Float32Array;
      simd.maxPool2x2Backward!(G as Float32Array, winner, D, simdGeometry);
      return [new Tensor(D, x.shape, dtype)];
    }
    const D = allocate(dtype, x.size) as FloatStorage;
    // Disjoint windows (stride >= kernel) each own their winner, so a plain store does;
    // overlapping windows may share one and must add.
    if (s >= k) for (let o = 0; o < G.length; o++) D[winner[o]] = G[o];
    else for (let o = 0; o < G.length; o++) D[winner[o]] += G[o];
    return [new Tensor(D, x.shape, dtype)];
  });
}

/**
 * The common 2x2, stride-2, unpadded case: every window lies inside the input, so
 * there are no bounds to clip. Same scan order and tie rule as the general loop:
 * the first maximum wins, and a NaN wins and propagates.
 */
function maxPool2x2(
  X: FloatStorage,
  Y: FloatStorage,
  winner: Int32Array,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
): void {
  let out = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let i = 0; i < oh; i++) {
      let top = plane * h * w + 2 * i * w;
      for (let j = 0; j < ow; j++, out++, top += 2) {
        const bottom = top + w;
        let best = X[top],
          at = top;
        // biome-ignore lint/suspicious/noSelfCompare: a NaN test in the hot loop (NaN propagates, as in PyTorch)
        if (best === best) {
          const v1 = X[top + 1],
            v2 = X[bottom],
            v3 = X[bottom + 1];
          if (!(v1 <= best)) {
            best = v1;
            at = top + 1;
          }
          // biome-ignore lint/suspicious/noSelfCompare: as above
          if (best === best && !(v2 <= best)) {
            best = v2;
            at = bottom;
          }
          // biome-ignore lint/suspicious/noSelfCompare: as above
          if (best === best && !(v3 <= best)) {
            best = v3;
            at = bottom + 1;
          }
        }
        Y[out] = best;
        winner[out] = at;
      }
    }
  }
}

/**
 * y = (1/k²) Σ over the window (zero padding counts toward the k² divisor, PyTorch's
 * count_include_pad default); dL/dx = g / k² for every pixel of the window.
 */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const geometry = poolGeometry('avgPool2d', x, opts);
  const { n, c, w, k, oh, ow } = geometry;
  const dtype = x.dtype as 'float32' | 'float64';
  const X = x.data as FloatStorage;
  const Y = allocate(dtype, n * c * oh * ow) as FloatStorage;
  const inv = 1 / (k * k);
  const windows = windowBounds(geometry);
  forEachWindow(geometry, windows, (out, base, h0, h1, w0, w1) => {
    let acc = 0;
    for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) acc += X[base + r * w + q];
    Y[out] = acc * inv;
  });
  return record('avgPool2d', new Tensor(Y, [n, c, oh, ow], dtype), [x], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, x.size) as FloatStorage;
    forEachWindow(geometry, windows, (out, base, h0, h1, w0, w1) => {
      const share = G[out] * inv;
      for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) D[base + r * w + q] += share;
    });
    return [new Tensor(D, x.shape, dtype)];
  });
}

/**
 * Every window of one plane, in output order, clipped to the input: rows [h0, h1) and
 * columns [w0, w1), four entries a window. Computed once, so the loops over planes that
 * read it hold no bounds arithmetic.
 */
function windowBounds({ h, w, k, s, p, oh, ow }: PoolGeometry): Int32Array {
  const bounds = new Int32Array(oh * ow * 4);
  for (let i = 0, m = 0; i < oh; i++) {
    const h0 = Math.max(i * s - p, 0),
      h1 = Math.min(i * s - p + k, h);
    for (let j = 0; j < ow; j++) {
      bounds[m++] = h0;
      bounds[m++] = h1;
      bounds[m++] = Math.max(j * s - p, 0);
      bounds[m++] = Math.min(j * s - p + k, w);
    }
  }
  return bounds;
}

/**
 * Calls `visit` for every window of every plane in output order, with the window's flat
 * output index, its plane's first input index, and its clipped rows [h0, h1) and columns [w0, w1).
 */
function forEachWindow(
  { n, c, h, w }: PoolGeometry,
  windows: Int32Array,
  visit: (out: number, base: number, h0: number, h1: number, w0: number, w1: number) => void,
): void {
  for (let plane = 0, out = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let m = 0; m < windows.length; m += 4, out++) visit(out, base, windows[m], windows[m + 1], windows[m + 2], windows[m + 3]);
  }
}

import { gemm, gemmScratchBytes } from './gemm';

// ---- convolution (NCHW input, OIHW weights) as im2col + gemm, one image at a time ----

// cols (c*kh*kw rows x oh*ow columns) from one image.
function im2col(
  x: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32, cols: usize,
): void {
  let dst = cols;
  const rowBytes = <usize>ow << 2;
  for (let ci = 0; ci < c; ci++) {
    const plane = x + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        // Output columns whose input column lies inside the image: [lo, hi).
        let lo = 0, hi = ow;
        if (stride == 1) {
          lo = max(0, pad - kj);
          hi = min(ow, w + pad - kj);
          if (hi < lo) hi = lo;
        }
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * stride - pad + ki;
          if (iy < 0 || iy >= h) {
            memory.fill(dst, 0, rowBytes);
          } else {
            const src = plane + (<usize>(iy * w) << 2);
            if (stride == 1) {
              if (lo > 0) memory.fill(dst, 0, <usize>lo << 2);
              memory.copy(dst + (<usize>lo << 2), src + (<usize>(lo - pad + kj) << 2), <usize>(hi - lo) << 2);
              if (hi < ow) memory.fill(dst + (<usize>hi << 2), 0, <usize>(ow - hi) << 2);
            } else {
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * stride - pad + kj;
                store<f32>(dst + (<usize>ox << 2), ix >= 0 && ix < w ? load<f32>(src + (<usize>ix << 2)) : 0);
              }
            }
          }
          dst += rowBytes;
        }
      }
    }
  }
}

// gx (one image, already zeroed) += the scatter of cols back onto the input grid.
function col2im(
  cols: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32, gx: usize,
): void {
  let src = cols;
  const rowBytes = <usize>ow << 2;
  for (let ci = 0; ci < c; ci++) {
    const plane = gx + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        let lo = 0, hi = ow;
        if (stride == 1) {
          lo = max(0, pad - kj);
          hi = min(ow, w + pad - kj);
          if (hi < lo) hi = lo;
        }
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * stride - pad + ki;
          if (iy >= 0 && iy < h) {
            const dstRow = plane + (<usize>(iy * w) << 2);
            if (stride == 1) {
              const d = dstRow + (<usize>(lo - pad + kj) << 2);
              const s = src + (<usize>lo << 2);
              const len = hi - lo;
              let j = 0;
              for (; j + 4 <= len; j += 4) {
                const o = <usize>j << 2;
                v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
              }
              for (; j < len; j++) {
                const o = <usize>j << 2;
                store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
              }
            } else {
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * stride - pad + kj;
                if (ix >= 0 && ix < w) {
                  const d = dstRow + (<usize>ix << 2);
                  store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
                }
              }
            }
          }
          src += rowBytes;
        }
      }
    }
  }
}

// A 1x1, stride-1, unpadded convolution reads its input as the cols matrix directly.
@inline
function isPointwise(kh: i32, kw: i32, stride: i32, pad: i32): bool {
  return kh == 1 && kw == 1 && stride == 1 && pad == 0;
}

/**
 * out[i] (o x oh*ow) = W (o x c*kh*kw) * im2col(x[i]) (+ bias[o] on every position of
 * plane o, unless bias is 0) for images i in [i0, i1).
 */
export function conv2dForward(
  x: usize, wt: usize, out: usize, bias: usize,
  c: i32, h: i32, w: i32, o: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32,
  i0: i32, i1: i32, scratch: usize,
): void {
  const kdim = c * kh * kw, pdim = oh * ow;
  const cols = scratch + <usize>gemmScratchBytes();
  for (let i = i0; i < i1; i++) {
    const xi = x + (<usize>i * c * h * w << 2);
    let b = cols;
    if (isPointwise(kh, kw, stride, pad)) b = xi;
    else im2col(xi, c, h, w, kh, kw, stride, pad, oh, ow, cols);
    const outI = out + (<usize>i * o * pdim << 2);
    gemm(o, pdim, kdim, wt, kdim, false, b, pdim, false, outI, pdim, false, scratch);
    if (bias != 0) {
      // while the image's output is still in cache
      for (let oc = 0; oc < o; oc++) addScalar(outI + (<usize>(oc * pdim) << 2), load<f32>(bias + (<usize>oc << 2)), pdim);
    }
  }
}

/** p[0:len] += v. */
@inline
function addScalar(p: usize, v: f32, len: i32): void {
  const vv = f32x4.splat(v);
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const q = p + (<usize>j << 2);
    v128.store(q, f32x4.add(v128.load(q), vv));
  }
  for (; j < len; j++) {
    const q = p + (<usize>j << 2);
    store<f32>(q, load<f32>(q) + v);
  }
}

/** Σ p[0:len] in float32 lanes. */
@inline
function sumPlane(p: usize, len: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= len; j += 4) acc = f32x4.add(acc, v128.load(p + (<usize>j << 2)));
  let tail: f32 = 0;
  for (; j < len; j++) tail += load<f32>(p + (<usize>j << 2));
  return f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)) + tail;
}

/** gx[i] = col2im(Wᵀ * gOut[i]) for images i in [i0, i1). */
export function conv2dBackwardInput(
  gOut: usize, wt: usize, gx: usize,
  c: i32, h: i32, w: i32, o: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32,
  i0: i32, i1: i32, scratch: usize,
): void {
  const kdim = c * kh * kw, pdim = oh * ow;
  const cols = scratch + <usize>gemmScratchBytes();
  const imageBytes = <usize>(c * h * w) << 2;
  for (let i = i0; i < i1; i++) {
    const gxi = gx + <usize>i * imageBytes;
    const gi = gOut + (<usize>i * o * pdim << 2);
    if (isPointwise(kh, kw, stride, pad)) {
      gemm(kdim, pdim, o, wt, kdim, true, gi, pdim, false, gxi, pdim, false, scratch);
    } else {
      gemm(kdim, pdim, o, wt, kdim, true, gi, pdim, false, cols, pdim, false, scratch);
      memory.fill(gxi, 0, imageBytes);
      col2im(cols, c, h, w, kh, kw, stride, pad, oh, ow, gxi);
    }
  }
}

/**
 * gw (o x c*kh*kw) = Σ over images i in [i0, i1) of gOut[i] * im2col(x[i])ᵀ (+= when
 * accumulate); with withBias, the bias gradient Σ gOut[i][o] follows gw, at gw + o*kdim.
 */
export function conv2dBackwardWeight(
  x: usize, gOut: usize, gw: usize,
  c: i32, h: i32, w: i32, o: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32,
  i0: i32, i1: i32, scratch: usize, accumulate: bool, withBias: bool,
): void {
  const kdim = c * kh * kw, pdim = oh * ow;
  const cols = scratch + <usize>gemmScratchBytes();
  const gb = gw + (<usize>(o * kdim) << 2);
  if (i1 <= i0 && !accumulate) memory.fill(gw, 0, <usize>(o * kdim + (withBias ? o : 0)) << 2);
  for (let i = i0; i < i1; i++) {
    const xi = x + (<usize>i * c * h * w << 2);
    const gi = gOut + (<usize>i * o * pdim << 2);
    let b = cols;
    if (isPointwise(kh, kw, stride, pad)) b = xi;
    else im2col(xi, c, h, w, kh, kw, stride, pad, oh, ow, cols);
    const add = accumulate || i > i0;
    gemm(o, kdim, pdim, gi, pdim, false, b, pdim, true, gw, kdim, add, scratch);
    if (withBias) {
      for (let oc = 0; oc < o; oc++) {
        const s = sumPlane(gi + (<usize>(oc * pdim) << 2), pdim);
        const at = gb + (<usize>oc << 2);
        store<f32>(at, add ? load<f32>(at) + s : s);
      }
    }
  }
}

/** dst[0:len] += src[0:len] (summing per-thread partial weight gradients). */
export function addInto(dst: usize, src: usize, len: i32): void {
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; j < len; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

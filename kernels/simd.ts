// AssemblyScript source of the fast CPU path's WebAssembly SIMD kernels.
// Compiled at build time by esbuild.mjs (AssemblyScript's JS API) and embedded
// in the bundles; src/engine/backends/wasmKernels.ts loads it.
//
// Every pointer is a byte address in the shared linear memory; every matrix is
// float32, row-major, with an explicit leading dimension (in floats) so that a
// thread can be handed a block of rows or columns by offsetting pointers.
// Nothing here allocates: callers pass a scratch region per thread, sized by
// gemmScratchBytes() (+ the im2col buffer for convolutions).

export { reluForward, reluBackward, maxPool2x2 } from './simd/pointwise';
export { channelMoments, channelAffine, channelGradSums, channelAffine2 } from './simd/channels';

// Register tile: MR rows x NR columns of C held in f32x4 accumulators.
// V8 allocates only the 16 xmm registers on x64: 4x8 (8 accumulators + 2 B
// vectors + 1 broadcast A) runs at ~56 GFLOP/s on one core here, while 6x8
// (12 + 2 + 1) already spills and halves that (~28 GFLOP/s).
const MR: i32 = 4;
const NR: i32 = 8;
// Cache blocking: an MR x KC sliver of A and a KC x NR sliver of B stay in L1
// (4 KiB + 8 KiB), the packed MC x KC block of A in L2 (128 KiB), the packed
// KC x NC block of B in L2/L3 (512 KiB).
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 512;

const PACK_A_FLOATS: i32 = MC * KC;
const PACK_B_FLOATS: i32 = KC * NC;
const TILE_FLOATS: i32 = MR * NR;

/** Bytes of scratch one gemm call needs (packed A, packed B, an edge tile). */
export function gemmScratchBytes(): i32 {
  return (PACK_A_FLOATS + PACK_B_FLOATS + TILE_FLOATS) << 2;
}

// Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) into MR-row
// panels: for each p, MR consecutive floats (rows past the edge are zeros).
function packA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    if (transA) {
      // op(A)[i, p] = A[p, i]: the MR values for one p are contiguous.
      let src = a + ((<usize>p0 * lda + i0 + ir) << 2);
      const step = <usize>lda << 2;
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          src += step;
          dst += MR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let i = 0; i < MR; i++) store<f32>(dst + (i << 2), i < mr ? load<f32>(src + (i << 2)) : 0);
          src += step;
          dst += MR << 2;
        }
      }
    } else {
      // op(A)[i, p] = A[i, p]: walk MR rows side by side.
      const row = a + ((<usize>(i0 + ir) * lda + p0) << 2);
      const rs = <usize>lda << 2;
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dst, load<f32>(row + o));
          store<f32>(dst, load<f32>(row + rs + o), 4);
          store<f32>(dst, load<f32>(row + 2 * rs + o), 8);
          store<f32>(dst, load<f32>(row + 3 * rs + o), 12);
          dst += MR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          for (let i = 0; i < MR; i++) store<f32>(dst + (i << 2), i < mr ? load<f32>(row + <usize>i * rs + o) : 0);
          dst += MR << 2;
        }
      }
    }
  }
}

// Packs depth [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into NR-column
// panels: for each p, NR consecutive floats (columns past the edge are zeros).
function packB(b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    if (!transB) {
      let src = b + ((<usize>p0 * ldb + j0 + jr) << 2);
      const step = <usize>ldb << 2;
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += step;
          dst += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) store<f32>(dst + (j << 2), j < nr ? load<f32>(src + (j << 2)) : 0);
          src += step;
          dst += NR << 2;
        }
      }
    } else {
      // op(B)[p, j] = B[j, p]: NR rows of B read side by side.
      const row = b + ((<usize>(j0 + jr) * ldb + p0) << 2);
      const rs = <usize>ldb << 2;
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dst, load<f32>(row + o));
          store<f32>(dst, load<f32>(row + rs + o), 4);
          store<f32>(dst, load<f32>(row + 2 * rs + o), 8);
          store<f32>(dst, load<f32>(row + 3 * rs + o), 12);
          store<f32>(dst, load<f32>(row + 4 * rs + o), 16);
          store<f32>(dst, load<f32>(row + 5 * rs + o), 20);
          store<f32>(dst, load<f32>(row + 6 * rs + o), 24);
          store<f32>(dst, load<f32>(row + 7 * rs + o), 28);
          dst += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          for (let j = 0; j < NR; j++) store<f32>(dst + (j << 2), j < nr ? load<f32>(row + <usize>j * rs + o) : 0);
          dst += NR << 2;
        }
      }
    }
  }
}

// C[0:MR, 0:NR] (+)= Apanel (kc x MR) * Bpanel (kc x NR).
// ldc is in bytes. `add` keeps what C holds (accumulation or a later k block).
@inline
function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += MR << 2;
    pb += NR << 2;
  }
  let r = c;
  if (add) {
    c00 = f32x4.add(c00, v128.load(r)); c01 = f32x4.add(c01, v128.load(r, 16)); r += ldc;
    c10 = f32x4.add(c10, v128.load(r)); c11 = f32x4.add(c11, v128.load(r, 16)); r += ldc;
    c20 = f32x4.add(c20, v128.load(r)); c21 = f32x4.add(c21, v128.load(r, 16)); r += ldc;
    c30 = f32x4.add(c30, v128.load(r)); c31 = f32x4.add(c31, v128.load(r, 16));
    r = c;
  }
  v128.store(r, c00); v128.store(r, c01, 16); r += ldc;
  v128.store(r, c10); v128.store(r, c11, 16); r += ldc;
  v128.store(r, c20); v128.store(r, c21, 16); r += ldc;
  v128.store(r, c30); v128.store(r, c31, 16);
}

/**
 * C (m x n, leading dim ldc) = or += op(A) (m x k) * op(B) (k x n).
 * op(A)[i, p] is A[i * lda + p], or A[p * lda + i] when transA; likewise B.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool,
  scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = <usize>ldc << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n << 2);
    return;
  }
  const packedA = scratch;
  const packedB = scratch + (<usize>PACK_A_FLOATS << 2);
  const tile = packedB + (<usize>PACK_B_FLOATS << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const add = accumulate || pc > 0;
      packB(b, ldb, transB, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, lda, transA, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB + (<usize>jr * kc << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packedA + (<usize>ir * kc << 2);
            const cij = c + <usize>(ic + ir) * ldcBytes + (<usize>(jc + jr) << 2);
            if (mr == MR && nr == NR) {
              microKernel(kc, pa, pb, cij, ldcBytes, add);
            } else {
              // Edge tile: compute the full register tile aside, keep the valid part.
              microKernel(kc, pa, pb, tile, <usize>NR << 2, false);
              for (let i = 0; i < mr; i++) {
                const crow = cij + <usize>i * ldcBytes;
                const trow = tile + (<usize>(i * NR) << 2);
                for (let j = 0; j < nr; j++) {
                  const o = <usize>j << 2;
                  const v = load<f32>(trow + o);
                  store<f32>(crow + o, add ? load<f32>(crow + o) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

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

/** out[i] (o x oh*ow) = W (o x c*kh*kw) * im2col(x[i]) for images i in [i0, i1). */
export function conv2dForward(
  x: usize, wt: usize, out: usize,
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
    gemm(o, pdim, kdim, wt, kdim, false, b, pdim, false, out + (<usize>i * o * pdim << 2), pdim, false, scratch);
  }
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

/** gw (o x c*kh*kw) = Σ over images i in [i0, i1) of gOut[i] * im2col(x[i])ᵀ (+= when accumulate). */
export function conv2dBackwardWeight(
  x: usize, gOut: usize, gw: usize,
  c: i32, h: i32, w: i32, o: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32,
  i0: i32, i1: i32, scratch: usize, accumulate: bool,
): void {
  const kdim = c * kh * kw, pdim = oh * ow;
  const cols = scratch + <usize>gemmScratchBytes();
  if (i1 <= i0 && !accumulate) memory.fill(gw, 0, <usize>(o * kdim) << 2);
  for (let i = i0; i < i1; i++) {
    const xi = x + (<usize>i * c * h * w << 2);
    let b = cols;
    if (isPointwise(kh, kw, stride, pad)) b = xi;
    else im2col(xi, c, h, w, kh, kw, stride, pad, oh, ow, cols);
    gemm(o, kdim, pdim, gOut + (<usize>i * o * pdim << 2), pdim, false, b, pdim, true, gw, kdim, accumulate || i > i0, scratch);
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

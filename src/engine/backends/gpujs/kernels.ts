/**
 * Kernel functions for gpu.js. gpu.js reads each function's source text and
 * translates it (to GLSL, WGSL, WebAssembly or JavaScript), so these are written
 * in the subset it understands: one output cell per call, `this.thread` for the
 * cell, `this.constants` for sizes (baked into the compiled kernel, which is why
 * kernels are cached per shape), flat Float32Array arguments, Math.* only.
 *
 * Index arithmetic: GLSL lets a float division be off by 2.5 ulp, so a flat
 * index t is split into (t / d, t % d) as q = floor((t + 0.5) / d), then the
 * remainder t - q*d, computed exactly, moves q by one where it fell outside
 * [0, d). That is exact while t < 2^22 (MAX_DECODED_INDEX), which callers keep
 * to. Quotients of small numbers (window offsets, a filter's rows) keep the
 * +0.5 margin alone: below 2^20 it exceeds the division's error.
 */
import type { KernelThis } from './gpujsTypes';

/** Largest flat index a kernel may split with floor((t + 0.5) / d). */
export const MAX_DECODED_INDEX = 1 << 22;

// ---------------------------------------------------------------- GEMM
// C (m x n) = op(A) op(B). Strides select the transposes: element (i, p) of op(A)
// is a[i * aI + p * aP], element (p, j) of op(B) is b[p * bP + j * bJ].
// Output: a block of rows, flat; `row0` (an argument, not a constant, so every
// block shares one compiled kernel) is the block's first row.

export interface GemmConstants {
  n: number;
  k: number;
  aI: number;
  aP: number;
  bP: number;
  bJ: number;
  /** 1: C += op(A) op(B), reading the block of C given; 0: C = op(A) op(B), `c` unread. */
  accumulate: number;
}

export function gemmKernel(this: KernelThis<GemmConstants>, a: Float32Array, b: Float32Array, c: Float32Array, row0: number): number {
  const t = this.thread.x;
  let r = Math.floor((t + 0.5) / this.constants.n);
  let j = t - r * this.constants.n;
  if (j < 0) {
    r = r - 1;
    j = j + this.constants.n;
  }
  if (j >= this.constants.n) {
    r = r + 1;
    j = j - this.constants.n;
  }
  const aRow = (row0 + r) * this.constants.aI;
  const bCol = j * this.constants.bJ;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[aRow + p * this.constants.aP] * b[p * this.constants.bP + bCol];
  }
  if (this.constants.accumulate === 1) return c[t] + sum;
  return sum;
}

// ---------------------------------------------------------------- convolution
// NCHW input x [n, c, h, w], weights [o, c, kh, kw], output [n, o, oh, ow];
// zero padding `pad`, stride `s`.

export interface ConvConstants {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  s: number;
  pad: number;
  oh: number;
  ow: number;
}

/** Output [ow, oh, n*o]: y[n,o,p,q] = Σ_{c,i,j} x[n, c, p*s+i-pad, q*s+j-pad] · w[o,c,i,j]. */
export function conv2dForwardKernel(this: KernelThis<ConvConstants>, x: Float32Array, w: Float32Array): number {
  const ox = this.thread.x,
    oy = this.thread.y,
    z = this.thread.z;
  let ni = Math.floor((z + 0.5) / this.constants.o);
  let oc = z - ni * this.constants.o;
  if (oc < 0) {
    ni = ni - 1;
    oc = oc + this.constants.o;
  }
  if (oc >= this.constants.o) {
    ni = ni + 1;
    oc = oc - this.constants.o;
  }
  let sum = 0;
  for (let ci = 0; ci < this.constants.c; ci++) {
    for (let ky = 0; ky < this.constants.kh; ky++) {
      const iy = oy * this.constants.s - this.constants.pad + ky;
      if (iy >= 0 && iy < this.constants.h) {
        for (let kx = 0; kx < this.constants.kw; kx++) {
          const ix = ox * this.constants.s - this.constants.pad + kx;
          if (ix >= 0 && ix < this.constants.w) {
            sum +=
              x[((ni * this.constants.c + ci) * this.constants.h + iy) * this.constants.w + ix] *
              w[((oc * this.constants.c + ci) * this.constants.kh + ky) * this.constants.kw + kx];
          }
        }
      }
    }
  }
  return sum;
}

/**
 * Output [w, h, n*c]: dx[n,c,y,x] = Σ over (o, i, j) with y = p*s+i-pad, x = q*s+j-pad
 * of g[n,o,p,q] · w[o,c,i,j] (the forward's scatter, gathered per input pixel).
 */
export function conv2dBackwardInputKernel(this: KernelThis<ConvConstants>, g: Float32Array, w: Float32Array): number {
  const ix = this.thread.x,
    iy = this.thread.y,
    z = this.thread.z;
  let ni = Math.floor((z + 0.5) / this.constants.c);
  let ci = z - ni * this.constants.c;
  if (ci < 0) {
    ni = ni - 1;
    ci = ci + this.constants.c;
  }
  if (ci >= this.constants.c) {
    ni = ni + 1;
    ci = ci - this.constants.c;
  }
  let sum = 0;
  for (let oc = 0; oc < this.constants.o; oc++) {
    for (let ky = 0; ky < this.constants.kh; ky++) {
      const ty = iy + this.constants.pad - ky;
      const oy = Math.floor((ty + 0.5) / this.constants.s);
      if (ty >= 0 && oy * this.constants.s === ty && oy < this.constants.oh) {
        for (let kx = 0; kx < this.constants.kw; kx++) {
          const tx = ix + this.constants.pad - kx;
          const ox = Math.floor((tx + 0.5) / this.constants.s);
          if (tx >= 0 && ox * this.constants.s === tx && ox < this.constants.ow) {
            sum +=
              g[((ni * this.constants.o + oc) * this.constants.oh + oy) * this.constants.ow + ox] *
              w[((oc * this.constants.c + ci) * this.constants.kh + ky) * this.constants.kw + kx];
          }
        }
      }
    }
  }
  return sum;
}

export interface ConvWeightConstants extends ConvConstants {
  perChunk: number;
}

/**
 * First half of dw: output [c*kh*kw, o, chunks], each cell the sum over its chunk of
 * `perChunk` images of x[n, c, p*s+i-pad, q*s+j-pad] · g[n,o,p,q]. Splitting the
 * batch gives the GPU n/perChunk times more threads and shortens each float32 sum.
 */
export function conv2dWeightPartialKernel(this: KernelThis<ConvWeightConstants>, x: Float32Array, g: Float32Array): number {
  const r = this.thread.x,
    oc = this.thread.y,
    chunk = this.thread.z;
  const taps = this.constants.kh * this.constants.kw;
  let ci = Math.floor((r + 0.5) / taps);
  let tap = r - ci * taps;
  if (tap < 0) {
    ci = ci - 1;
    tap = tap + taps;
  }
  if (tap >= taps) {
    ci = ci + 1;
    tap = tap - taps;
  }
  const ky = Math.floor((tap + 0.5) / this.constants.kw);
  const kx = tap - ky * this.constants.kw;
  let sum = 0;
  for (let q = 0; q < this.constants.perChunk; q++) {
    const ni = chunk * this.constants.perChunk + q;
    if (ni < this.constants.n) {
      for (let oy = 0; oy < this.constants.oh; oy++) {
        const iy = oy * this.constants.s - this.constants.pad + ky;
        if (iy >= 0 && iy < this.constants.h) {
          for (let ox = 0; ox < this.constants.ow; ox++) {
            const ix = ox * this.constants.s - this.constants.pad + kx;
            if (ix >= 0 && ix < this.constants.w) {
              sum +=
                x[((ni * this.constants.c + ci) * this.constants.h + iy) * this.constants.w + ix] *
                g[((ni * this.constants.o + oc) * this.constants.oh + oy) * this.constants.ow + ox];
            }
          }
        }
      }
    }
  }
  return sum;
}

export interface ChunkSumConstants {
  cols: number;
  rows: number;
  chunks: number;
}

/** Second half: output [rows*cols] flat, the sum over chunks of partial[chunk][row][col]. */
export function chunkSumKernel(this: KernelThis<ChunkSumConstants>, partial: Float32Array[][]): number {
  const t = this.thread.x;
  let row = Math.floor((t + 0.5) / this.constants.cols);
  let col = t - row * this.constants.cols;
  if (col < 0) {
    row = row - 1;
    col = col + this.constants.cols;
  }
  if (col >= this.constants.cols) {
    row = row + 1;
    col = col - this.constants.cols;
  }
  let sum = 0;
  for (let ch = 0; ch < this.constants.chunks; ch++) sum += partial[ch][row][col];
  return sum;
}

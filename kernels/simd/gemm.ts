// The float32 GEMM of the fast CPU path: packed panels and a register-tiled micro-kernel
// (see kernels/simd.ts for the conventions every kernel shares).

// Register tile: MR rows x NR columns of C held in f32x4 accumulators.
// V8 allocates only the 16 xmm registers on x64: 4x8 (8 accumulators + 2 B
// vectors + 1 broadcast A) runs at full speed, while 6x8 spills and halves it.
// Fused multiply-add (the relaxed-SIMD build) takes the 4x8 tile ~1.2x faster,
// but does not make room for a taller one: 5x8 and 6x8 still halve it.
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

/** Rows of the register tile: the caller cuts C into blocks of whole tiles. */
export function tileRows(): i32 {
  return MR;
}

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

// a * b + c: one fused multiply-add where the module is built with relaxed SIMD and
// the runtime has it (src/engine/backends/wasmKernels.ts picks the build), else a
// multiply and an add. Either is a valid float32 result; a fused one rounds once.
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// C[0:MR, 0:NR] (+)= Apanel (kc x MR) * Bpanel (kc x NR).
// ldc is in bytes. `add` keeps what C holds (accumulation or a later k block).
// One row of the tile: c (+)= row r of C, stored back.
@inline
function finishRow(r: usize, c0: v128, c1: v128, add: bool): void {
  if (add) {
    c0 = f32x4.add(c0, v128.load(r));
    c1 = f32x4.add(c1, v128.load(r, 16));
  }
  v128.store(r, c0);
  v128.store(r, c1, 16);
}

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
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += MR << 2;
    pb += NR << 2;
  }
  finishRow(c, c00, c01, add);
  finishRow(c + ldc, c10, c11, add);
  finishRow(c + 2 * ldc, c20, c21, add);
  finishRow(c + 3 * ldc, c30, c31, add);
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

// AssemblyScript source of the float64 GEMM that the reference backend hands
// its larger products to (src/engine/backends/reference/f64Kernels.ts loads it). Compiled at build
// time like kernels/simd.ts, but into its own small module with its own
// (unshared) memory, so that a browser's main thread may instantiate it
// synchronously (under 4 KB) and the gradient check stays off the float32 path.
//
// Every element of C is one dot product summed in order of p, from 0, with
// separate multiplies and adds (no fused multiply-add exists in this SIMD set):
// the results are bit-identical to the plain loop's. The f64x2 lanes only run
// two columns of C side by side.
//
// Pointers are byte addresses; matrices are row-major and contiguous, as the
// engine stores them: op(A) is m x k, op(B) is k x n, C is m x n.

// Scalar reads of op(A)[i, p] = A[i * ai + p * ap]; op(B) rows are contiguous
// (a transposed B is first copied to `scratch` as k x n).
@inline function aAt(a: usize, ai: usize, ap: usize, i: i32, p: i32): f64 {
  return load<f64>(a + ((<usize>i * ai + <usize>p * ap) << 3));
}

@inline function put2(c: usize, s: v128, acc: bool): void {
  v128.store(c, acc ? f64x2.add(v128.load(c), s) : s);
}

// Rows [i, i + 4) x columns [j, j + 4): 8 accumulators, 2 B vectors and one
// broadcast of A fit V8's 16 vector registers.
function tile4x4(a: usize, ai: usize, ap: usize, b: usize, n: i32, k: i32, c: usize, i: i32, j: i32, acc: bool): void {
  let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
  let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
  let pb = b + (<usize>j << 3);
  const rowB = <usize>n << 3;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = f64x2.splat(aAt(a, ai, ap, i, p));
    s00 = f64x2.add(s00, f64x2.mul(av, b0)); s01 = f64x2.add(s01, f64x2.mul(av, b1));
    av = f64x2.splat(aAt(a, ai, ap, i + 1, p));
    s10 = f64x2.add(s10, f64x2.mul(av, b0)); s11 = f64x2.add(s11, f64x2.mul(av, b1));
    av = f64x2.splat(aAt(a, ai, ap, i + 2, p));
    s20 = f64x2.add(s20, f64x2.mul(av, b0)); s21 = f64x2.add(s21, f64x2.mul(av, b1));
    av = f64x2.splat(aAt(a, ai, ap, i + 3, p));
    s30 = f64x2.add(s30, f64x2.mul(av, b0)); s31 = f64x2.add(s31, f64x2.mul(av, b1));
    pb += rowB;
  }
  let pc = c + ((<usize>i * n + j) << 3);
  put2(pc, s00, acc); put2(pc + 16, s01, acc); pc += rowB;
  put2(pc, s10, acc); put2(pc + 16, s11, acc); pc += rowB;
  put2(pc, s20, acc); put2(pc + 16, s21, acc); pc += rowB;
  put2(pc, s30, acc); put2(pc + 16, s31, acc);
}

// Row i, columns [j0, n): four, then two, then one at a time.
function rowTail(a: usize, ai: usize, ap: usize, b: usize, n: i32, k: i32, c: usize, i: i32, j0: i32, acc: bool): void {
  const rowB = <usize>n << 3;
  const rowC = c + (<usize>i * n << 3);
  let j = j0;
  for (; j + 4 <= n; j += 4) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let pb = b + (<usize>j << 3);
    for (let p = 0; p < k; p++) {
      const av = f64x2.splat(aAt(a, ai, ap, i, p));
      s0 = f64x2.add(s0, f64x2.mul(av, v128.load(pb)));
      s1 = f64x2.add(s1, f64x2.mul(av, v128.load(pb, 16)));
      pb += rowB;
    }
    put2(rowC + (<usize>j << 3), s0, acc);
    put2(rowC + (<usize>j << 3) + 16, s1, acc);
  }
  if (j + 2 <= n) {
    let s = f64x2.splat(0);
    let pb = b + (<usize>j << 3);
    for (let p = 0; p < k; p++) {
      s = f64x2.add(s, f64x2.mul(f64x2.splat(aAt(a, ai, ap, i, p)), v128.load(pb)));
      pb += rowB;
    }
    put2(rowC + (<usize>j << 3), s, acc);
    j += 2;
  }
  if (j < n) {
    let s: f64 = 0;
    let pb = b + (<usize>j << 3);
    for (let p = 0; p < k; p++) {
      s += aAt(a, ai, ap, i, p) * load<f64>(pb);
      pb += rowB;
    }
    const pc = rowC + (<usize>j << 3);
    store<f64>(pc, acc ? load<f64>(pc) + s : s);
  }
}

/**
 * C (m x n) = op(A) (m x k) * op(B) (k x n), or C += when `accumulate`.
 * `scratch` holds k * n doubles when transB (op(B) copied row-major there).
 */
export function gemm(m: i32, n: i32, k: i32, a: usize, transA: bool, b: usize, transB: bool, c: usize, accumulate: bool, scratch: usize): void {
  if (transB) {
    // B is n x k; write op(B) = B^T as k x n.
    for (let p = 0; p < k; p++) {
      const dst = scratch + (<usize>p * n << 3);
      for (let j = 0; j < n; j++) store<f64>(dst + (<usize>j << 3), load<f64>(b + ((<usize>j * k + p) << 3)));
    }
    b = scratch;
  }
  const ai: usize = transA ? 1 : <usize>k;
  const ap: usize = transA ? <usize>m : 1;
  const m4 = m - (m & 3);
  const n4 = n - (n & 3);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) tile4x4(a, ai, ap, b, n, k, c, i, j, accumulate);
    if (n4 < n) for (let r = 0; r < 4; r++) rowTail(a, ai, ap, b, n, k, c, i + r, n4, accumulate);
  }
  for (let i = m4; i < m; i++) rowTail(a, ai, ap, b, n, k, c, i, 0, accumulate);
}

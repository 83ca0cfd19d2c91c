// Memory-bound float32 kernels of the fast CPU path: ReLU and 2x2 max pooling.
// Plain JavaScript spends most of their time on branches that random signs make
// unpredictable; here a comparison yields a lane mask and a bitselect picks the
// value, so nothing branches on data. Each kernel takes a range [i0, i1) of
// elements or planes so a thread can be handed part of the work.

/** y = max(x, 0) over elements [i0, i1); NaN stays NaN and -0 becomes +0, as in PyTorch. */
export function reluForward(x: usize, y: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max<f32>(load<f32>(x + o), 0));
  }
}

/** dx = g where x > 0, else 0, over elements [i0, i1) (a NaN input passes no gradient). */
export function reluBackward(x: usize, g: usize, dx: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(g + o) : 0);
  }
}

// The running maximum of a window scanned in order: a later value takes over when the
// maximum so far is a number and the value is not <= it (so a NaN takes over and then
// stays), which is the scalar loop's rule in src/engine/functional/pool.ts.
@inline
function takesOver(best: v128, v: v128): v128 {
  return v128.andnot(f32x4.eq(best, best), f32x4.le(v, best));
}

@inline
function takesOverScalar(best: f32, v: f32): bool {
  return best == best && !(v <= best);
}

/**
 * 2x2, stride-2, unpadded max pooling of planes [p0, p1) of an [planes, h, w] input:
 * y [planes, oh, ow] and winner, the flat input index (element, not byte) of each
 * window's maximum, for the backward. Four windows per step: the even and odd
 * columns of two input rows are de-interleaved with shuffles.
 */
export function maxPool2x2(x: usize, y: usize, winner: usize, h: i32, w: i32, oh: i32, ow: i32, p0: i32, p1: i32): void {
  const stepIdx = i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    const plane = p * h * w;
    for (let i = 0; i < oh; i++) {
      const topIdx = plane + 2 * i * w;
      const top = x + (<usize>topIdx << 2);
      const bottom = top + (<usize>w << 2);
      let out = (p * oh + i) * ow;
      let j = 0;
      for (; j + 4 <= ow; j += 4, out += 4) {
        const off = <usize>j << 3; // 2j floats
        const t0 = v128.load(top + off), t1 = v128.load(top + off + 16);
        const b0 = v128.load(bottom + off), b1 = v128.load(bottom + off + 16);
        const v0 = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6), v1 = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
        const v2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), v3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const i0 = i32x4.add(i32x4.splat(topIdx + 2 * j), stepIdx);
        let best = v0, at = i0;
        let m = takesOver(best, v1);
        best = v128.bitselect(v1, best, m);
        at = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), at, m);
        m = takesOver(best, v2);
        best = v128.bitselect(v2, best, m);
        at = v128.bitselect(i32x4.add(i0, i32x4.splat(w)), at, m);
        m = takesOver(best, v3);
        best = v128.bitselect(v3, best, m);
        at = v128.bitselect(i32x4.add(i0, i32x4.splat(w + 1)), at, m);
        v128.store(y + (<usize>out << 2), best);
        v128.store(winner + (<usize>out << 2), at);
      }
      for (; j < ow; j++, out++) {
        const a = topIdx + 2 * j;
        let best = load<f32>(x + (<usize>a << 2)), at = a;
        let v = load<f32>(x + (<usize>(a + 1) << 2));
        if (takesOverScalar(best, v)) { best = v; at = a + 1; }
        v = load<f32>(x + (<usize>(a + w) << 2));
        if (takesOverScalar(best, v)) { best = v; at = a + w; }
        v = load<f32>(x + (<usize>(a + w + 1) << 2));
        if (takesOverScalar(best, v)) { best = v; at = a + w + 1; }
        store<f32>(y + (<usize>out << 2), best);
        store<i32>(winner + (<usize>out << 2), at);
      }
    }
  }
}

/**
 * The backward of maxPool2x2 for planes [p0, p1): each window's gradient goes to its
 * winner, every other input position (pooling's truncated edge row and column
 * included) gets zero. Windows are disjoint, so a store does.
 */
export function maxPool2x2Backward(g: usize, winner: usize, dx: usize, h: i32, w: i32, oh: i32, ow: i32, p0: i32, p1: i32): void {
  const planeIn = h * w, planeOut = oh * ow;
  memory.fill(dx + (<usize>(p0 * planeIn) << 2), 0, <usize>((p1 - p0) * planeIn) << 2);
  for (let o = p0 * planeOut, end = p1 * planeOut; o < end; o++) {
    const at = load<i32>(winner + (<usize>o << 2));
    store<f32>(dx + (<usize>at << 2), load<f32>(g + (<usize>o << 2)));
  }
}

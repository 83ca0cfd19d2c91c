// Per-channel kernels of batch normalisation over an [n, C, S] float32 tensor (S
// positions per sample and channel): statistics and gradients summed in float64,
// so a channel of a large batch keeps the accuracy of the scalar code, and the
// per-channel affine maps. Each takes a channel range [c0, c1) so threads split
// the channels between them. Per-channel inputs and outputs are float64 arrays.

// Sum of four float32 lanes into two float64 accumulators.
@inline
function addWide(acc: v128, v: v128): v128 {
  return f64x2.add(f64x2.add(acc, f64x2.promote_low_f32x4(v)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
}

@inline
function lanes(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** mean[c] = Σx / (n S) and m2[c] = Σ(x - mean[c])² for channels [c0, c1). */
export function channelMoments(x: usize, n: i32, C: i32, S: i32, mean: usize, m2: usize, c0: i32, c1: i32): void {
  const S4 = S & ~3;
  for (let c = c0; c < c1; c++) {
    let acc = f64x2.splat(0), tail: f64 = 0;
    for (let s = 0; s < n; s++) {
      const base = x + (<usize>(s * C + c) * S << 2);
      for (let k = 0; k < S4; k += 4) acc = addWide(acc, v128.load(base + (<usize>k << 2)));
      for (let k = S4; k < S; k++) tail += <f64>load<f32>(base + (<usize>k << 2));
    }
    const mu = (lanes(acc) + tail) / (<f64>n * <f64>S);
    const mu2 = f64x2.splat(mu);
    let dev = f64x2.splat(0), devTail: f64 = 0;
    for (let s = 0; s < n; s++) {
      const base = x + (<usize>(s * C + c) * S << 2);
      for (let k = 0; k < S4; k += 4) {
        const v = v128.load(base + (<usize>k << 2));
        const lo = f64x2.sub(f64x2.promote_low_f32x4(v), mu2), hi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), mu2);
        dev = f64x2.add(dev, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
      }
      for (let k = S4; k < S; k++) {
        const d = <f64>load<f32>(base + (<usize>k << 2)) - mu;
        devTail += d * d;
      }
    }
    store<f64>(mean + (<usize>c << 3), mu);
    store<f64>(m2 + (<usize>c << 3), lanes(dev) + devTail);
  }
}

// The affine maps subtract the mean before scaling: a (x - m) rather than a x - a m,
// which in float32 would cancel badly when the mean is large next to the spread.

/** y = a[c] (x - m[c]) + b[c] for channels [c0, c1). */
export function channelAffine(x: usize, y: usize, n: i32, C: i32, S: i32, a: usize, m: usize, b: usize, c0: i32, c1: i32): void {
  const S4 = S & ~3;
  for (let c = c0; c < c1; c++) {
    const ac = <f32>load<f64>(a + (<usize>c << 3)), mc = <f32>load<f64>(m + (<usize>c << 3)), bc = <f32>load<f64>(b + (<usize>c << 3));
    const av = f32x4.splat(ac), mv = f32x4.splat(mc), bv = f32x4.splat(bc);
    for (let s = 0; s < n; s++) {
      const off = <usize>(s * C + c) * S << 2;
      const xs = x + off, ys = y + off;
      for (let k = 0; k < S4; k += 4) {
        const o = <usize>k << 2;
        v128.store(ys + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xs + o), mv), av), bv));
      }
      for (let k = S4; k < S; k++) {
        const o = <usize>k << 2;
        store<f32>(ys + o, (load<f32>(xs + o) - mc) * ac + bc);
      }
    }
  }
}

/** sumG[c] = Σg and sumGXc[c] = Σ g (x - mean[c]) for channels [c0, c1). */
export function channelGradSums(g: usize, x: usize, n: i32, C: i32, S: i32, mean: usize, sumG: usize, sumGXc: usize, c0: i32, c1: i32): void {
  const S4 = S & ~3;
  for (let c = c0; c < c1; c++) {
    const mu = load<f64>(mean + (<usize>c << 3));
    const mu2 = f64x2.splat(mu);
    let sg = f64x2.splat(0), sgx = f64x2.splat(0), sgTail: f64 = 0, sgxTail: f64 = 0;
    for (let s = 0; s < n; s++) {
      const off = <usize>(s * C + c) * S << 2;
      const gs = g + off, xs = x + off;
      for (let k = 0; k < S4; k += 4) {
        const o = <usize>k << 2;
        const gv = v128.load(gs + o), xv = v128.load(xs + o);
        const gLo = f64x2.promote_low_f32x4(gv), gHi = f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 0, 1));
        const xLo = f64x2.sub(f64x2.promote_low_f32x4(xv), mu2), xHi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 0, 1)), mu2);
        sg = f64x2.add(sg, f64x2.add(gLo, gHi));
        sgx = f64x2.add(sgx, f64x2.add(f64x2.mul(gLo, xLo), f64x2.mul(gHi, xHi)));
      }
      for (let k = S4; k < S; k++) {
        const o = <usize>k << 2;
        const gk = <f64>load<f32>(gs + o);
        sgTail += gk;
        sgxTail += gk * (<f64>load<f32>(xs + o) - mu);
      }
    }
    store<f64>(sumG + (<usize>c << 3), lanes(sg) + sgTail);
    store<f64>(sumGXc + (<usize>c << 3), lanes(sgx) + sgxTail);
  }
}

/** d = a[c] g - b[c] (x - m[c]) + k[c] for channels [c0, c1). */
export function channelAffine2(g: usize, x: usize, d: usize, n: i32, C: i32, S: i32, a: usize, b: usize, m: usize, k0: usize, c0: i32, c1: i32): void {
  const S4 = S & ~3;
  for (let c = c0; c < c1; c++) {
    const ac = <f32>load<f64>(a + (<usize>c << 3)), bc = <f32>load<f64>(b + (<usize>c << 3));
    const mc = <f32>load<f64>(m + (<usize>c << 3)), kc = <f32>load<f64>(k0 + (<usize>c << 3));
    const av = f32x4.splat(ac), bv = f32x4.splat(bc), mv = f32x4.splat(mc), kv = f32x4.splat(kc);
    for (let s = 0; s < n; s++) {
      const off = <usize>(s * C + c) * S << 2;
      const gs = g + off, xs = x + off, ds = d + off;
      for (let k = 0; k < S4; k += 4) {
        const o = <usize>k << 2;
        v128.store(ds + o, f32x4.add(f32x4.sub(f32x4.mul(v128.load(gs + o), av), f32x4.mul(f32x4.sub(v128.load(xs + o), mv), bv)), kv));
      }
      for (let k = S4; k < S; k++) {
        const o = <usize>k << 2;
        store<f32>(ds + o, load<f32>(gs + o) * ac - (load<f32>(xs + o) - mc) * bc + kc);
      }
    }
  }
}

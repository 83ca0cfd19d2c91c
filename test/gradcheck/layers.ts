/**
 * Small hand-written layers as CheckTargets, in plain typed-array loops, each with an
 * optional "bug" that corrupts its gradients the way a slip in a derivation would.
 */
import { Rng } from '../../src/engine/rng';
import type { CheckTarget, FlatTensor } from '../../src/gradcheck/types';

export function randomInput(shape: number[], rng: Rng, scale = 1): FlatTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
  return { data, shape };
}

export function flat(data: number[], shape: number[]): FlatTensor {
  return { data: Float64Array.from(data), shape };
}

type Grads = (FlatTensor | null)[];

/** y = x W + b for x [n, d], W [d, m], b [m]. `bug` may rewrite the gradients [dx, dW, db]. */
export function affine(
  n: number,
  d: number,
  m: number,
  bug?: (g: Grads, x: FlatTensor, w: FlatTensor, dout: FlatTensor) => Grads,
  seed = 1,
): CheckTarget {
  const rng = new Rng(seed);
  return {
    name: 'affine',
    inputNames: ['x', 'w', 'b'],
    inputs: [randomInput([n, d], rng), randomInput([d, m], rng), randomInput([m], rng)],
    forward([x, w, b]) {
      const out = new Float64Array(n * m);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = b.data[j];
          for (let k = 0; k < d; k++) s += x.data[i * d + k] * w.data[k * m + j];
          out[i * m + j] = s;
        }
      }
      return { out: { data: out, shape: [n, m] }, cache: null };
    },
    backward([x, w], dout) {
      const dx = new Float64Array(n * d);
      const dw = new Float64Array(d * m);
      const db = new Float64Array(m);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const g = dout.data[i * m + j];
          db[j] += g;
          for (let k = 0; k < d; k++) {
            dx[i * d + k] += g * w.data[k * m + j];
            dw[k * m + j] += g * x.data[i * d + k];
          }
        }
      }
      const grads: Grads = [
        { data: dx, shape: [n, d] },
        { data: dw, shape: [d, m] },
        { data: db, shape: [m] },
      ];
      return bug ? bug(grads, x, w, dout) : grads;
    },
  };
}

/** Linear(d -> m) followed by ReLU: the speed benchmark layer. */
export function linearRelu(n: number, d: number, m: number, seed = 7): CheckTarget {
  const rng = new Rng(seed);
  const scale = 1 / Math.sqrt(d);
  return {
    name: 'linearRelu',
    inputNames: ['x', 'w', 'b'],
    inputs: [randomInput([n, d], rng), randomInput([d, m], rng, scale), randomInput([m], rng, 0.1)],
    forward([x, w, b]) {
      const xd = x.data;
      const wd = w.data;
      const bd = b.data;
      const out = new Float64Array(n * m);
      // Four output columns at a time, accumulated in locals: the loop a speed-minded
      // author writes, and what the timing assumes.
      for (let i = 0; i < n; i++) {
        const xr = i * d;
        let j = 0;
        for (; j + 4 <= m; j += 4) {
          let s0 = bd[j],
            s1 = bd[j + 1],
            s2 = bd[j + 2],
            s3 = bd[j + 3];
          for (let k = 0; k < d; k++) {
            const xv = xd[xr + k];
            const p = k * m + j;
            s0 += xv * wd[p];
            s1 += xv * wd[p + 1];
            s2 += xv * wd[p + 2];
            s3 += xv * wd[p + 3];
          }
          const o = i * m + j;
          out[o] = Math.max(s0, 0);
          out[o + 1] = Math.max(s1, 0);
          out[o + 2] = Math.max(s2, 0);
          out[o + 3] = Math.max(s3, 0);
        }
        for (; j < m; j++) {
          let s = bd[j];
          for (let k = 0; k < d; k++) s += xd[xr + k] * wd[k * m + j];
          out[i * m + j] = Math.max(s, 0);
        }
      }
      return { out: { data: out, shape: [n, m] }, cache: out };
    },
    backward([x, w], dout, cache) {
      const out = cache as Float64Array;
      const dz = new Float64Array(n * m);
      for (let i = 0; i < n * m; i++) dz[i] = out[i] > 0 ? dout.data[i] : 0;
      const dx = new Float64Array(n * d);
      const dw = new Float64Array(d * m);
      const db = new Float64Array(m);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const g = dz[i * m + j];
          db[j] += g;
          for (let k = 0; k < d; k++) {
            dx[i * d + k] += g * w.data[k * m + j];
            dw[k * m + j] += g * x.data[i * d + k];
          }
        }
      }
      return [
        { data: dx, shape: [n, d] },
        { data: dw, shape: [d, m] },
        { data: db, shape: [m] },
      ];
    },
  };
}

/** Elementwise ReLU at the given values; `gate` decides which elements pass the gradient. */
export function relu(values: number[], gate: (x: number) => boolean = (x) => x > 0): CheckTarget {
  const shape = [values.length];
  return {
    name: 'relu',
    inputNames: ['x'],
    inputs: [flat(values, shape)],
    forward([x]) {
      return { out: { data: x.data.map((v) => Math.max(v, 0)), shape }, cache: null };
    },
    backward([x], dout) {
      return [{ data: x.data.map((v, i) => (gate(v) ? dout.data[i] : 0)), shape }];
    },
  };
}

/**
 * 2x2 max-pool with stride 2 on an [h, w] input. The correct backward routes each
 * window's gradient to its first maximum; `route` can pick another element.
 */
export function maxPool(values: number[], h: number, w: number, route?: (window: number[]) => number): CheckTarget {
  const oh = h / 2;
  const ow = w / 2;
  const windowOf = (i: number, j: number): number[] => [
    2 * i * w + 2 * j,
    2 * i * w + 2 * j + 1,
    (2 * i + 1) * w + 2 * j,
    (2 * i + 1) * w + 2 * j + 1,
  ];
  const firstMax = (x: Float64Array, win: number[]): number => win.reduce((best, p) => (x[p] > x[best] ? p : best), win[0]);
  return {
    name: 'maxPool',
    inputNames: ['x'],
    inputs: [flat(values, [h, w])],
    forward([x]) {
      const out = new Float64Array(oh * ow);
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) out[i * ow + j] = x.data[firstMax(x.data, windowOf(i, j))];
      return { out: { data: out, shape: [oh, ow] }, cache: null };
    },
    backward([x], dout) {
      const dx = new Float64Array(h * w);
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const win = windowOf(i, j);
          const to = route ? win[route(win.map((p) => x.data[p]))] : firstMax(x.data, win);
          dx[to] += dout.data[i * ow + j];
        }
      }
      return [{ data: dx, shape: [h, w] }];
    },
  };
}

/** y = x ⊙ x on an [h, w] input; `bug` may rewrite dx given x. */
export function square(h: number, w: number, bug?: (dx: Float64Array, r: number, c: number) => void, seed = 3): CheckTarget {
  const rng = new Rng(seed);
  return {
    name: 'square',
    inputNames: ['x'],
    inputs: [randomInput([h, w], rng)],
    forward([x]) {
      return { out: { data: x.data.map((v) => v * v), shape: [h, w] }, cache: null };
    },
    backward([x], dout) {
      const dx = x.data.map((v, i) => 2 * v * dout.data[i]);
      if (bug) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) bug(dx.subarray(r * w + c, r * w + c + 1), r, c);
      return [{ data: dx, shape: [h, w] }];
    },
  };
}

/** Sums an [n, d] input over its batch: y[j] = sum_i x[i, j]. `scale` multiplies dx (1/n: the mean slip). */
export function batchSum(n: number, d: number, scale = 1): CheckTarget {
  const rng = new Rng(5);
  return {
    name: 'batchSum',
    inputNames: ['x'],
    inputs: [randomInput([n, d], rng)],
    forward([x]) {
      const out = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[j] += x.data[i * d + j];
      return { out: { data: out, shape: [d] }, cache: null };
    },
    backward(_inputs, dout) {
      const dx = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) dx[i * d + j] = dout.data[j] * scale;
      return [{ data: dx, shape: [n, d] }];
    },
  };
}

/**
 * A two-layer network over rows of x: z1 = x W1 + b1, h = ReLU(z1), out = h W2 + b2, all
 * weights square ([d, d]) so that the course's slip type-checks. `slip` breaks the step
 * back into layer 1: 'W1 for W2' computes dh = dout W1ᵀ (W1 where W2 belongs),
 * 'no gate' drops ReLU's 1(z1 > 0). `names` renames the inputs (default x, W1, b1, W2, b2).
 */
export function twoLayerNet(
  n: number,
  d: number,
  slip?: 'W1 for W2' | 'no gate',
  names = ['x', 'W1', 'b1', 'W2', 'b2'],
  seed = 11,
): CheckTarget {
  const rng = new Rng(seed);
  const scale = 1 / Math.sqrt(d);
  // out[i, j] = b[j] + sum_k a[i, k] m[k, j] (tb: m read transposed).
  const affineRows = (a: Float64Array, m: Float64Array, b: Float64Array | null, rows: number, tb = false): Float64Array => {
    const out = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < d; j++) {
        let s = b ? b[j] : 0;
        for (let k = 0; k < d; k++) s += a[i * d + k] * (tb ? m[j * d + k] : m[k * d + j]);
        out[i * d + j] = s;
      }
    }
    return out;
  };
  // out[k, j] = sum_i a[i, k] g[i, j]: the weight gradient aᵀ g.
  const weightGrad = (a: Float64Array, g: Float64Array): Float64Array => {
    const out = new Float64Array(d * d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[k * d + j] += a[i * d + k] * g[i * d + j];
    return out;
  };
  const columnSums = (g: Float64Array): Float64Array => {
    const out = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[j] += g[i * d + j];
    return out;
  };
  return {
    name: 'twoLayerNet',
    inputNames: names,
    inputs: [
      randomInput([n, d], rng),
      randomInput([d, d], rng, scale),
      randomInput([d], rng, 0.1),
      randomInput([d, d], rng, scale),
      randomInput([d], rng, 0.1),
    ],
    forward([x, w1, b1, w2, b2]) {
      const z1 = affineRows(x.data, w1.data, b1.data, n);
      const h = z1.map((v) => Math.max(v, 0));
      return { out: { data: affineRows(h, w2.data, b2.data, n), shape: [n, d] }, cache: { z1, h } };
    },
    backward([x, w1, , w2], dout, cache) {
      const { z1, h } = cache as { z1: Float64Array; h: Float64Array };
      const g = dout.data;
      const dh = affineRows(g, slip === 'W1 for W2' ? w1.data : w2.data, null, n, true);
      const dz1 = slip === 'no gate' ? dh : dh.map((v, i) => (z1[i] > 0 ? v : 0));
      const dx = affineRows(dz1, w1.data, null, n, true);
      const flatOf = (data: Float64Array, shape: number[]): FlatTensor => ({ data, shape });
      return [
        flatOf(dx, [n, d]),
        flatOf(weightGrad(x.data, dz1), [d, d]),
        flatOf(columnSums(dz1), [d]),
        flatOf(weightGrad(h, g), [d, d]),
        flatOf(columnSums(g), [d]),
      ];
    },
  };
}

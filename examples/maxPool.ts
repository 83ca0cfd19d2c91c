/**
 * 2×2 max pooling with stride 2, evaluated at an input with ties: several windows hold
 * their maximum twice. There the max is not differentiable (a kink): the backward
 * sends the gradient to the first maximum, as PyTorch does, while a central difference
 * sees half of it on each. GradLens reports those elements as "at a kink: skipped"
 * and checks the rest.
 */
import { layer, tensor, Tensor, type Tensor as T } from 'gradlens';

const POOL = 2;

export const maxPoolWithTies = layer({
  inputs: {
    x: tensor([
      [
        [
          [1.0, 1.0, 0.3, -0.2],
          [0.5, -1.0, 0.3, 0.1],
          [2.0, 0.7, -0.4, -0.4],
          [0.2, 2.0, -0.9, -0.4],
        ],
      ],
    ]),
  },
  forward: ({ x }) => {
    const [N, C, H, W] = x.shape;
    const Ho = H / POOL, Wo = W / POOL;
    const out = new Float64Array(N * C * Ho * Wo);
    const argmax = new Int32Array(out.length);
    const X = x.data;
    for (let nc = 0; nc < N * C; nc++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let best = -Infinity, where = -1;
          for (let di = 0; di < POOL; di++)
            for (let dj = 0; dj < POOL; dj++) {
              const k = nc * H * W + (i * POOL + di) * W + (j * POOL + dj);
              if (X[k] > best) [best, where] = [X[k], k];
            }
          const o = nc * Ho * Wo + i * Wo + j;
          out[o] = best;
          argmax[o] = where;
        }
    return { out: new Tensor(out, [N, C, Ho, Wo]), cache: argmax };
  },
  backward: ({ x }, dout: T, argmax: Int32Array) => {
    const dx = new Float64Array(x.size);
    argmax.forEach((k, o) => (dx[k] += dout.data[o]));
    return { x: new Tensor(dx, x.shape) };
  },
});

/**
 * Problem 1: a one-hidden-layer MLP on one example, in column vectors.
 *
 *   z1 = W x + b1,  h = ReLU(z1),  z2 = V h + b2,  p = softmax(z2),  L = -log p_y
 *
 * Backward with the textbook formulas: u2 = dL/dz2 = p - y,
 *   dV = u2 hᵀ,  db2 = u2,  u1 = dL/dz1 = Vᵀ u2 ⊙ 1(z1 > 0),
 *   dW = u1 xᵀ,  db1 = u1,  dx = Wᵀ u1.
 */
import { layer, tensor, type Tensor } from 'gradlens';

// The true class is 1 of 3, as a one-hot column.
const y = tensor([[0], [1], [0]]);

export const mlp = layer({
  name: 'mlp (problem 1)',
  inputs: { x: [5, 1], W: [4, 5], b1: [4, 1], V: [3, 4], b2: [3, 1] },
  forward: ({ x, W, b1, V, b2 }) => {
    const z1 = W.matmul(x).add(b1);
    const h = z1.relu();
    const z2 = V.matmul(h).add(b2);
    const e = z2.sub(z2.max()).exp(); // shifted for stability; softmax is unchanged
    const p = e.div(e.sum());
    const loss = p.log().mul(y).sum().neg();
    return { out: loss, cache: { z1, h, p } };
  },
  backward: ({ x, W, V }, dout: Tensor, { z1, h, p }: { z1: Tensor; h: Tensor; p: Tensor }) => {
    const u2 = p.sub(y).mul(dout);
    const u1 = V.T.matmul(u2).mul(z1.gt(0));
    return {
      V: u2.matmul(h.T),
      b2: u2,
      W: u1.matmul(x.T),
      b1: u1,
      x: W.T.matmul(u1),
    };
  },
});

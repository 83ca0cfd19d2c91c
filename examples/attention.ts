/**
 * Scaled dot-product attention with a boolean mask (true = may attend):
 *
 *   S = Q Kᵀ / √d + bias (−∞ where the mask is false),  W = softmax(S),  O = W V
 *
 * Forward by the engine's F.scaledDotProductAttentionWithWeights; backward by hand:
 *   dV = Wᵀ dO,  dW = dO Vᵀ,  dS = W ⊙ (dW − rowsum(dW ⊙ W)),
 *   dQ = dS K / √d,  dK = dSᵀ Q / √d.
 * Masked positions have W = 0, so no gradient flows through them.
 */
import { F, layer, tensor, type Tensor } from 'gradlens';

// 3 queries over 5 keys; each query sees at least one key.
const mask = tensor([
  [true, true, false, true, false],
  [true, false, false, false, true],
  [false, true, true, true, true],
]);

export const maskedAttention = layer({
  inputs: { q: [3, 4], k: [5, 4], v: [5, 2] },
  forward: ({ q, k, v }) => {
    const { output, weights } = F.scaledDotProductAttentionWithWeights(q, k, v, { attnMask: mask });
    return { out: output, cache: weights };
  },
  backward: ({ q, k, v }, dO: Tensor, W: Tensor) => {
    const scale = 1 / Math.sqrt(q.shape[1]);
    const dW = dO.matmul(v.T);
    const dS = W.mul(dW.sub(dW.mul(W).sum(-1, true)));
    return {
      q: dS.matmul(k).mul(scale),
      k: dS.T.matmul(q).mul(scale),
      v: W.T.matmul(dO),
    };
  },
});

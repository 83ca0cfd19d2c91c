/**
 * Inverted dropout with p = 0.5: keep each element with probability 1 − p and scale
 * the kept ones by 1/(1 − p); backward multiplies by the same mask. The mask is drawn
 * from ctx.rng, which GradLens resets before every call, so the forward is
 * deterministic under the checker (examples/wrong/dropoutMathRandom.ts shows what
 * happens with Math.random).
 */
import { layer, rand, type Tensor } from 'gradlens';

const P = 0.5;

export const dropout = layer({
  inputs: { x: [4, 6] },
  forward: ({ x }, ctx) => {
    const mask = rand(x.shape, { rng: ctx.rng }).ge(P).to('float64').div(1 - P);
    return { out: x.mul(mask), cache: mask };
  },
  backward: (_inputs, dout: Tensor, mask: Tensor) => ({ x: dout.mul(mask) }),
});

/**
 * WRONG ON PURPOSE: dropout drawing its mask from Math.random, so two forward calls on
 * the same input disagree and no finite difference means anything. GradLens reports the
 * nondeterminism (and suggests ctx.rng) instead of a gradient error.
 */
import { layer, tensor, type Tensor } from 'gradlens';

const P = 0.5;

export const dropoutMathRandom = layer({
  inputs: { x: [4, 6] },
  forward: ({ x }) => {
    const mask = tensor(Array.from({ length: x.shape[0] }, () => Array.from({ length: x.shape[1] }, () => (Math.random() < P ? 0 : 1 / (1 - P)))));
    return { out: x.mul(mask), cache: mask };
  },
  backward: (_inputs, dout: Tensor, mask: Tensor) => ({ x: dout.mul(mask) }),
});

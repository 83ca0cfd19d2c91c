/**
 * WRONG ON PURPOSE: batch norm whose dβ and dγ average over the batch (mean) where the
 * chain rule sums. Both are off by exactly 1/N; GradLens says so.
 */
import { layer, type Tensor } from 'gradlens';

const EPS = 1e-5;

export const batchNormMeanSlip = layer({
  inputs: { x: [6, 3], gamma: [3], beta: [3] },
  forward: ({ x, gamma, beta }) => {
    const mu = x.mean(0, true);
    const centered = x.sub(mu);
    const invStd = centered.square().mean(0, true).add(EPS).sqrt().pow(-1);
    const xHat = centered.mul(invStd);
    return { out: xHat.mul(gamma).add(beta), cache: { xHat, invStd } };
  },
  backward: ({ x, gamma }, dy: Tensor, { xHat, invStd }: { xHat: Tensor; invStd: Tensor }) => {
    const N = x.shape[0];
    const sumDy = dy.sum(0, true);
    const sumDyXHat = dy.mul(xHat).sum(0, true);
    const dx = gamma.mul(invStd).div(N).mul(dy.mul(N).sub(sumDy).sub(xHat.mul(sumDyXHat)));
    return { x: dx, gamma: dy.mul(xHat).mean(0), beta: dy.mean(0) };
  },
});

/**
 * Batch normalisation in training mode over a batch of N rows:
 *
 *   μ = mean(x),  σ² = mean((x − μ)²),  x̂ = (x − μ)/√(σ² + ε),  y = γ x̂ + β
 *
 * Backward, the compact form:
 *   dβ = Σ dy,  dγ = Σ dy ⊙ x̂,
 *   dx = γ/(N √(σ² + ε)) ⊙ (N dy − Σ dy − x̂ ⊙ Σ(dy ⊙ x̂)).
 */
import { layer, type Tensor } from 'gradlens';

const EPS = 1e-5;

export const batchNorm = layer({
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
    return { x: dx, gamma: sumDyXHat.squeeze(0), beta: sumDy.squeeze(0) };
  },
});

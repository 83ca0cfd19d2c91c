/**
 * The GAN discriminator's objective at its logits. D(x) = σ(z_real) on real samples,
 * D(G(z)) = σ(z_fake) on generated ones, and D ascends
 *
 *   L = mean[log D(x) + log(1 − D(G(z)))]
 *
 * (each batch of N samples averaged). At the logits:
 *   dL/dz_real = (1 − D(x)) / N,   dL/dz_fake = −D(G(z)) / N.
 */
import { layer, type Tensor } from 'gradlens';

export const ganDiscriminatorObjective = layer({
  inputs: { zReal: [8], zFake: [8] },
  forward: ({ zReal, zFake }) => {
    const dReal = zReal.sigmoid();
    const dFake = zFake.sigmoid();
    const loss = dReal.log().mean().add(dFake.neg().add(1).log().mean());
    return { out: loss, cache: { dReal, dFake } };
  },
  backward: ({ zReal, zFake }, dout: Tensor, { dReal, dFake }: { dReal: Tensor; dFake: Tensor }) => ({
    zReal: dReal.neg().add(1).mul(dout).div(zReal.shape[0]),
    zFake: dFake.neg().mul(dout).div(zFake.shape[0]),
  }),
});

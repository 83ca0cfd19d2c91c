"""The GAN minimax objective, as loss functions returning (value, grads).

    L = mean[log D(x)] + mean[log(1 - D(G(z)))]

The discriminator D ascends L and the generator G descends it. Both functions below
return L itself and its true gradient dL/d(input), so D's update is
`param += lr * grad` and G's is `param -= lr * grad`: the sign of the step lives in
the training loop, never in the gradient (a finite difference of L must match it).
"""
import numpy as np


def sigmoid(s):
    return 0.5 * (1.0 + np.tanh(0.5 * s))  # = 1 / (1 + exp(-s)), without overflow


def log_sigmoid(s):
    return -np.logaddexp(0.0, -s)  # log σ(s) = -log(1 + e^{-s})


# At D's logits, D(x) = σ(s_real) and D(G(z)) = σ(s_fake). With d/ds log σ(s) = 1 - σ(s)
# and log(1 - σ(s)) = log σ(-s), so d/ds log(1 - σ(s)) = -σ(s):
#
#   dL/ds_real = (1 - D(x)) / N,   dL/ds_fake = -D(G(z)) / M
#
# (N real and M fake samples, each term averaged over its batch).
#
# @gradcheck s_real:[8] s_fake:[8]
def discriminator_objective(s_real, s_fake):
    """The GAN value L at the discriminator's logits; returns (L, (dL/ds_real, dL/ds_fake))."""
    n, m = s_real.shape[0], s_fake.shape[0]
    L = log_sigmoid(s_real).mean() + log_sigmoid(-s_fake).mean()
    ds_real = (1.0 - sigmoid(s_real)) / n
    ds_fake = -sigmoid(s_fake) / m
    return L, (ds_real, ds_fake)


# The same objective through whole (tiny) networks: a logistic-regression discriminator
# D(u) = σ(u·w + c) and a one-layer generator G(z) = tanh(z Wg + bg). The logit
# gradients above flow back by the chain rule:
#
#   dw = x_realᵀ ds_real + x_fakeᵀ ds_fake,   dc = Σ ds_real + Σ ds_fake
#   dx_fake = ds_fake wᵀ,   da = dx_fake ⊙ (1 - x_fake²)   (tanh' = 1 - tanh²)
#   dWg = zᵀ da,   dbg = Σ_n da,   dz = da Wgᵀ
#
# @gradcheck x_real:[6,3] z:[6,2] w:[3] c:[1] Wg:[2,3] bg:[3]
def gan_value(x_real, z, w, c, Wg, bg):
    """L = mean log D(x) + mean log(1 - D(G(z))); returns (L, grads keyed by input name)."""
    n, m = x_real.shape[0], z.shape[0]

    x_fake = np.tanh(z @ Wg + bg)
    s_real = x_real @ w + c
    s_fake = x_fake @ w + c
    L = log_sigmoid(s_real).mean() + log_sigmoid(-s_fake).mean()

    ds_real = (1.0 - sigmoid(s_real)) / n
    ds_fake = -sigmoid(s_fake) / m

    grads = {}
    grads["w"] = x_real.T @ ds_real + x_fake.T @ ds_fake
    grads["c"] = np.array([ds_real.sum() + ds_fake.sum()])
    grads["x_real"] = np.outer(ds_real, w)
    dx_fake = np.outer(ds_fake, w)
    da = dx_fake * (1.0 - x_fake ** 2)
    grads["Wg"] = z.T @ da
    grads["bg"] = da.sum(axis=0)
    grads["z"] = da @ Wg.T
    return L, grads

"""Batch normalisation in training mode, as a numpy forward/backward pair."""
import numpy as np


# Forward over a batch of N rows, per feature:
#
#   mu = mean_n x,   var = mean_n (x - mu)²,   x_hat = (x - mu) / sqrt(var + eps)
#   out = gamma ⊙ x_hat + beta
#
# Backward: dbeta = Σ_n dout, dgamma = Σ_n dout ⊙ x_hat (sums: every row used gamma and
# beta), and, since mu and var depend on every row, the compact form
#
#   dx = gamma / (N sqrt(var + eps)) ⊙ (N dout - Σ_n dout - x_hat ⊙ Σ_n dout ⊙ x_hat)
#
# @gradcheck x:[6,4] gamma:[4] beta:[4] bn_param={"mode": "train", "eps": 1e-5}
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch norm of x (N, D) with scale gamma and shift beta; keeps running statistics in bn_param."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))

    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, inv_std)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = None
    else:
        raise ValueError(f"unknown batch norm mode {mode!r}")

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Gradients of batchnorm_forward in training mode: dx, dgamma, dbeta."""
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = (gamma * inv_std / N) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta

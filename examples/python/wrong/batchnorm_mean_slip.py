"""WRONG ON PURPOSE: batch norm whose dgamma and dbeta average over the batch (a mean)
where the chain rule sums. Both come out exactly 1/N of the truth (N = 6 here); dx is
right, so GradLens must fail gamma and beta and pass x.
"""
import numpy as np


# @gradcheck x:[6,4] gamma:[4] beta:[4] bn_param={"mode": "train", "eps": 1e-5}
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch norm of x (N, D) in training mode."""
    eps = bn_param.get("eps", 1e-5)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    """Gradients dx, dgamma, dbeta, the last two with the slip."""
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dx = (gamma * inv_std / N) * (N * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0))
    dgamma = (dout * x_hat).mean(axis=0)  # the slip: should be .sum(axis=0)
    dbeta = dout.mean(axis=0)  # the slip: should be .sum(axis=0)
    return dx, dgamma, dbeta

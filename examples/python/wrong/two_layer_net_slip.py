"""WRONG ON PURPOSE: Problem 2's two-layer net with the classic slip in the backward.

The gradient into the hidden layer is taken through W1ᵀ where W2ᵀ belongs:

    dh = dscores W1ᵀ        (should be dscores W2ᵀ)

The input, hidden and class sizes are all 4, so W1 and W2 are both 4×4 and the
wrong line runs without a shape error. GradLens must fail X, W1 and b1 (everything
below the slip) and pass W2 and b2 (everything above it).
"""
import numpy as np


def softmax_loss(x, y):
    """Mean softmax cross-entropy of the scores x (N, C) for the labels y (N,); returns (loss, dx)."""
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(n), y].mean()
    dx = probs.copy()
    dx[np.arange(n), y] -= 1.0
    dx /= n
    return loss, dx


# @gradcheck X:[5,4] W1:[4,4] b1:[4] W2:[4,4] b2:[4] y:int[5]<4 reg=0.05
def two_layer_net_slip_loss(X, W1, b1, W2, b2, y, reg=0.0):
    """Two-layer net (affine, ReLU, affine, softmax) with W1 for W2 in dh; returns (loss, grads)."""
    z1 = X @ W1 + b1
    h = np.maximum(0, z1)
    scores = h @ W2 + b2

    data_loss, dscores = softmax_loss(scores, y)
    loss = data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    grads = {}
    grads["W2"] = h.T @ dscores + 2 * reg * W2
    grads["b2"] = dscores.sum(axis=0)
    dh = dscores @ W1.T  # the slip: W1 where W2 belongs
    dz1 = dh * (z1 > 0)
    grads["W1"] = X.T @ dz1 + 2 * reg * W1
    grads["b1"] = dz1.sum(axis=0)
    grads["X"] = dz1 @ W1.T
    return loss, grads

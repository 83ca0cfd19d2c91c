"""Problem 2: a two-layer fully connected network with a softmax cross-entropy loss.

Written as loss functions returning (loss, grads), the way a course assignment
has them: softmax_loss on its own, then the whole network in two_layer_net_loss.
examples/python/wrong/two_layer_net_slip.py has the classic slip in the backward.
"""
import numpy as np


# @gradcheck x:[5,4] y:int[5]<4
def softmax_loss(x, y):
    """Mean softmax cross-entropy of the scores x (N, C) for the labels y (N,); returns (loss, dx)."""
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(n), y].mean()
    # dL/dscores = (p - onehot(y)) / N
    dx = probs.copy()
    dx[np.arange(n), y] -= 1.0
    dx /= n
    return loss, dx


# Forward, one example per row of X:
#
#   z1 = X W1 + b1,  h = ReLU(z1),  scores = h W2 + b2,
#   L = softmax_loss(scores, y) + reg (‖W1‖² + ‖W2‖²)
#
# Backward:
#
#   dscores = (p - onehot(y)) / N
#   dW2 = hᵀ dscores + 2 reg W2,   db2 = Σ_n dscores
#   dh  = dscores W2ᵀ,             dz1 = dh ⊙ 1(z1 > 0)
#   dW1 = Xᵀ dz1 + 2 reg W1,       db1 = Σ_n dz1,   dX = dz1 W1ᵀ
#
# @gradcheck X:[5,4] W1:[4,6] b1:[6] W2:[6,3] b2:[3] y:int[5]<3 reg=0.05
def two_layer_net_loss(X, W1, b1, W2, b2, y, reg=0.0):
    """Two-layer net (affine, ReLU, affine, softmax); returns (loss, grads keyed by name)."""
    z1 = X @ W1 + b1
    h = np.maximum(0, z1)
    scores = h @ W2 + b2

    data_loss, dscores = softmax_loss(scores, y)
    loss = data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    grads = {}
    grads["W2"] = h.T @ dscores + 2 * reg * W2
    grads["b2"] = dscores.sum(axis=0)
    dh = dscores @ W2.T
    dz1 = dh * (z1 > 0)
    grads["W1"] = X.T @ dz1 + 2 * reg * W1
    grads["b1"] = dz1.sum(axis=0)
    grads["X"] = dz1 @ W1.T
    return loss, grads

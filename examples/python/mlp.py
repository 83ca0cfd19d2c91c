"""Problem 1: a one-hidden-layer MLP, written twice.

First as a numpy forward/backward pair on one example in column vectors, with the
textbook backward; then as layer objects (Affine, ReLU, SoftmaxWithLoss) that keep
their own caches and gradients, put together into an MLP object.
"""
import numpy as np


def softmax(z):
    """Softmax of a column vector, shifted by its max for stability (the result is the same)."""
    e = np.exp(z - z.max())
    return e / e.sum()


# Forward, for one example x (a column) of class y:
#
#   z1 = W x + b1,  h = ReLU(z1),  z2 = V h + b2,  p = softmax(z2),  L = -log p_y
#
# Backward, with e_y the one-hot column of the true class:
#
#   u2 = dL/dz2 = p - e_y
#   dV = u2 hᵀ,  db2 = u2
#   u1 = dL/dz1 = Vᵀ u2 ⊙ 1(z1 > 0)     (ReLU gates the gradient)
#   dW = u1 xᵀ,  db1 = u1,  dx = Wᵀ u1
#
# @gradcheck x:[5,1] W:[4,5] b1:[4,1] V:[3,4] b2:[3,1] y=1
def mlp_forward(x, W, b1, V, b2, y):
    """Problem 1's MLP: linear, ReLU, linear, softmax cross-entropy for the true class y."""
    z1 = W @ x + b1
    h = np.maximum(0, z1)
    z2 = V @ h + b2
    p = softmax(z2)
    loss = -np.log(p[y, 0])
    cache = (x, W, V, z1, h, p, y)
    return loss, cache


def mlp_backward(dout, cache):
    """Gradients of mlp_forward's loss, in its input order: dx, dW, db1, dV, db2."""
    x, W, V, z1, h, p, y = cache
    e_y = np.zeros_like(p)
    e_y[y, 0] = 1.0
    u2 = (p - e_y) * dout
    dV = u2 @ h.T
    db2 = u2
    u1 = (V.T @ u2) * (z1 > 0)
    dW = u1 @ x.T
    db1 = u1
    dx = W.T @ u1
    return dx, dW, db1, dV, db2


# The same network as layer objects, on a batch: one example per row, so the layers
# compute x W + b and W here is the transpose of the W above.

# @gradcheck x:[3,5] W:[5,4] b:[4]
class Affine:
    """Fully connected layer: out = x W + b."""

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        # out[n, j] = sum_i x[n, i] W[i, j] + b[j]
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


# @gradcheck x:[3,4]
class ReLU:
    """ReLU: passes the gradient where the input was positive, blocks it elsewhere."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


# @gradcheck x:[3,4] y:int[3]<4
class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy over the batch (a loss layer)."""

    def __init__(self):
        self.p = None
        self.y = None

    def forward(self, x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        self.p = e / e.sum(axis=1, keepdims=True)
        self.y = y
        n = x.shape[0]
        return -np.mean(np.log(self.p[np.arange(n), y]))

    def backward(self, dout=1.0):
        # dL/dx = (p - onehot(y)) / N
        n = self.p.shape[0]
        dx = self.p.copy()
        dx[np.arange(n), self.y] -= 1.0
        return dx * dout / n


# @gradcheck x:[3,5] W:[5,4] b1:[4] V:[4,3] b2:[3] y:int[3]<3
class MLP:
    """Problem 1's MLP from layer objects: Affine, ReLU, Affine, SoftmaxWithLoss."""

    def __init__(self, W, b1, V, b2):
        self.layers = [Affine(W, b1), ReLU(), Affine(V, b2)]
        self.loss_layer = SoftmaxWithLoss()
        self.grads = {}

    def forward(self, x, y):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return self.loss_layer.forward(out, y)

    def backward(self, dout=1.0):
        d = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            d = layer.backward(d)
        first, _, second = self.layers
        self.grads = {"W": first.dW, "b1": first.db, "V": second.dW, "b2": second.db}
        return d

"""WRONG ON PURPOSE: dropout whose mask comes from a fresh np.random.default_rng().

default_rng() with no seed takes its seed from the operating system, so it ignores
np.random.seed and every call draws a different mask: two forward passes on the same
input disagree, and no finite difference means anything. GradLens reports the
nondeterminism instead of a gradient error. (Draw from np.random, or pass a seed in
dropout_param, as examples/python/dropout.py does.)
"""
import numpy as np


# @gradcheck x:[4,6] dropout_param={"p": 0.5, "mode": "train"}
def dropout_forward(x, dropout_param):
    """Inverted dropout of x with an unseeded generator."""
    p = dropout_param["p"]
    rng = np.random.default_rng()  # the mistake: seeded from OS entropy on every call
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    """Gradient of dropout_forward: dout through the mask it drew."""
    mask = cache
    return dout * mask

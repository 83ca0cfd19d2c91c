"""Inverted dropout as a numpy forward/backward pair.

Here p is the probability of DROPPING a unit (as in torch.nn.Dropout, and the 0.5 of
the CIFAR-10 CNN's classifier). Kept units are scaled by 1/(1 - p) during training so
that nothing needs rescaling at test time.

The mask comes from np.random, which GradLens seeds before every call, so each
forward under the checker draws the same mask and the finite differences are
meaningful. (examples/python/wrong/dropout_default_rng.py shows a mask that can't be.)
"""
import numpy as np


# out = x ⊙ mask / (1 - p), so dx = dout ⊙ mask / (1 - p): the dropped units get nothing.
#
# @gradcheck x:[4,6] dropout_param={"p": 0.5, "mode": "train"}
def dropout_forward(x, dropout_param):
    """Inverted dropout of x; the identity in test mode."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    if mode == "train":
        mask = (np.random.rand(*x.shape) >= p) / (1 - p)
        out = x * mask
    else:
        mask = None
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    """Gradient of dropout_forward: the same (scaled) mask, applied to dout."""
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout

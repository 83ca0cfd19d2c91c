"""Naive convolution and max pooling, loops and all, as numpy forward/backward pairs.

Output size of both, per spatial dimension: O = (W - F + 2P) // S + 1.
"""
import numpy as np


# out[n, f, i, j] = b[f] + Σ_{c, di, dj} w[f, c, di, dj] · xpad[n, c, i·S + di, j·S + dj]
#
# so each output position sends dout[n, f, i, j] back to the window it read:
#   dxpad[n, :, window] += dout[n, f, i, j] · w[f],   dw[f] += dout[n, f, i, j] · xpad[n, :, window]
#   db[f] = Σ_{n, i, j} dout[n, f, i, j]
# and dx is dxpad with the padding cut off.
#
# @gradcheck x:[2,3,5,5] w:[4,3,3,3] b:[4] conv_param={"stride": 1, "pad": 1}
def conv_forward_naive(x, w, b, conv_param):
    """2-D convolution (cross-correlation) of x (N, C, H, W) with filters w (F, C, HH, WW)."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H - HH + 2 * pad) // stride + 1
    W_out = (W - WW + 2 * pad) // stride + 1

    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xpad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Gradients of conv_forward_naive: dx, dw, db."""
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape

    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    g = dout[n, f, i, j]
                    dxpad[n, :, hs:hs + HH, ws:ws + WW] += g * w[f]
                    dw[f] += g * xpad[n, :, hs:hs + HH, ws:ws + WW]
    dx = dxpad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


# Max pooling: each output is the largest element of its window, so its gradient goes
# to that element alone (the others had no effect on the output). With standard normal
# inputs, ties inside a window do not happen.
#
# @gradcheck x:[2,3,4,4] pool_param={"pool_height": 2, "pool_width": 2, "stride": 2}
def max_pool_forward_naive(x, pool_param):
    """Max pooling of x (N, C, H, W) over pool_height × pool_width windows."""
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    N, C, H, W = x.shape
    H_out = (H - ph) // stride + 1
    W_out = (W - pw) // stride + 1

    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    out[n, c, i, j] = window.max()
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Gradient of max_pool_forward_naive: dx, nonzero only at each window's max."""
    x, pool_param = cache
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    N, C, H_out, W_out = dout.shape

    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    window = x[n, c, hs:hs + ph, ws:ws + pw]
                    di, dj = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, hs + di, ws + dj] += dout[n, c, i, j]
    return dx

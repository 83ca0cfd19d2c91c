"""Scaled dot-product attention with a boolean mask, an additive bias and dropout on the
attention weights, as a torch.autograd.Function with a backward derived by hand.
"""
import math

import torch


# Forward, per batch element (q: L×d, k: S×d, v: S×dv, bias: L×S):
#
#   S = Q Kᵀ / √d + bias,  with S = -inf where mask is False (True = may attend)
#   A = softmax(S) row by row
#   A_drop = A ⊙ M / (1 - p),  M ~ Bernoulli(1 - p) from torch's generator
#   O = A_drop V
#
# Backward (M is the very mask the forward drew, saved for backward):
#
#   dV = A_dropᵀ dO
#   dA = (dO Vᵀ) ⊙ M / (1 - p)
#   dS = A ⊙ (dA - rowsum(dA ⊙ A))        (the softmax Jacobian, row by row)
#   dQ = dS K / √d,   dK = dSᵀ Q / √d,   dbias = Σ_batch dS
#
# Masked positions have A = 0, so dS (and every gradient through them) is 0 there.
# Every query row below keeps at least one key, or its softmax would be 0/0.
#
# @gradcheck q:[2,3,4] k:[2,5,4] v:[2,5,2] bias:[3,5] mask=[[true, true, false, true, false], [true, false, false, false, true], [false, true, true, true, true]] p=0.1
class MaskedAttention(torch.autograd.Function):
    """softmax(Q Kᵀ/√d + bias, masked) V with dropout p on the weights."""

    @staticmethod
    def forward(ctx, q, k, v, bias, mask, p):
        mask = torch.as_tensor(mask, dtype=torch.bool, device=q.device)
        scale = 1.0 / math.sqrt(q.shape[-1])

        scores = q @ k.transpose(-2, -1) * scale + bias
        scores = scores.masked_fill(~mask, float("-inf"))
        attn = torch.softmax(scores, dim=-1)

        if p > 0:
            keep = (torch.rand(attn.shape, dtype=attn.dtype, device=attn.device) >= p).to(attn.dtype)
            drop_mask = keep / (1.0 - p)
        else:
            drop_mask = torch.ones_like(attn)
        attn_drop = attn * drop_mask

        out = attn_drop @ v
        ctx.save_for_backward(q, k, v, attn, drop_mask)
        ctx.scale = scale
        ctx.bias_shape = bias.shape
        return out

    @staticmethod
    def backward(ctx, dout):
        q, k, v, attn, drop_mask = ctx.saved_tensors
        scale = ctx.scale

        dv = (attn * drop_mask).transpose(-2, -1) @ dout
        dattn = (dout @ v.transpose(-2, -1)) * drop_mask
        dscores = attn * (dattn - (dattn * attn).sum(dim=-1, keepdim=True))
        dq = dscores @ k * scale
        dk = dscores.transpose(-2, -1) @ q * scale
        # bias was broadcast over the batch: sum those dimensions back out
        dbias = dscores.reshape(-1, *ctx.bias_shape).sum(dim=0)
        return dq, dk, dv, dbias, None, None

#!/usr/bin/env python3
"""PyTorch reference fixtures for the engine's parity tests (test/parity/).

Regenerate, from the repository root, with Debian's torch (python3-torch, 1.13):

    /usr/bin/python3 scripts/torch_fixtures.py

It rewrites test/fixtures/torch/{core,functional,optim}.json. The output is
deterministic: every case seeds its own generator from a CRC of its name, so
adding or removing a case leaves the others' numbers unchanged, and JSON floats
are written with Python's shortest round-trip repr (float64 exact).

What a case holds (the test files read exactly this):

    name     unique, human-readable; the tests name it in every failure message
    op       which computation to run; the TypeScript side has a table keyed by it
    params   plain JSON options for that op (dims, stride, eps, ...)
    inputs   name -> {shape, data, dtype?}; dtype "int" (indices, class targets)
             or "bool" (masks, data as 0/1); float64 when absent
    grad     names of the inputs that require grad
    output   the op's output
    weight   R, a random tensor shaped like the output; the scalar loss is
             L = sum(output * R), so grads are dL/dinput = R pulled back by the op
    grads    name -> dL/dinput for each name in `grad`
    state    tensors the op updates in place (batch norm running stats), after the call

Optimiser cases (optim.json) instead hold the initial parameters, the data of a
small linear model with a mean-squared-error loss, the optimiser's options and,
for every step, the loss before the step and the parameters after it.

torch 1.13 has no scaled_dot_product_attention, so attention is written out as
the reference formula: softmax(q k^T * scale + bias) v, scale = 1/sqrt(d) unless
given; a boolean mask keeps True positions (False -> -inf), a float mask is
added, and is_causal masks the strict upper triangle.
"""
import json
import math
import os
import zlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')


# ---------------------------------------------------------------------------
# Encoding

def enc(t):
    """A tensor as {shape, data[, dtype]} with row-major flat data."""
    t = t.detach()
    out = {'shape': list(t.shape)}
    if t.dtype == torch.bool:
        out['dtype'] = 'bool'
        out['data'] = [int(v) for v in t.reshape(-1).tolist()]
    elif t.dtype in (torch.int64, torch.int32):
        out['dtype'] = 'int'
        out['data'] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        out['data'] = [float(v) for v in t.to(torch.float64).reshape(-1).tolist()]
    return out


def gen_for(name):
    g = torch.Generator()
    g.manual_seed(zlib.crc32(name.encode('utf-8')))
    return g


class Draw:
    """Seeded samplers for one case."""

    def __init__(self, name):
        self.g = gen_for(name)

    def randn(self, *shape):
        return torch.randn(tuple(shape), generator=self.g)

    def uniform(self, lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(tuple(shape), generator=self.g)

    def away_from_zero(self, *shape, gap=0.2):
        """Normal samples pushed at least `gap` away from 0 (kinks of relu, abs...)."""
        x = torch.randn(tuple(shape), generator=self.g)
        return torch.where(x >= 0, x + gap, x - gap)

    def ints(self, lo, hi, *shape):
        return torch.randint(lo, hi, tuple(shape), generator=self.g)

    def bools(self, p, *shape):
        return torch.rand(tuple(shape), generator=self.g) < p


def off_boundaries(x, points, gap=0.05):
    """Move samples within `gap` of a kink (clamp bounds) away from it: sub-gradients differ there."""
    for p in points:
        x = torch.where((x - p).abs() < gap, x + 2 * gap, x)
    return x


# ---------------------------------------------------------------------------
# Running one case

def run_case(name, op, fn, inputs, grad, draw, params=None, state=None):
    """Run fn on leaf copies of inputs, then backprop L = sum(out * R)."""
    leaves = {}
    for k, v in inputs.items():
        leaf = v.detach().clone()
        if k in grad:
            leaf.requires_grad_(True)
        leaves[k] = leaf
    out = fn(leaves)
    weight = draw.randn(*out.shape)
    (out * weight).sum().backward()
    case = {
        'name': name,
        'op': op,
        'params': params or {},
        'inputs': {k: enc(v) for k, v in inputs.items()},
        'grad': list(grad),
        'output': enc(out),
        'weight': enc(weight),
        'grads': {k: enc(leaves[k].grad) for k in grad},
    }
    if state is not None:
        case['state'] = {k: enc(v) for k, v in state(leaves).items()}
    for k in grad:
        assert leaves[k].grad is not None, f'{name}: no gradient for {k}'
    assert torch.isfinite(out).all(), f'{name}: non-finite output'
    return case


class Cases:
    def __init__(self):
        self.items = []
        self.names = set()

    def add(self, name, op, build, fn, grad, params=None, state=None):
        """build(draw) -> inputs dict; fn(leaves) -> output tensor."""
        assert name not in self.names, f'duplicate case name {name}'
        self.names.add(name)
        draw = Draw(name)
        inputs = build(draw)
        self.items.append(run_case(name, op, fn, inputs, grad, draw, params, state))


# ---------------------------------------------------------------------------
# Core tensor ops

def core_cases():
    c = Cases()

    def binary(op, f, shapes, nonzero_b=False):
        for sa, sb in shapes:
            name = f'{op} {sa} {sb}'

            def build(d, sa=sa, sb=sb):
                a = d.randn(*sa)
                if nonzero_b:  # a divisor with |b| in [0.5, 2] and either sign
                    b = d.uniform(0.5, 2.0, *sb) * torch.where(d.bools(0.5, *sb), 1.0, -1.0)
                else:
                    b = d.randn(*sb)
                return {'a': a, 'b': b}
            c.add(name, op, build, lambda t: f(t['a'], t['b']), ['a', 'b'])

    bshapes = [([3, 4], [3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 1, 4], [3, 1]), ([3, 4], [])]
    binary('add', torch.add, bshapes)
    binary('sub', torch.sub, bshapes)
    binary('mul', torch.mul, bshapes)
    binary('div', torch.div, bshapes, nonzero_b=True)
    binary('maximum', torch.maximum, [([3, 4], [3, 4]), ([2, 3, 4], [3, 1])])
    binary('minimum', torch.minimum, [([3, 4], [3, 4]), ([2, 3, 4], [4])])

    # pow: positive bases so that the exponent's gradient (a^b ln a) exists
    for sa, sb in [([3, 4], [3, 4]), ([2, 3, 4], [4]), ([2, 3], [])]:
        c.add(f'pow {sa} {sb}', 'pow',
              lambda d, sa=sa, sb=sb: {'a': d.uniform(0.5, 2.0, *sa), 'b': d.uniform(-1.5, 2.5, *sb)},
              lambda t: torch.pow(t['a'], t['b']), ['a', 'b'])
    for e in [2, 3, 0.5, -1.5]:
        c.add(f'pow scalar exponent {e}', 'powScalar',
              lambda d: {'a': d.uniform(0.5, 2.0, 3, 4)},
              lambda t, e=e: torch.pow(t['a'], e), ['a'], params={'exponent': e})

    c.add('pow scalar exponent 3 with negative bases', 'powScalar',
          lambda d: {'a': d.randn(3, 4)},
          lambda t: torch.pow(t['a'], 3), ['a'], params={'exponent': 3})

    def unary(op, f, sample):
        c.add(f'{op} [2, 3, 4]', op, lambda d: {'a': sample(d, 2, 3, 4)}, lambda t: f(t['a']), ['a'])

    unary('neg', torch.neg, lambda d, *s: d.randn(*s))
    unary('exp', torch.exp, lambda d, *s: d.randn(*s))
    unary('log', torch.log, lambda d, *s: d.uniform(0.2, 3.0, *s))
    unary('sqrt', torch.sqrt, lambda d, *s: d.uniform(0.2, 3.0, *s))
    unary('abs', torch.abs, lambda d, *s: d.away_from_zero(*s))
    unary('square', torch.square, lambda d, *s: d.randn(*s))
    unary('relu', torch.relu, lambda d, *s: d.away_from_zero(*s))
    unary('sigmoid', torch.sigmoid, lambda d, *s: 2 * d.randn(*s))
    unary('tanh', torch.tanh, lambda d, *s: 2 * d.randn(*s))
    c.add('clamp [-0.5, 0.7]', 'clamp',
          lambda d: {'a': off_boundaries(d.randn(4, 5), [-0.5, 0.7])},
          lambda t: torch.clamp(t['a'], -0.5, 0.7), ['a'], params={'min': -0.5, 'max': 0.7})

    c.add('where [3, 4] with [4] and [3, 1]', 'where',
          lambda d: {'cond': d.bools(0.5, 3, 4), 'a': d.randn(4), 'b': d.randn(3, 1)},
          lambda t: torch.where(t['cond'], t['a'], t['b']), ['a', 'b'])

    # matmul
    for sa, sb in [([3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]),
                   ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5]), ([3, 4], [4]), ([4], [4, 5]), ([2, 3, 4], [4])]:
        c.add(f'matmul {sa} @ {sb}', 'matmul',
              lambda d, sa=sa, sb=sb: {'a': d.randn(*sa), 'b': d.randn(*sb)},
              lambda t: torch.matmul(t['a'], t['b']), ['a', 'b'])

    # reductions
    for dim, keep in [(None, False), (0, False), (1, True), (-1, False), ([0, 2], False), ([0, 2], True)]:
        for op, f in [('sum', torch.sum), ('mean', torch.mean)]:
            def fn(t, f=f, dim=dim, keep=keep):
                return f(t['a']) if dim is None else f(t['a'], dim=dim, keepdim=keep)
            c.add(f'{op} [2, 3, 4] dim={dim} keepdim={keep}', op, lambda d: {'a': d.randn(2, 3, 4)}, fn, ['a'],
                  params={'dim': dim, 'keepdim': keep})
    for dim, keep in [(None, False), (0, False), (1, True), (-1, False), (2, True)]:
        for op, f in [('max', torch.max), ('min', torch.min)]:
            def fn(t, f=f, dim=dim, keep=keep):
                return f(t['a']) if dim is None else f(t['a'], dim=dim, keepdim=keep).values
            c.add(f'{op} [2, 3, 4] dim={dim} keepdim={keep}', op, lambda d: {'a': d.randn(2, 3, 4)}, fn, ['a'],
                  params={'dim': dim, 'keepdim': keep})

    # shape ops
    c.add('transpose [2, 3, 4] (0, 2)', 'transpose', lambda d: {'a': d.randn(2, 3, 4)},
          lambda t: t['a'].transpose(0, 2), ['a'], params={'dim0': 0, 'dim1': 2})
    c.add('transpose [2, 3, 4] (-2, -1)', 'transpose', lambda d: {'a': d.randn(2, 3, 4)},
          lambda t: t['a'].transpose(-2, -1), ['a'], params={'dim0': -2, 'dim1': -1})
    for dims in [[2, 0, 1], [1, 0, 3, 2]]:
        shape = [2, 3, 4] if len(dims) == 3 else [2, 3, 4, 2]
        c.add(f'permute {shape} {dims}', 'permute', lambda d, shape=shape: {'a': d.randn(*shape)},
              lambda t, dims=dims: t['a'].permute(*dims), ['a'], params={'dims': dims})
    for shape in [[6, 4], [4, -1], [2, 2, 6]]:
        # reshape after a permute, so the engine must reorder data, not just relabel it
        c.add(f'permute then reshape {shape}', 'permuteReshape', lambda d: {'a': d.randn(2, 3, 4)},
              lambda t, shape=shape: t['a'].permute(1, 0, 2).reshape(*shape), ['a'], params={'shape': shape})
    c.add('flatten [2, 3, 4, 2] 1..2', 'flatten', lambda d: {'a': d.randn(2, 3, 4, 2)},
          lambda t: t['a'].flatten(1, 2), ['a'], params={'start': 1, 'end': 2})
    c.add('unsqueeze then expand [3, 1] -> [2, 3, 4]', 'expand', lambda d: {'a': d.randn(3, 1)},
          lambda t: t['a'].expand(2, 3, 4), ['a'], params={'shape': [2, 3, 4]})
    c.add('gather dim 1 [3, 5]', 'gather',
          lambda d: {'a': d.randn(3, 5), 'index': d.ints(0, 5, 3, 4)},
          lambda t: torch.gather(t['a'], 1, t['index']), ['a'], params={'dim': 1})
    c.add('gather dim 0 [4, 3] with repeats', 'gather',
          lambda d: {'a': d.randn(4, 3), 'index': torch.tensor([[0, 1, 2], [0, 1, 2], [3, 3, 0]])},
          lambda t: torch.gather(t['a'], 0, t['index']), ['a'], params={'dim': 0})
    c.add('concat dim 1 of [2, 1, 3], [2, 3, 3], [2, 2, 3]', 'concat',
          lambda d: {'x0': d.randn(2, 1, 3), 'x1': d.randn(2, 3, 3), 'x2': d.randn(2, 2, 3)},
          lambda t: torch.cat([t['x0'], t['x1'], t['x2']], dim=1), ['x0', 'x1', 'x2'], params={'dim': 1})
    c.add('concat dim 0 of [1, 4], [3, 4]', 'concat',
          lambda d: {'x0': d.randn(1, 4), 'x1': d.randn(3, 4)},
          lambda t: torch.cat([t['x0'], t['x1']], dim=0), ['x0', 'x1'], params={'dim': 0})
    for dim in [0, 1, 2]:
        c.add(f'stack dim {dim} of three [2, 3]', 'stack',
              lambda d: {'x0': d.randn(2, 3), 'x1': d.randn(2, 3), 'x2': d.randn(2, 3)},
              lambda t, dim=dim: torch.stack([t['x0'], t['x1'], t['x2']], dim=dim), ['x0', 'x1', 'x2'],
              params={'dim': dim})
    c.add('narrow dim 1 [3, 6] from 2 length 3', 'narrow', lambda d: {'a': d.randn(3, 6)},
          lambda t: t['a'].narrow(1, 2, 3), ['a'], params={'dim': 1, 'start': 2, 'length': 3})
    c.add('indexSelect rows [2, 0, 2, 3] of [4, 3]', 'indexSelect', lambda d: {'a': d.randn(4, 3)},
          lambda t: t['a'][torch.tensor([2, 0, 2, 3])], ['a'], params={'rows': [2, 0, 2, 3]})

    # composite: x is used three times, so its gradient must accumulate over paths
    c.add('composite x*x + exp(x)/(1+|y|) summed over dim 1, times x.mean', 'composite',
          lambda d: {'x': d.randn(3, 4), 'y': d.away_from_zero(3, 4)},
          lambda t: (t['x'] * t['x'] + t['x'].exp() / (1 + t['y'].abs())).sum(1) * t['x'].mean(),
          ['x', 'y'])
    return c.items


# ---------------------------------------------------------------------------
# Functional ops

def attention_reference(q, k, v, attn_mask=None, is_causal=False, scale=None):
    d = q.shape[-1]
    s = 1.0 / math.sqrt(d) if scale is None else scale
    scores = q @ k.transpose(-2, -1) * s
    L, S = q.shape[-2], k.shape[-2]
    if is_causal:
        keep = torch.ones(L, S, dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float('-inf'))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float('-inf'))
        else:
            scores = scores + attn_mask
    return torch.softmax(scores, dim=-1) @ v


def patchify_reference(x, p, order):
    """[N, C, H, W] -> [N, (H/p)(W/p), p*p*C]; patches in row-major order over the grid.

    order 'pqc': within a patch, row, then column, then channel fastest
    (einops 'n c (h p) (w q) -> n (h w) (p q c)', the ViT paper's flattening).
    order 'cpq': channel slowest (what x.unfold gives: c, then row, then column).
    """
    n, c, h, w = x.shape
    gh, gw = h // p, w // p
    t = x.reshape(n, c, gh, p, gw, p)  # n c gh pr gw pc
    if order == 'pqc':
        t = t.permute(0, 2, 4, 3, 5, 1)  # n gh gw pr pc c
    elif order == 'cpq':
        t = t.permute(0, 2, 4, 1, 3, 5)  # n gh gw c pr pc
    else:
        raise ValueError(order)
    return t.reshape(n, gh * gw, p * p * c)


# The element order inside a patch that src/engine/functional/patchify.ts documents:
# patches row by row over the grid, and within a patch (row, column, channel), i.e.
# einops 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'. Change both together.
PATCH_ORDER = 'pqc'


def functional_cases():
    c = Cases()
    c.add('linear [4, 3] w [5, 3] b [5]', 'linear',
          lambda d: {'x': d.randn(4, 3), 'w': d.randn(5, 3), 'b': d.randn(5)},
          lambda t: F.linear(t['x'], t['w'], t['b']), ['x', 'w', 'b'])
    c.add('linear batched [2, 4, 3] w [5, 3] no bias', 'linear',
          lambda d: {'x': d.randn(2, 4, 3), 'w': d.randn(5, 3)},
          lambda t: F.linear(t['x'], t['w']), ['x', 'w'])

    c.add('relu [3, 5]', 'relu', lambda d: {'x': d.away_from_zero(3, 5)}, lambda t: F.relu(t['x']), ['x'])
    c.add('leakyRelu default slope [3, 5]', 'leakyRelu', lambda d: {'x': d.away_from_zero(3, 5)},
          lambda t: F.leaky_relu(t['x']), ['x'], params={'negativeSlope': None})
    c.add('leakyRelu slope 0.2 [3, 5]', 'leakyRelu', lambda d: {'x': d.away_from_zero(3, 5)},
          lambda t: F.leaky_relu(t['x'], 0.2), ['x'], params={'negativeSlope': 0.2})
    c.add('sigmoid [3, 5]', 'sigmoid', lambda d: {'x': 3 * d.randn(3, 5)}, lambda t: torch.sigmoid(t['x']), ['x'])
    c.add('tanh [3, 5]', 'tanh', lambda d: {'x': 2 * d.randn(3, 5)}, lambda t: torch.tanh(t['x']), ['x'])
    c.add('gelu (erf) [3, 5]', 'gelu', lambda d: {'x': 2 * d.randn(3, 5)}, lambda t: F.gelu(t['x']), ['x'])

    for shape, dim in [([4, 5], -1), ([2, 3, 4], 1), ([2, 3, 4], 0)]:
        c.add(f'softmax {shape} dim {dim}', 'softmax', lambda d, shape=shape: {'x': 2 * d.randn(*shape)},
              lambda t, dim=dim: F.softmax(t['x'], dim=dim), ['x'], params={'dim': dim})
        c.add(f'logSoftmax {shape} dim {dim}', 'logSoftmax', lambda d, shape=shape: {'x': 2 * d.randn(*shape)},
              lambda t, dim=dim: F.log_softmax(t['x'], dim=dim), ['x'], params={'dim': dim})
    c.add('softmax large logits [3, 4] dim 1', 'softmax', lambda d: {'x': 300 * d.randn(3, 4)},
          lambda t: F.softmax(t['x'], dim=1), ['x'], params={'dim': 1})

    c.add('crossEntropy [6, 4]', 'crossEntropy',
          lambda d: {'logits': d.randn(6, 4), 'targets': d.ints(0, 4, 6)},
          lambda t: F.cross_entropy(t['logits'], t['targets']), ['logits'])
    c.add('crossEntropy large logits [5, 3]', 'crossEntropy',
          lambda d: {'logits': 80 * d.randn(5, 3), 'targets': d.ints(0, 3, 5)},
          lambda t: F.cross_entropy(t['logits'], t['targets']), ['logits'])
    c.add('nllLoss [6, 4]', 'nllLoss',
          lambda d: {'logProbs': F.log_softmax(d.randn(6, 4), dim=1), 'targets': d.ints(0, 4, 6)},
          lambda t: F.nll_loss(t['logProbs'], t['targets']), ['logProbs'])
    c.add('mseLoss [3, 4]', 'mseLoss', lambda d: {'a': d.randn(3, 4), 'b': d.randn(3, 4)},
          lambda t: F.mse_loss(t['a'], t['b']), ['a', 'b'])
    c.add('binaryCrossEntropy [8] hard targets', 'binaryCrossEntropy',
          lambda d: {'p': d.uniform(0.05, 0.95, 8), 'y': d.bools(0.5, 8).to(torch.float64)},
          lambda t: F.binary_cross_entropy(t['p'], t['y']), ['p', 'y'])
    c.add('binaryCrossEntropy [2, 3] soft targets', 'binaryCrossEntropy',
          lambda d: {'p': d.uniform(0.05, 0.95, 2, 3), 'y': d.uniform(0, 1, 2, 3)},
          lambda t: F.binary_cross_entropy(t['p'], t['y']), ['p', 'y'])
    # p exactly 0 or 1: PyTorch floors each log at -100 and p(1 - p) at 1e-12 in the
    # gradient. (Its target gradient there is +-inf, so only p's is compared.)
    c.add('binaryCrossEntropy saturated p in {0, 1} [6]', 'binaryCrossEntropy',
          lambda d: {'p': torch.tensor([0.0, 1.0, 0.0, 1.0, 0.3, 0.8]), 'y': torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5, 1.0])},
          lambda t: F.binary_cross_entropy(t['p'], t['y']), ['p'])
    c.add('binaryCrossEntropyWithLogits [8]', 'binaryCrossEntropyWithLogits',
          lambda d: {'z': 3 * d.randn(8), 'y': d.bools(0.5, 8).to(torch.float64)},
          lambda t: F.binary_cross_entropy_with_logits(t['z'], t['y']), ['z', 'y'])
    c.add('binaryCrossEntropyWithLogits large |z| [2, 3]', 'binaryCrossEntropyWithLogits',
          lambda d: {'z': 40 * d.randn(2, 3), 'y': d.uniform(0, 1, 2, 3)},
          lambda t: F.binary_cross_entropy_with_logits(t['z'], t['y']), ['z', 'y'])

    for xs, ws, stride, pad, bias in [([2, 3, 5, 6], [4, 3, 3, 3], 1, 0, True),
                                      ([2, 3, 6, 5], [4, 3, 3, 3], 2, 1, True),
                                      ([1, 2, 7, 7], [3, 2, 2, 3], 2, 0, False),
                                      ([2, 1, 4, 4], [2, 1, 3, 3], 1, 2, True)]:
        def build(d, xs=xs, ws=ws, bias=bias):
            inputs = {'x': d.randn(*xs), 'w': d.randn(*ws)}
            if bias:
                inputs['b'] = d.randn(ws[0])
            return inputs
        c.add(f'conv2d x {xs} w {ws} stride {stride} padding {pad}{"" if bias else " no bias"}', 'conv2d', build,
              lambda t, stride=stride, pad=pad: F.conv2d(t['x'], t['w'], t.get('b'), stride=stride, padding=pad),
              ['x', 'w', 'b'] if bias else ['x', 'w'], params={'stride': stride, 'padding': pad})

    for xs, k, s, pad in [([2, 3, 6, 6], 2, 2, 0), ([2, 2, 7, 7], 3, 2, 1), ([1, 2, 5, 6], 3, 1, 0), ([1, 1, 5, 5], 2, 1, 1)]:
        c.add(f'maxPool2d {xs} kernel {k} stride {s} padding {pad}', 'maxPool2d',
              lambda d, xs=xs: {'x': d.randn(*xs)},
              lambda t, k=k, s=s, pad=pad: F.max_pool2d(t['x'], k, s, pad), ['x'],
              params={'kernelSize': k, 'stride': s, 'padding': pad})
    # padding counts toward the divisor (PyTorch's count_include_pad=True default)
    for xs, k, s, pad in [([2, 3, 6, 6], 2, 2, 0), ([1, 2, 5, 6], 3, 1, 0), ([2, 2, 7, 7], 3, 2, 0), ([1, 2, 5, 5], 3, 2, 1)]:
        c.add(f'avgPool2d {xs} kernel {k} stride {s}' + (f' padding {pad}' if pad else ''), 'avgPool2d',
              lambda d, xs=xs: {'x': d.randn(*xs)},
              lambda t, k=k, s=s, pad=pad: F.avg_pool2d(t['x'], k, s, pad), ['x'],
              params={'kernelSize': k, 'stride': s, 'padding': pad})

    def bn_build(shape, affine, running):
        def build(d):
            ch = shape[1]
            inputs = {'x': 1.5 * d.randn(*shape) + 0.7}
            if affine:
                inputs['weight'] = d.uniform(0.5, 1.5, ch)
                inputs['bias'] = d.randn(ch)
            if running:
                inputs['runningMean'] = 0.1 * d.randn(ch)
                inputs['runningVar'] = d.uniform(0.5, 1.5, ch)
            return inputs
        return build

    for shape, affine, running, training, momentum, eps in [
            ([6, 4], True, True, True, 0.1, 1e-5),
            ([3, 2, 4, 5], True, True, True, 0.1, 1e-5),
            ([3, 2, 4, 5], True, True, True, 0.3, 1e-3),
            ([5, 3], False, False, True, 0.1, 1e-5),
            ([6, 4], True, True, False, 0.1, 1e-5),
            ([3, 2, 4, 5], True, True, False, 0.1, 1e-5)]:
        name = (f'batchNorm {"training" if training else "eval"} {shape}'
                f'{"" if affine else " no affine"}{"" if running else " no running stats"} momentum {momentum} eps {eps}')

        def fn(t, training=training, momentum=momentum, eps=eps):
            return F.batch_norm(t['x'], t.get('runningMean'), t.get('runningVar'), t.get('weight'), t.get('bias'),
                                training=training, momentum=momentum, eps=eps)

        def state(t, running=running):
            return {'runningMean': t['runningMean'], 'runningVar': t['runningVar']} if running else {}
        c.add(name, 'batchNorm', bn_build(shape, affine, running), fn,
              ['x', 'weight', 'bias'] if affine else ['x'],
              params={'training': training, 'momentum': momentum, 'eps': eps}, state=state)

    for xs, ns, affine in [([3, 5], [5], True), ([2, 3, 4], [3, 4], True), ([2, 3, 4], [4], False)]:
        def build(d, xs=xs, ns=ns, affine=affine):
            inputs = {'x': 2 * d.randn(*xs) + 0.5}
            if affine:
                inputs['weight'] = d.uniform(0.5, 1.5, *ns)
                inputs['bias'] = d.randn(*ns)
            return inputs
        c.add(f'layerNorm {xs} over {ns}{"" if affine else " no affine"}', 'layerNorm', build,
              lambda t, ns=ns: F.layer_norm(t['x'], ns, t.get('weight'), t.get('bias'), eps=1e-5),
              ['x', 'weight', 'bias'] if affine else ['x'], params={'normalizedShape': ns, 'eps': 1e-5})

    c.add('embedding ids [2, 3] with repeats, table [6, 4]', 'embedding',
          lambda d: {'ids': torch.tensor([[1, 4, 1], [0, 5, 4]]), 'table': d.randn(6, 4)},
          lambda t: F.embedding(t['ids'], t['table']), ['table'])

    order = PATCH_ORDER
    for xs, p in [([2, 3, 4, 6], 2), ([1, 2, 6, 6], 3)]:
        c.add(f'patchify {xs} patch {p} (order {order})', 'patchify',
              lambda d, xs=xs: {'x': d.randn(*xs)},
              lambda t, p=p: patchify_reference(t['x'], p, order), ['x'], params={'patchSize': p, 'order': order})

    def qkv(qs, ks, vs):
        return lambda d: {'q': d.randn(*qs), 'k': d.randn(*ks), 'v': d.randn(*vs)}

    def attn(name, build, params, mask_fn=None):
        def full_build(d):
            inputs = build(d)
            if mask_fn is not None:
                inputs['attnMask'] = mask_fn(d, inputs)
            return inputs

        def fn(t):
            return attention_reference(t['q'], t['k'], t['v'], t.get('attnMask'),
                                       params.get('isCausal', False), params.get('scale'))
        c.add(name, 'scaledDotProductAttention', full_build, fn, ['q', 'k', 'v'], params=params)

    def bool_mask(shape):
        def make(d, _inputs):
            m = d.bools(0.6, *shape)
            m[..., 0] = True  # every query keeps at least one key, so no row is all -inf
            return m
        return make

    attn('attention [2, 3, 4] x [2, 5, 4] -> v [2, 5, 3]', qkv([2, 3, 4], [2, 5, 4], [2, 5, 3]), {})
    attn('attention [2, 2, 4, 3] scale 0.3', qkv([2, 2, 4, 3], [2, 2, 4, 3], [2, 2, 4, 3]), {'scale': 0.3})
    attn('attention [2, 4, 3] bool mask [4, 5]', qkv([2, 4, 3], [2, 5, 3], [2, 5, 2]), {}, bool_mask([4, 5]))
    attn('attention [2, 2, 3, 4] bool mask [2, 1, 3, 3]', qkv([2, 2, 3, 4], [2, 2, 3, 4], [2, 2, 3, 4]), {},
         bool_mask([2, 1, 3, 3]))
    attn('attention [2, 3, 4] float mask [3, 5]', qkv([2, 3, 4], [2, 5, 4], [2, 5, 3]), {},
         lambda d, _i: d.randn(3, 5))
    attn('attention [2, 2, 4, 3] float mask [2, 1, 4, 4]', qkv([2, 2, 4, 3], [2, 2, 4, 3], [2, 2, 4, 3]), {},
         lambda d, _i: d.randn(2, 1, 4, 4))
    attn('attention [2, 4, 3] causal', qkv([2, 4, 3], [2, 4, 3], [2, 4, 3]), {'isCausal': True})
    attn('attention [1, 2, 5, 4] causal scale 0.7', qkv([1, 2, 5, 4], [1, 2, 5, 4], [1, 2, 5, 4]),
         {'isCausal': True, 'scale': 0.7})
    # Small models end to end: the ops must compose (each reads its inputs' data
    # and hands gradients on), not just agree one by one.
    c.add('composite MLP: linear, relu, linear, crossEntropy', 'mlp',
          lambda d: {'x': d.randn(5, 4), 'w1': d.randn(6, 4), 'b1': d.randn(6), 'w2': d.randn(3, 6), 'b2': d.randn(3),
                     'targets': d.ints(0, 3, 5)},
          lambda t: F.cross_entropy(F.linear(F.relu(F.linear(t['x'], t['w1'], t['b1'])), t['w2'], t['b2']), t['targets']),
          ['x', 'w1', 'b1', 'w2', 'b2'])

    def conv_block(t):
        # no conv bias: batch norm subtracts the channel mean, so its gradient is exactly 0
        h = F.conv2d(t['x'], t['w'], None, stride=1, padding=1)
        h = F.batch_norm(h, t['runningMean'], t['runningVar'], t['gamma'], t['beta'], training=True, momentum=0.1, eps=1e-5)
        h = F.max_pool2d(F.relu(h), 2, 2)
        return F.cross_entropy(F.linear(h.flatten(1), t['fcw'], t['fcb']), t['targets'])
    c.add('composite CNN: conv2d, batchNorm, relu, maxPool2d, flatten, linear, crossEntropy', 'convBlock',
          lambda d: {'x': d.randn(2, 2, 6, 6), 'w': d.randn(3, 2, 3, 3), 'gamma': d.uniform(0.5, 1.5, 3),
                     'beta': d.randn(3), 'runningMean': torch.zeros(3), 'runningVar': torch.ones(3),
                     'fcw': d.randn(4, 27), 'fcb': d.randn(4), 'targets': d.ints(0, 4, 2)},
          conv_block, ['x', 'w', 'gamma', 'beta', 'fcw', 'fcb'],
          state=lambda t: {'runningMean': t['runningMean'], 'runningVar': t['runningVar']})

    def attention_block(t):
        n, L, e = t['x'].shape
        heads = 2

        def split(h):  # [n, L, e] -> [n, heads, L, e / heads]
            return h.reshape(n, L, heads, e // heads).permute(0, 2, 1, 3)
        q, k, v = (split(F.linear(t['x'], t[w])) for w in ('wq', 'wk', 'wv'))
        a = attention_reference(q, k, v, is_causal=True).permute(0, 2, 1, 3).reshape(n, L, e)
        return F.layer_norm(t['x'] + F.linear(a, t['wo']), [e], t['gamma'], t['beta'], eps=1e-5)
    c.add('composite attention block: projections, 2 causal heads, residual, layerNorm', 'attentionBlock',
          lambda d: {'x': d.randn(2, 4, 6), 'wq': 0.5 * d.randn(6, 6), 'wk': 0.5 * d.randn(6, 6), 'wv': 0.5 * d.randn(6, 6),
                     'wo': 0.5 * d.randn(6, 6), 'gamma': d.uniform(0.5, 1.5, 6), 'beta': d.randn(6)},
          attention_block, ['x', 'wq', 'wk', 'wv', 'wo', 'gamma', 'beta'], params={'heads': 2})
    return c.items


# ---------------------------------------------------------------------------
# Optimisers

def optim_cases():
    cases = []
    configs = [
        ('SGD lr 0.1', 'SGD', {'lr': 0.1}),
        ('SGD lr 0.05 momentum 0.9', 'SGD', {'lr': 0.05, 'momentum': 0.9}),
        ('SGD lr 0.05 momentum 0.9 weightDecay 0.01', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'weightDecay': 0.01}),
        ('SGD lr 0.1 weightDecay 0.1', 'SGD', {'lr': 0.1, 'weightDecay': 0.1}),
        ('SGD lr 0.05 momentum 0.8 dampening 0.3', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.3}),
        ('SGD lr 0.05 momentum 0.9 nesterov weightDecay 0.01', 'SGD',
         {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.01}),
        ('Adam lr 0.01', 'Adam', {'lr': 0.01}),
        ('Adam lr 0.02 weightDecay 0.01', 'Adam', {'lr': 0.02, 'weightDecay': 0.01}),
        ('Adam lr 0.05 betas (0.8, 0.99) eps 1e-6 weightDecay 0.1', 'Adam',
         {'lr': 0.05, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1}),
    ]
    steps = 5
    for name, kind, opts in configs:
        d = Draw(name)
        w0, b0 = d.randn(3, 4), d.randn(3)
        x, y = d.randn(6, 4), d.randn(6, 3)
        w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
        if kind == 'SGD':
            opt = torch.optim.SGD([w, b], lr=opts['lr'], momentum=opts.get('momentum', 0),
                                  dampening=opts.get('dampening', 0), nesterov=opts.get('nesterov', False),
                                  weight_decay=opts.get('weightDecay', 0))
        else:
            opt = torch.optim.Adam([w, b], lr=opts['lr'], betas=tuple(opts.get('betas', (0.9, 0.999))),
                                   eps=opts.get('eps', 1e-8), weight_decay=opts.get('weightDecay', 0))
        history = []
        for _ in range(steps):
            opt.zero_grad()
            loss = ((x @ w.t() + b - y) ** 2).mean()
            loss.backward()
            opt.step()
            history.append({'loss': float(loss.item()), 'w': enc(w), 'b': enc(b)})
        cases.append({
            'name': name,
            'optimizer': kind,
            'options': opts,
            'model': 'loss = mean((x @ w^T + b - y)^2)',
            'init': {'w': enc(w0), 'b': enc(b0)},
            'data': {'x': enc(x), 'y': enc(y)},
            'steps': history,
        })
    return cases


# ---------------------------------------------------------------------------

def write(name, payload):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({'generator': 'scripts/torch_fixtures.py', 'torch': torch.__version__.split('+')[0],
                   'cases': payload}, f, separators=(',', ':'))
        f.write('\n')
    print(f'{os.path.relpath(path)}: {len(payload)} cases, {os.path.getsize(path)} bytes')


def main():
    torch.use_deterministic_algorithms(True)
    write('core.json', core_cases())
    write('functional.json', functional_cases())
    write('optim.json', optim_cases())


if __name__ == '__main__':
    main()

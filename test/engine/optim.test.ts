import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, tensor, type Tensor, nn, F, Rng } from '../../src/engine';
import { assertClose, leaf } from '../helpers/finiteDiff';

/** loss = Σ c p³ + Σ c p: a non-quadratic objective, so every step's gradient differs. */
function runSteps(make: (params: Tensor[]) => optim.Optimizer, steps = 3): number[] {
  const p = tensor([1, -2, 3], { requiresGrad: true });
  const c = tensor([0.5, 1.5, -0.25]);
  const opt = make([p]);
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    c.mul(p.mul(p).mul(p)).sum().add(p.mul(c).sum()).backward();
    opt.step();
  }
  return Array.from(p.data);
}

test('SGD: plain step θ ← θ - lr g, and weight decay adds λθ to g', () => {
  const p = tensor([1, 2], { requiresGrad: true });
  p.mul(tensor([3, -4]))
    .sum()
    .backward();
  new optim.SGD([p], { lr: 0.1 }).step();
  assertClose(p.data, [1 - 0.3, 2 + 0.4], 1e-15);
  const q = tensor([1, 2], { requiresGrad: true });
  q.mul(tensor([3, -4]))
    .sum()
    .backward();
  new optim.SGD([q], { lr: 0.1, weightDecay: 0.5 }).step();
  assertClose(q.data, [1 - 0.1 * (3 + 0.5), 2 - 0.1 * (-4 + 1)], 1e-15);
});

test('SGD with momentum: the buffer starts at g, then b ← μ b + g', () => {
  const p = tensor([0], { requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 1, momentum: 0.5 });
  const grads = [1, 1, 1];
  let expected = 0,
    buf = 0;
  grads.forEach((g, i) => {
    opt.zeroGrad();
    p.mul(g).sum().backward();
    opt.step();
    buf = i === 0 ? g : 0.5 * buf + g;
    expected -= buf;
    assertClose(p.data, [expected], 1e-15, `step ${i + 1}`);
  });
  assert.equal(expected, -(1 + 1.5 + 1.75));
});

test('SGD and Adam reproduce PyTorch 1.13 on three steps of a cubic objective', () => {
  // torch.optim.{Adam,SGD} on the same objective, float64 (values printed by torch 1.13)
  assertClose(
    runSteps((ps) => new optim.Adam(ps, { lr: 0.1, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1 })),
    [0.7034453022653624, -2.3010272741352766, 3.300809458544479],
    1e-13,
  );
  assertClose(
    runSteps((ps) => new optim.SGD(ps, { lr: 0.01, momentum: 0.9, weightDecay: 0.05 })),
    [0.887913428621095, -3.2814153438862097, 3.3994259005877177],
    1e-13,
  );
  assertClose(
    runSteps((ps) => new optim.SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true })),
    [0.8469537494770085, -4.213829557730175, 3.6101862985484705],
    1e-13,
  );
});

test('Adam: the first step moves each weight by lr · g/(|g| + ε) (bias correction undoes the warm-up)', () => {
  const p = tensor([1, 1, 1], { requiresGrad: true });
  p.mul(tensor([1e-3, -5, 200]))
    .sum()
    .backward();
  const opt = new optim.Adam([p], { lr: 0.01 });
  opt.step();
  assertClose(
    p.data,
    [1e-3, -5, 200].map((g) => 1 - (0.01 * g) / (Math.abs(g) + 1e-8)),
    1e-14,
  );
  assert.equal(opt.stepCount(p), 1);
});

test('optimisers skip parameters without a gradient, and zeroGrad() zeroes the others', () => {
  const used = tensor([1], { requiresGrad: true }),
    unused = tensor([5], { requiresGrad: true });
  const opt = new optim.Adam([used, unused], { lr: 0.1 });
  used.mul(2).sum().backward();
  opt.step();
  assert.equal(unused.item(), 5);
  assert.equal(opt.stepCount(unused), 0);
  opt.zeroGrad();
  assert.deepEqual(used.grad!.toArray(), [0]);
  assert.equal(unused.grad, null);
});

test('Adam with weight decay trains a small classifier: the loss falls', () => {
  const rng = new Rng(1);
  const model = new nn.Sequential(new nn.Linear(2, 16, { rng }), new nn.ReLU(), new nn.Linear(16, 2, { rng }));
  // two blobs
  const x = leaf([40, 2], 2).detach();
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    const cls = i % 2;
    x.data[2 * i] += cls ? 2 : -2;
    y.push(cls);
  }
  const opt = new optim.Adam(model.parameters(), { lr: 0.05, weightDecay: 1e-4 });
  const first = F.crossEntropy(model.forward(x), y).item();
  let last = first;
  for (let s = 0; s < 60; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    last = loss.item();
  }
  assert.ok(last < first / 5, `loss ${first} -> ${last}`);
});

test('float32 parameters are updated in float32', () => {
  const p = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  p.mul(tensor([1, 1], { dtype: 'float32' }))
    .sum()
    .backward();
  new optim.SGD([p], { lr: 0.5, momentum: 0.9 }).step();
  assert.ok(p.data instanceof Float32Array);
  assert.deepEqual(Array.from(p.data), [0.5, 1.5]);
});

test('optimisers reject bad arguments with clear errors', () => {
  const p = tensor([1], { requiresGrad: true });
  assert.throws(() => new optim.SGD([p], {} as optim.SGDOptions), /^EngineError: SGD: lr must be a number in \[0, ∞\), got undefined/);
  assert.throws(() => new optim.SGD([tensor([1])], { lr: 0.1 }), /SGD: parameter 0 \(shape \[1\]\) does not require grad/);
  assert.throws(() => new optim.Adam([], { lr: 0.1 }), /Adam: got an empty parameter list/);
  assert.throws(() => new optim.Adam([p], { betas: [0.9, 1] }), /Adam: betas must be below 1/);
  assert.throws(() => new optim.Adam([p.mul(2)]), /Adam: parameter 0 is not a leaf tensor/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /SGD: nesterov needs momentum > 0 and dampening 0/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, type Tensor } from '../../src/engine';
import { assertClose, assertGradOk, leaf } from '../helpers/finiteDiff';

test('softmax / logSoftmax: forward on a hand-computable case, any dim', () => {
  const x = tensor([
    [0, Math.log(3)],
    [Math.log(2), Math.log(2)],
  ]);
  assertClose(F.softmax(x, 1).data, [0.25, 0.75, 0.5, 0.5], 1e-15);
  assertClose(F.softmax(x, 0).data, [1 / 3, 0.6, 2 / 3, 0.4], 1e-15);
  assertClose(F.logSoftmax(x, -1).data, [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)], 1e-15);
  // huge logits do not overflow
  assertClose(F.softmax(tensor([1000, 1000])).data, [0.5, 0.5]);
});

test('softmax / logSoftmax: backward matches central differences on every dim', () => {
  for (const [shape, seed] of [
    [[5], 1],
    [[3, 4], 2],
    [[2, 3, 4], 3],
  ] as [number[], number][]) {
    for (let dim = -1; dim >= -shape.length; dim--) {
      assertGradOk(`softmax ${shape} dim ${dim}`, (x) => F.softmax(x, dim), [leaf(shape, seed)]);
      assertGradOk(`logSoftmax ${shape} dim ${dim}`, (x) => F.logSoftmax(x, dim), [leaf(shape, seed)]);
    }
  }
});

test('crossEntropy: value and the gradient (p - y)/N', () => {
  const logits = tensor(
    [
      [0, Math.log(3)],
      [Math.log(2), Math.log(2)],
    ],
    { requiresGrad: true },
  );
  const loss = F.crossEntropy(logits, [1, 0]);
  assertClose([loss.item()], [-(Math.log(0.75) + Math.log(0.5)) / 2], 1e-15);
  loss.backward();
  assertClose(logits.grad!.data, [0.25 / 2, (0.75 - 1) / 2, (0.5 - 1) / 2, 0.5 / 2], 1e-15);
  // targets as a tensor of class ids give the same loss
  assert.equal(F.crossEntropy(logits, tensor([1, 0])).item(), loss.item());
});

test('crossEntropy equals nllLoss(logSoftmax) and both pass central differences', () => {
  for (const [n, c, seed] of [
    [1, 3, 1],
    [4, 5, 2],
    [6, 2, 3],
  ]) {
    const z = leaf([n, c], seed, 3);
    const targets = Array.from({ length: n }, (_, i) => (i * 7 + seed) % c);
    assertClose([F.crossEntropy(z, targets).item()], [F.nllLoss(F.logSoftmax(z, 1), targets).item()], 1e-14);
    assertGradOk(`crossEntropy ${n}x${c}`, (z) => F.crossEntropy(z, targets), [z]);
    assertGradOk(`nllLoss ${n}x${c}`, (z) => F.nllLoss(z, targets), [z]);
  }
});

test('mseLoss / binaryCrossEntropy / binaryCrossEntropyWithLogits: forward values', () => {
  assert.equal(F.mseLoss(tensor([1, 2, 3]), tensor([1, 0, 0])).item(), (0 + 4 + 9) / 3);
  const p = tensor([0.9, 0.2]),
    y = tensor([1, 0]);
  assertClose([F.binaryCrossEntropy(p, y).item()], [-(Math.log(0.9) + Math.log(0.8)) / 2], 1e-15);
  // log clamped at -100, as in PyTorch
  assertClose([F.binaryCrossEntropy(tensor([0]), tensor([1])).item()], [100]);
  const z = tensor([2, -1, 0]),
    t = tensor([1, 0, 0.5]);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const expected = -[2, -1, 0].reduce((s, v, i) => s + t.data[i] * Math.log(sig(v)) + (1 - t.data[i]) * Math.log(1 - sig(v)), 0) / 3;
  assertClose([F.binaryCrossEntropyWithLogits(z, t).item()], [expected], 1e-15);
  // stable for large logits
  assertClose([F.binaryCrossEntropyWithLogits(tensor([800]), tensor([0])).item()], [800]);
  // nested-array targets are accepted
  assert.equal(F.mseLoss(tensor([1, 2]), [1, 1]).item(), 0.5);
});

test('binaryCrossEntropyWithLogits: dL/dz = σ(z) - y (the GAN discriminator gradients)', () => {
  const real = tensor([0.3], { requiresGrad: true });
  F.binaryCrossEntropyWithLogits(real, tensor([1])).backward();
  assertClose(real.grad!.data, [1 / (1 + Math.exp(-0.3)) - 1], 1e-15); // -(1 - D(x))
  const fake = tensor([-0.7], { requiresGrad: true });
  F.binaryCrossEntropyWithLogits(fake, tensor([0])).backward();
  assertClose(fake.grad!.data, [1 / (1 + Math.exp(0.7))], 1e-15); // D(G(z))
});

test('regression and binary losses: backward matches central differences for both arguments', () => {
  for (const [shape, seed] of [
    [[4], 1],
    [[2, 3], 2],
    [[2, 2, 2], 3],
  ] as [number[], number][]) {
    assertGradOk(`mseLoss ${shape}`, F.mseLoss, [leaf(shape, seed), leaf(shape, seed + 1)]);
    const p = F.sigmoid(leaf(shape, seed)).detach().requiresGrad_();
    const y = F.sigmoid(leaf(shape, seed + 5))
      .detach()
      .requiresGrad_();
    assertGradOk(`binaryCrossEntropy ${shape}`, F.binaryCrossEntropy, [p, y]);
    assertGradOk(`binaryCrossEntropyWithLogits ${shape}`, F.binaryCrossEntropyWithLogits, [leaf(shape, seed, 2), y]);
  }
});

test('losses feed float32 through as float32', () => {
  const z = tensor(
    [
      [1, 2],
      [0, 1],
    ],
    { dtype: 'float32', requiresGrad: true },
  );
  const loss = F.crossEntropy(z, [0, 1]);
  assert.equal(loss.dtype, 'float32');
  loss.backward();
  assert.equal(z.grad!.dtype, 'float32');
});

test('losses: wrong number of targets, bad ids, mismatched shapes and dtypes name the op and shapes', () => {
  const z = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.throws(
    () => F.crossEntropy(z, [0, 1, 2]),
    /^EngineError: crossEntropy: logits of shape \[2, 3\] needs 2 targets \(shape \[2\]\), got targets of shape \[3\]/,
  );
  assert.throws(
    () => F.crossEntropy(z, tensor([[0], [1]])),
    /crossEntropy: logits of shape \[2, 3\] needs 2 targets \(shape \[2\]\), got targets of shape \[2, 1\]/,
  );
  assert.throws(
    () => F.crossEntropy(z, [0, 3]),
    /crossEntropy: target 1 is 3: class ids must be integers in \[0, 3\) for logits of shape \[2, 3\]/,
  );
  assert.throws(() => F.crossEntropy(tensor([1, 2, 3]), [0]), /crossEntropy: logits must be \[N, C\], got shape \[3\]/);
  assert.throws(() => F.nllLoss(z, [0]), /nllLoss: input of shape \[2, 3\] needs 2 targets/);
  assert.throws(() => F.mseLoss(tensor([1, 2, 3]), tensor([[1, 2, 3]])), /mseLoss: input shape \[3\] and target shape \[1, 3\] differ/);
  assert.throws(
    () => F.mseLoss(tensor([1, 2]), tensor([1, 2], { dtype: 'float32' })),
    /mseLoss: dtype mismatch: input is float64 \[2\] but target is float32 \[2\]/,
  );
  assert.throws(
    () => F.binaryCrossEntropy(tensor([1.5]), tensor([1])),
    /binaryCrossEntropy: input element 0 is 1.5: probabilities must lie in \[0, 1\]/,
  );
  assert.throws(
    () => F.binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([1])),
    /binaryCrossEntropyWithLogits: input shape \[2\] and target shape \[1\] differ/,
  );
});

test('backward on a non-scalar without a gradient names the op and the shape', () => {
  const y = F.softmax(leaf([2, 3], 1), 1);
  assert.throws(() => y.backward(), /^EngineError: backward: grad can be implicitly created only for scalar outputs; got shape \[2, 3\]/);
  const t: Tensor = F.relu(leaf([2, 3], 2));
  assert.throws(() => t.backward(tensor([1, 2, 3])), /backward: gradient shape \[3\] does not match tensor shape \[2, 3\]/);
});

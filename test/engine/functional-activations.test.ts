import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, type Tensor } from '../../src/engine';
import { assertClose, assertGradOk, leaf } from '../helpers/finiteDiff';

test('linear: forward is x Wᵀ + b on a hand-computable case', () => {
  const x = tensor([
    [1, 2],
    [3, 4],
  ]);
  const w = tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const b = tensor([10, 20, 30]);
  assert.deepEqual(F.linear(x, w, b).toArray(), [
    [11, 22, 33],
    [13, 24, 37],
  ]);
  assert.deepEqual(F.linear(x, w).shape, [2, 3]);
});

test('linear: gradients are the textbook dW = u xᵀ, db = u, dx = Wᵀ u for one sample', () => {
  const x = tensor([0.5, -1], { requiresGrad: true });
  const w = tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { requiresGrad: true },
  );
  const b = tensor([0, 0, 0], { requiresGrad: true });
  const u = [1, -2, 0.5];
  F.linear(x, w, b).backward(tensor(u));
  assert.deepEqual(
    w.grad!.toArray(),
    u.map((ui) => [ui * 0.5, ui * -1]),
  );
  assert.deepEqual(b.grad!.toArray(), u);
  assert.deepEqual(x.grad!.toArray(), [1 * 1 - 2 * 3 + 0.5 * 5, 1 * 2 - 2 * 4 + 0.5 * 6]);
});

test('linear: backward matches central differences (1-D, batched, 3-D input; with and without bias)', () => {
  for (const [shape, seed] of [
    [[4], 1],
    [[3, 4], 2],
    [[2, 3, 4], 3],
  ] as [number[], number][]) {
    const x = leaf(shape, seed),
      w = leaf([5, 4], seed + 10),
      b = leaf([5], seed + 20);
    assertGradOk(`linear ${shape}`, (x, w, b) => F.linear(x, w, b), [x, w, b]);
    assertGradOk(`linear ${shape} no bias`, (x, w) => F.linear(x, w), [x, w]);
  }
});

test('activations: forward values', () => {
  const x = tensor([-2, -0.5, 0, 1.5]);
  assert.deepEqual(F.relu(x).toArray(), [0, 0, 0, 1.5]);
  assert.deepEqual(F.leakyRelu(x, { negativeSlope: 0.1 }).toArray(), [-0.2, -0.05, 0, 1.5]);
  assert.deepEqual(F.leakyRelu(x).toArray(), [-0.02, -0.005, 0, 1.5]);
  assertClose(
    F.sigmoid(x).data,
    [-2, -0.5, 0, 1.5].map((v) => 1 / (1 + Math.exp(-v))),
    1e-15,
  );
  assertClose(F.tanh(x).data, [-2, -0.5, 0, 1.5].map(Math.tanh), 1e-15);
  // torch.nn.functional.gelu(torch.tensor([-2, -0.5, 0, 1.5], dtype=torch.float64))
  assertClose(F.gelu(x).data, [-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713], 1e-14);
  assert.equal(F.sigmoid(tensor([-1000])).data[0], 0);
  assert.equal(F.sigmoid(tensor([1000])).data[0], 1);
});

test('erf: matches reference values across the series and continued-fraction ranges', () => {
  const ref: [number, number][] = [
    [0, 0],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2.4, 0.999311486103355],
    [2.6, 0.9997639655834707],
    [3, 0.9999779095030014],
    [4, 0.9999999845827421],
    [-1, -0.8427007929497149],
    [7, 1],
  ];
  for (const [x, e] of ref) assertClose([F.erf(x)], [e], 2e-16, `erf(${x})`);
});

test('relu: the gradient is gated by z > 0', () => {
  const x = tensor([-1, 2, -3, 4], { requiresGrad: true });
  F.relu(x).backward(tensor([10, 20, 30, 40]));
  assert.deepEqual(x.grad!.toArray(), [0, 20, 0, 40]);
});

test('activations: backward matches central differences over shapes and seeds', () => {
  const ops: [string, (x: Tensor) => Tensor][] = [
    ['relu', F.relu],
    ['leakyRelu', (x) => F.leakyRelu(x, { negativeSlope: 0.2 })],
    ['sigmoid', F.sigmoid],
    ['tanh', F.tanh],
    ['gelu', F.gelu],
  ];
  for (const [name, f] of ops) {
    for (const [shape, seed] of [
      [[7], 1],
      [[3, 5], 2],
      [[2, 2, 3], 3],
    ] as [number[], number][]) {
      assertGradOk(`${name} ${shape}`, f, [leaf(shape, seed, 2)]);
    }
  }
  // gelu across the whole range its erf covers, both algorithms
  assertGradOk('gelu wide', F.gelu, [tensor([-7, -4, -2.7, -2.3, -0.1, 0.3, 2.45, 2.55, 5, 8], { requiresGrad: true })]);
});

test('activations keep float32 as float32', () => {
  const x = tensor([-1, 1], { dtype: 'float32' });
  for (const f of [F.relu, F.sigmoid, F.tanh, F.gelu]) assert.equal(f(x).dtype, 'float32');
});

test('linear: bad input names the op and both shapes', () => {
  const x = tensor([[1, 2, 3]]);
  assert.throws(
    () =>
      F.linear(
        x,
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    /^EngineError: linear: input shape \[1, 3\] does not end in 2, the in-features of weight \[2, 2\]/,
  );
  assert.throws(
    () => F.linear(x, tensor([[1, 2, 3]]), tensor([1, 2])),
    /linear: bias shape \[2\] does not match the out-features of weight \[1, 3\]/,
  );
  assert.throws(
    () => F.linear(x, tensor([[1, 2, 3]], { dtype: 'float32' })),
    /linear: dtype mismatch: input is float64 \[1, 3\] but weight is float32 \[1, 3\]/,
  );
  assert.throws(() => F.relu(tensor([true, false])), /relu: input must be float32 or float64, got a bool tensor of shape \[2\]/);
});

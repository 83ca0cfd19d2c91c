import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, zeros, ones } from '../../src/engine';
import { assertClose, assertGradOk, leaf } from '../helpers/finiteDiff';

const x4 = () =>
  tensor([
    [
      [
        [1, 2],
        [3, 5],
      ],
      [
        [0, -1],
        [2, 2],
      ],
    ],
    [
      [
        [4, 0],
        [1, 1],
      ],
      [
        [3, 3],
        [-2, 1],
      ],
    ],
  ]);

test('batchNorm: training output and running statistics match PyTorch on a small case', () => {
  const runningMean = zeros([2]),
    runningVar = ones([2]);
  const y = F.batchNorm(x4(), {
    weight: tensor([1, 2]),
    bias: tensor([0, 0.5]),
    runningMean,
    runningVar,
    training: true,
    momentum: 0.1,
    eps: 1e-5,
  });
  // torch.nn.functional.batch_norm(..., training=True) in float64
  assertClose(
    y.data,
    [
      -0.696439574787008, -0.07738217497633415, 0.5416752248343397, 1.7797900244556875, -0.6546986138831654, -1.8093972277663308,
      1.6546986138831654, 1.6546986138831654, 1.1607326246450136, -1.315496974597682, -0.696439574787008, -0.696439574787008,
      2.809397227766331, 2.809397227766331, -2.9640958416494962, 0.5,
    ],
    1e-13,
  );
  // running mean moves by momentum toward the batch mean; running var toward the *unbiased* batch variance
  assertClose(runningMean.data, [0.21250000000000002, 0.1], 1e-15);
  assertClose(runningVar.data, [1.1982142857142857, 1.2428571428571429], 1e-15);
});

test('batchNorm: [N, C] case by hand; evaluation uses the running statistics and leaves them alone', () => {
  const rm = zeros([1]),
    rv = ones([1]);
  const y = F.batchNorm(tensor([[1], [3]]), { runningMean: rm, runningVar: rv, training: true, eps: 0 });
  assert.deepEqual(y.toArray(), [[-1], [1]]); // mean 2, biased var 1
  assertClose(rm.data, [0.2]);
  assertClose(rv.data, [0.9 + 0.1 * 2]); // unbiased var 2
  const e = F.batchNorm(tensor([[1], [3]]), { runningMean: tensor([1]), runningVar: tensor([4]), training: false, eps: 0 });
  assert.deepEqual(e.toArray(), [[0], [1]]);
  const frozenMean = tensor([1]),
    frozenVar = tensor([4]);
  F.batchNorm(tensor([[1], [3]]), { runningMean: frozenMean, runningVar: frozenVar, training: false });
  assert.deepEqual([frozenMean.item(), frozenVar.item()], [1, 4]);
});

test('batchNorm: backward (compact formula) matches central differences, training and eval, 1-D and 2-D', () => {
  for (const [shape, seed] of [
    [[5, 3], 1],
    [[2, 3, 3, 2], 2],
    [[3, 2, 2, 2], 3],
  ] as [number[], number][]) {
    const C = shape[1];
    assertGradOk(`batchNorm train ${shape}`, (x, w, b) => F.batchNorm(x, { weight: w, bias: b, training: true }), [
      leaf(shape, seed),
      leaf([C], seed + 1),
      leaf([C], seed + 2),
    ]);
    assertGradOk(`batchNorm train no affine ${shape}`, (x) => F.batchNorm(x, { training: true }), [leaf(shape, seed)]);
    const rm = leaf([C], seed + 3).detach(),
      rv = F.sigmoid(leaf([C], seed + 4)).detach();
    assertGradOk(
      `batchNorm eval ${shape}`,
      (x, w, b) => F.batchNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, training: false }),
      [leaf(shape, seed), leaf([C], seed + 1), leaf([C], seed + 2)],
    );
  }
});

test('layerNorm: forward matches PyTorch; backward matches central differences', () => {
  const y = F.layerNorm(x4(), [2, 2], {
    weight: tensor([
      [1, 2],
      [0.5, 1],
    ]),
    bias: tensor([
      [0, 0.1],
      [0.2, 0.3],
    ]),
  });
  assertClose(
    y.data,
    [
      -1.1832132521355803, -0.9141827875447831, 0.28451523229539866, 1.8212741813171751, -0.5773485585297644, -2.594293273138901,
      0.6811237987748038, 1.2622475975496075, 1.6666629629753085, -1.8999955555703703, 0.03333370370246913, -0.03333259259506177,
      0.8551850893782218, 1.8103701787564437, -0.5941004401369201, 0.17783070151739694,
    ],
    1e-13,
  );
  for (const [shape, norm, seed] of [
    [[4, 5], [5], 1],
    [[2, 3, 4], [3, 4], 2],
    [[6], [6], 3],
  ] as [number[], number[], number][]) {
    assertGradOk(`layerNorm ${shape}`, (x, w, b) => F.layerNorm(x, norm, { weight: w, bias: b }), [
      leaf(shape, seed),
      leaf(norm, seed + 1),
      leaf(norm, seed + 2),
    ]);
    assertGradOk(`layerNorm plain ${shape}`, (x) => F.layerNorm(x, norm), [leaf(shape, seed)]);
  }
  assert.deepEqual(F.layerNorm(tensor([[1, 3]]), 2, { eps: 0 }).toArray(), [[-1, 1]]);
});

test('norms: bad input names the op and the shapes', () => {
  const x = leaf([4, 3], 1);
  assert.throws(
    () => F.batchNorm(x, { weight: leaf([4], 2), training: true }),
    /^EngineError: batchNorm: weight has shape \[4\] but input of shape \[4, 3\] has 3 channels \(need \[3\]\)/,
  );
  assert.throws(
    () => F.batchNorm(x, { training: false }),
    /batchNorm: evaluation mode \(training: false\) needs runningMean and runningVar/,
  );
  assert.throws(
    () => F.batchNorm(leaf([1, 3], 1), { training: true }),
    /batchNorm: training needs more than one value per channel, got input of shape \[1, 3\]/,
  );
  assert.throws(
    () => F.batchNorm(leaf([5], 1), { training: true }),
    /batchNorm: input must be \[N, C\] or \[N, C, H, W\], got shape \[5\]/,
  );
  assert.throws(
    () => F.batchNorm(x, { runningMean: zeros([3], { dtype: 'float32' }), training: true }),
    /batchNorm: dtype mismatch: input is float64 \[4, 3\] but runningMean is float32 \[3\]/,
  );
  assert.throws(() => F.layerNorm(x, [4]), /layerNorm: input shape \[4, 3\] does not end in normalizedShape \[4\]/);
  assert.throws(() => F.layerNorm(x, 3, { weight: leaf([4], 1) }), /layerNorm: weight has shape \[4\] but normalizedShape is \[3\]/);
});

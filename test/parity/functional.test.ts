/**
 * Parity of the functional ops (F) with torch.nn.functional, in float64: outputs,
 * gradients of L = sum(out * R) for every differentiable input, and batch norm's
 * running statistics after the call (fixtures from scripts/torch_fixtures.py;
 * tolerance in ./fixture.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { F, type Tensor } from '../../src/engine';

import { assertClose, checkOpCase, ErrorTally, type FixtureFile, type OpCase, toIntArray } from './fixture';
import functionalJson from '../fixtures/torch/functional.json';

const fixture = functionalJson as unknown as FixtureFile<OpCase>;
type Params = Record<string, unknown>;
type Op = (t: Record<string, Tensor>, p: Params, c: OpCase) => Tensor;

/** Class ids as the number array the losses accept. */
const ids = (c: OpCase, name: string): number[] => toIntArray(c.inputs[name]);

const ops: Record<string, Op> = {
  linear: (t) => F.linear(t.x, t.w, t.b),
  relu: (t) => F.relu(t.x),
  leakyRelu: (t, p) => (p.negativeSlope === null ? F.leakyRelu(t.x) : F.leakyRelu(t.x, { negativeSlope: p.negativeSlope as number })),
  sigmoid: (t) => F.sigmoid(t.x),
  tanh: (t) => F.tanh(t.x),
  gelu: (t) => F.gelu(t.x),
  softmax: (t, p) => F.softmax(t.x, p.dim as number),
  logSoftmax: (t, p) => F.logSoftmax(t.x, p.dim as number),
  // targets once as a number array and once as a tensor of ids: both forms are API
  crossEntropy: (t, _p, c) => F.crossEntropy(t.logits, c.name.includes('large') ? t.targets : ids(c, 'targets')),
  nllLoss: (t, _p, c) => F.nllLoss(t.logProbs, ids(c, 'targets')),
  mseLoss: (t) => F.mseLoss(t.a, t.b),
  binaryCrossEntropy: (t) => F.binaryCrossEntropy(t.p, t.y),
  binaryCrossEntropyWithLogits: (t) => F.binaryCrossEntropyWithLogits(t.z, t.y),
  conv2d: (t, p) => F.conv2d(t.x, t.w, t.b, { stride: p.stride as number, padding: p.padding as number }),
  maxPool2d: (t, p) => F.maxPool2d(t.x, { kernelSize: p.kernelSize as number, stride: p.stride as number, padding: p.padding as number }),
  avgPool2d: (t, p) => F.avgPool2d(t.x, { kernelSize: p.kernelSize as number, stride: p.stride as number, padding: p.padding as number }),
  batchNorm: (t, p) =>
    F.batchNorm(t.x, {
      weight: t.weight,
      bias: t.bias,
      runningMean: t.runningMean,
      runningVar: t.runningVar,
      training: p.training as boolean,
      momentum: p.momentum as number,
      eps: p.eps as number,
    }),
  layerNorm: (t, p) => F.layerNorm(t.x, p.normalizedShape as number[], { weight: t.weight, bias: t.bias, eps: p.eps as number }),
  embedding: (t) => F.embedding(t.ids, t.table),
  patchify: (t, p) => F.patchify(t.x, p.patchSize as number),
  scaledDotProductAttention: (t, p) =>
    F.scaledDotProductAttention(t.q, t.k, t.v, {
      // a boolean mask is accepted as nested booleans as well as a bool tensor: use both
      attnMask: t.attnMask?.dtype === 'bool' && t.attnMask.ndim === 2 ? (t.attnMask.toArray() as boolean[][]) : t.attnMask,
      isCausal: p.isCausal as boolean | undefined,
      scale: p.scale as number | undefined,
    }),
  mlp: (t, _p, c) => F.crossEntropy(F.linear(F.relu(F.linear(t.x, t.w1, t.b1)), t.w2, t.b2), ids(c, 'targets')),
  convBlock: (t, _p, c) => {
    let h = F.conv2d(t.x, t.w, null, { stride: 1, padding: 1 });
    h = F.batchNorm(h, {
      weight: t.gamma,
      bias: t.beta,
      runningMean: t.runningMean,
      runningVar: t.runningVar,
      training: true,
      momentum: 0.1,
      eps: 1e-5,
    });
    h = F.maxPool2d(F.relu(h), { kernelSize: 2, stride: 2 });
    return F.crossEntropy(F.linear(h.flatten(1), t.fcw, t.fcb), ids(c, 'targets'));
  },
  attentionBlock: (t, p) => {
    const [n, L, e] = t.x.shape;
    const heads = p.heads as number;
    const split = (h: Tensor) => h.reshape([n, L, heads, e / heads]).permute([0, 2, 1, 3]);
    const [q, k, v] = [t.wq, t.wk, t.wv].map((w) => split(F.linear(t.x, w)));
    const a = F.scaledDotProductAttention(q, k, v, { isCausal: true }).permute([0, 2, 1, 3]).reshape([n, L, e]);
    return F.layerNorm(t.x.add(F.linear(a, t.wo)), [e], { weight: t.gamma, bias: t.beta, eps: 1e-5 });
  },
};

const tally = new ErrorTally();

test('every functional fixture op has an engine counterpart', () => {
  const missing = [...new Set(fixture.cases.map((c) => c.op))].filter((op) => !(op in ops));
  assert.deepEqual(missing, [], `fixture ops without an engine mapping: ${missing.join(', ')}`);
  assert.ok(fixture.cases.length > 40, `expected the full functional fixture set, found ${fixture.cases.length} cases`);
});

for (const c of fixture.cases) {
  test(`F parity: ${c.name}`, () => {
    const op = ops[c.op];
    assert.ok(op, `${c.name}: no engine mapping for op '${c.op}'`);
    const inputs = checkOpCase(c, (t, p) => op(t, p, c), tally);
    // batch norm updates its running statistics in place, as PyTorch does
    for (const [name, expected] of Object.entries(c.state ?? {})) {
      assertClose(c.name, `${name} after the call`, inputs[name], expected);
    }
  });
}

after(() => {
  console.log(`F parity: largest error relative to each tensor's max |value|: ${tally.maxRel.toExponential(2)} at ${tally.where || '-'}`);
});

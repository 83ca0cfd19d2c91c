/**
 * The optimisers against torch.optim, in float64: a linear model with a
 * mean-squared-error loss, trained for a few steps from the same start on the
 * same data; the loss before each step and the parameters after it must match
 * (fixtures from scripts/torch_fixtures.py; tolerance in ./fixture.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, type Tensor } from '../../src/engine';
import { assertClose, type FixtureFile, type FixtureTensor, toTensor } from './fixture';
import optimJson from '../fixtures/torch/optim.json';

interface OptimCase {
  name: string;
  optimizer: 'SGD' | 'Adam';
  options: {
    lr: number;
    momentum?: number;
    dampening?: number;
    nesterov?: boolean;
    weightDecay?: number;
    betas?: [number, number];
    eps?: number;
  };
  init: { w: FixtureTensor; b: FixtureTensor };
  data: { x: FixtureTensor; y: FixtureTensor };
  steps: { loss: number; w: FixtureTensor; b: FixtureTensor }[];
}

const fixture = optimJson as unknown as FixtureFile<OptimCase>;

function makeOptimizer(c: OptimCase, params: Tensor[]) {
  const o = c.options;
  if (c.optimizer === 'SGD')
    return new optim.SGD(params, {
      lr: o.lr,
      momentum: o.momentum,
      dampening: o.dampening,
      nesterov: o.nesterov,
      weightDecay: o.weightDecay,
    });
  return new optim.Adam(params, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay });
}

test('optimiser fixtures cover SGD and Adam with weight decay', () => {
  const kinds = new Set(fixture.cases.filter((c) => c.options.weightDecay).map((c) => c.optimizer));
  assert.deepEqual([...kinds].sort(), ['Adam', 'SGD']);
});

for (const c of fixture.cases) {
  test(`optim parity: ${c.name}`, () => {
    const w = toTensor(c.init.w, true);
    const b = toTensor(c.init.b, true);
    const x = toTensor(c.data.x);
    const y = toTensor(c.data.y);
    const opt = makeOptimizer(c, [w, b]);
    c.steps.forEach((expected, i) => {
      opt.zeroGrad();
      const loss = x.matmul(w.T).add(b).sub(y).square().mean();
      const lossValue = loss.item();
      const tol = 1e-6 * Math.abs(expected.loss) + 1e-9;
      assert.ok(
        Math.abs(lossValue - expected.loss) <= tol,
        `${c.name}: loss before step ${i + 1} is ${lossValue}, PyTorch gives ${expected.loss}`,
      );
      loss.backward();
      opt.step();
      assertClose(c.name, `w after step ${i + 1}`, w, expected.w);
      assertClose(c.name, `b after step ${i + 1}`, b, expected.b);
    });
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, manualSeed, zeros, Rng, nn } from '../../src/engine';

function stats(d: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0,
    s2 = 0,
    m = 0;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    s2 += d[i] * d[i];
    m = Math.max(m, Math.abs(d[i]));
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), maxAbs: m };
}

test('fans and gains follow torch.nn.init', () => {
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([64, 3, 3, 3])), { fanIn: 27, fanOut: 576 });
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([10, 20])), { fanIn: 20, fanOut: 10 });
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('leakyRelu', 0.2), Math.sqrt(2 / 1.04));
  assert.throws(
    () => init.calculateFanInAndFanOut(zeros([5])),
    /^EngineError: calculateFanInAndFanOut: fan in and fan out need at least 2 dims, got shape \[5\]/,
  );
});

test('Kaiming-normal: std √2/√fanIn for ReLU; Xavier: √(2/(fanIn+fanOut)) and uniform bound √(6/(fanIn+fanOut))', () => {
  const w = init.kaimingNormal_(zeros([256, 64, 3, 3]), { rng: new Rng(1), nonlinearity: 'relu' });
  const k = stats(w.data);
  assert.ok(Math.abs(k.mean) < 0.005 && Math.abs(k.std / (Math.SQRT2 / Math.sqrt(576)) - 1) < 0.01, JSON.stringify(k));
  const fanOut = init.kaimingNormal_(zeros([256, 64, 3, 3]), { seed: 1, nonlinearity: 'relu', mode: 'fanOut' });
  assert.ok(Math.abs(stats(fanOut.data).std / (Math.SQRT2 / Math.sqrt(256 * 9)) - 1) < 0.01);
  const xn = stats(init.xavierNormal_(zeros([300, 200]), { seed: 2 }).data);
  assert.ok(Math.abs(xn.std / Math.sqrt(2 / 500) - 1) < 0.01, JSON.stringify(xn));
  const xu = stats(init.xavierUniform_(zeros([300, 200]), { seed: 3, gain: 2 }).data);
  const bound = 2 * Math.sqrt(6 / 500);
  assert.ok(xu.maxAbs <= bound && xu.maxAbs > 0.99 * bound && Math.abs(xu.std / (bound / Math.sqrt(3)) - 1) < 0.01, JSON.stringify(xu));
  const ku = stats(init.kaimingUniform_(zeros([100, 400]), { seed: 4, nonlinearity: 'relu' }).data);
  assert.ok(ku.maxAbs <= Math.sqrt(6 / 400) && Math.abs(ku.std / Math.sqrt(2 / 400) - 1) < 0.01);
});

test('init is reproducible from its rng, its seed or the default generator', () => {
  const a = init.kaimingNormal_(zeros([4, 4]), { seed: 7 }),
    b = init.kaimingNormal_(zeros([4, 4]), { rng: new Rng(7) });
  assert.deepEqual(a.data, b.data);
  manualSeed(7);
  assert.deepEqual(init.kaimingNormal_(zeros([4, 4])).data, a.data);
  assert.throws(() => init.xavierUniform_(zeros([2, 2]), { seed: 1.5 }), /^EngineError: xavierUniform_: seed must be an integer, got 1.5/);
  // layers pick the rule by name; Kaiming / Xavier set the bias to zero
  const conv = new nn.Conv2d(64, 128, 3, { seed: 5, init: 'kaimingNormal' });
  assert.ok(Math.abs(stats(conv.weight.data).std / (Math.SQRT2 / Math.sqrt(576)) - 1) < 0.02);
  assert.ok(conv.bias!.data.every((v) => v === 0));
  assert.throws(() => new nn.Linear(2, 2, { seed: 1, init: 'orthogonal' as nn.WeightInit }), /Linear: unknown init 'orthogonal'/);
});

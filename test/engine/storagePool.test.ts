// The gradient pool: backward passes give their dead gradients back, and nothing a
// user can still reach is ever handed out again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, nn, optim, Rng, randn, sum, type Tensor } from '../../src/engine';
import { clearPool, pooledBytes } from '../../src/engine/storagePool';

function smallNet(seed: number): { model: nn.Sequential; x: Tensor; labels: number[] } {
  const rng = new Rng(seed);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1, dtype: 'float32', rng }),
    new nn.BatchNorm2d(8, { dtype: 'float32' }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(8 * 16 * 16, 10, { dtype: 'float32', rng }),
  );
  model.train();
  const x = randn([16, 3, 32, 32], { dtype: 'float32', rng });
  return { model, x, labels: Array.from({ length: 16 }, (_, i) => i % 10) };
}

function train(steps: number, betweenSteps: () => void): number[] {
  const { model, x, labels } = smallNet(3);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
    losses.push(loss.item());
    betweenSteps();
  }
  return losses;
}

test('a training step gives its dead gradients back to the pool', () => {
  clearPool();
  train(1, () => {});
  assert.ok(pooledBytes() >= 16 * 8 * 32 * 32 * 4, `expected at least one activation-sized gradient pooled, got ${pooledBytes()} bytes`);
});

test('reused buffers change nothing: the same losses with and without the pool', () => {
  const pooled = train(6, () => {});
  const fresh = train(6, () => clearPool());
  assert.deepEqual(pooled, fresh);
});

test('a gradient passed through to two inputs (a + a, a + b) is not reused while either still needs it', () => {
  clearPool();
  const rng = new Rng(5);
  const a = randn([256, 256], { dtype: 'float32', rng }).requiresGrad_();
  const b = randn([256, 256], { dtype: 'float32', rng }).requiresGrad_();
  for (let i = 0; i < 3; i++) {
    a.grad = null;
    b.grad = null;
    // add's backward hands the same gradient to both inputs; mul then consumes one copy
    sum(a.add(b).mul(2).add(a.mul(b))).backward();
    const A = a.data,
      B = b.data,
      gA = a.grad!.data,
      gB = b.grad!.data;
    for (let k = 0; k < A.length; k += 997) {
      assert.ok(Math.abs(gA[k] - (2 + B[k])) < 1e-5, `da[${k}] = ${gA[k]}, expected ${2 + B[k]}`);
      assert.ok(Math.abs(gB[k] - (2 + A[k])) < 1e-5, `db[${k}] = ${gB[k]}, expected ${2 + A[k]}`);
    }
  }
});

test('a leaf gradient the user kept is never handed out again', () => {
  clearPool();
  const { model, x, labels } = smallNet(7);
  const kept: Array<{ data: Float32Array | Float64Array; copy: number[] }> = [];
  for (let i = 0; i < 3; i++) {
    for (const p of model.parameters()) p.grad = null;
    F.crossEntropy(model.forward(x), labels).backward();
    for (const p of model.parameters()) kept.push({ data: p.grad!.data as Float32Array, copy: Array.from(p.grad!.data as Float32Array) });
  }
  for (const k of kept) assert.deepEqual(Array.from(k.data), k.copy);
});

/**
 * The default generator (manualSeed) and the default dtype (setDefaultDtype): what
 * draws from and follows them, and that an explicit rng, seed or dtype still wins.
 * This file is its own process under node --test, so changing the defaults here
 * reaches no other test file; each test restores what it changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  arange,
  F,
  full,
  getDefaultDtype,
  getDefaultGenerator,
  init,
  manualSeed,
  nn,
  ones,
  rand,
  randn,
  Rng,
  setDefaultDtype,
  tensor,
  zeros,
} from '../../src/engine';

function withDefaultDtype(dtype: 'float32' | 'float64', body: () => void): void {
  const prev = setDefaultDtype(dtype);
  try {
    body();
  } finally {
    setDefaultDtype(prev);
  }
}

test('manualSeed reseeds the default generator in place and returns it; randn and rand draw from it', () => {
  const held = getDefaultGenerator();
  assert.equal(manualSeed(4), held);
  assert.equal(held.seed, 4);
  const a = randn([5]),
    u = rand([3], { low: -1, high: 1 });
  manualSeed(4);
  assert.deepEqual(randn([5]).data, a.data);
  assert.deepEqual(rand([3], { low: -1, high: 1 }).data, u.data);
  // the stream of a seeded default generator is that of new Rng(seed)
  assert.deepEqual(a.data, randn([5], { rng: new Rng(4) }).data);
});

test('an explicit rng or seed wins and leaves the default generator where it was', () => {
  manualSeed(1);
  const expected = randn([3]).data;
  manualSeed(1);
  assert.deepEqual(randn([3], { rng: new Rng(9) }).data, randn([3], { seed: 9 }).data);
  assert.equal(new nn.Linear(3, 2, { seed: 5 }).weight.size, 6);
  assert.deepEqual(randn([3]).data, expected);
});

test('modules built without rng or seed draw their weights from the default generator', () => {
  const builds: [string, (opts: { rng?: Rng }) => nn.Module][] = [
    ['Linear', (o) => new nn.Linear(3, 2, o)],
    ['Conv2d', (o) => new nn.Conv2d(3, 16, 3, o)],
    ['Embedding', (o) => new nn.Embedding(5, 4, o)],
    ['MultiHeadAttention', (o) => new nn.MultiHeadAttention(4, 2, o)],
  ];
  for (const [name, build] of builds) {
    manualSeed(11);
    const fromDefault = build({})
      .parameters()
      .map((p) => Array.from(p.data));
    const fromRng = build({ rng: new Rng(11) })
      .parameters()
      .map((p) => Array.from(p.data));
    assert.deepEqual(fromDefault, fromRng, name);
  }
  manualSeed(3);
  const w = init.kaimingUniform_(zeros([4, 3]));
  assert.deepEqual(w.data, init.kaimingUniform_(zeros([4, 3]), { rng: new Rng(3) }).data);
});

test('dropout draws its mask at each forward, so manualSeed between calls counts; setRng still overrides', () => {
  const x = ones([64]);
  const drop = new nn.Dropout(0.5);
  manualSeed(6);
  const first = drop.forward(x).data;
  manualSeed(6);
  assert.deepEqual(drop.forward(x).data, first);
  assert.deepEqual(F.dropout(x, { p: 0.5, rng: new Rng(6) }).data, first);
  const model = new nn.Sequential(new nn.Dropout(0.5)).setRng(new Rng(8));
  manualSeed(6);
  assert.deepEqual(model.forward(x).data, F.dropout(x, { p: 0.5, rng: new Rng(8) }).data);
});

test('manualSeed and Rng take integers only, and say so', () => {
  assert.throws(() => manualSeed(1.5), /^EngineError: manualSeed: seed must be an integer, got 1.5$/);
  assert.throws(() => manualSeed('1' as unknown as number), /^EngineError: manualSeed: seed must be an integer, got the string "1"$/);
  assert.throws(() => new Rng(Number.NaN), /^EngineError: Rng: seed must be an integer, got NaN$/);
  assert.throws(() => randn([2], { seed: 0.5 }), /^EngineError: randn: seed must be an integer, got 0.5$/);
  assert.throws(() => randn([2], { rng: 3 as unknown as Rng }), /^EngineError: randn: rng must be an Rng \(new Rng\(seed\)\), got 3$/);
});

test('the default dtype is float64, and setDefaultDtype changes what tensors and modules get without a dtype', () => {
  assert.equal(getDefaultDtype(), 'float64');
  withDefaultDtype('float32', () => {
    assert.equal(getDefaultDtype(), 'float32');
    const made = [tensor([1, 2]), tensor(3), zeros([2]), ones([2]), full([2], 7), arange(3), randn([2]), rand([2]), add(1, 2)];
    assert.deepEqual(
      made.map((t) => t.dtype),
      made.map(() => 'float32'),
    );
    const modules = [
      new nn.Linear(2, 2),
      new nn.Conv2d(1, 2, 3),
      new nn.BatchNorm2d(2),
      new nn.LayerNorm(4),
      new nn.Embedding(3, 2),
      new nn.MultiHeadAttention(4, 2),
    ];
    for (const m of modules)
      assert.ok(
        m.parameters().every((p) => p.dtype === 'float32'),
        m.typeName,
      );
    // an explicit dtype, a typed array and a bool mask keep theirs
    assert.equal(tensor([1, 2], { dtype: 'float64' }).dtype, 'float64');
    assert.equal(new nn.Linear(2, 2, { dtype: 'float64' }).weight.dtype, 'float64');
    assert.equal(tensor(new Float64Array(2)).dtype, 'float64');
    assert.equal(tensor([true, false]).dtype, 'bool');
  });
  assert.equal(tensor([1]).dtype, 'float64');
});

test('setDefaultDtype refuses anything but float32 and float64, and keeps the old default when it does', () => {
  for (const bad of ['float16', 'bool', undefined, 32]) {
    assert.throws(() => setDefaultDtype(bad as 'float32'), /^EngineError: setDefaultDtype: dtype must be 'float64' or 'float32', got /);
  }
  assert.equal(getDefaultDtype(), 'float64');
  assert.throws(
    () => zeros([2], { dtype: 'float16' as 'float32' }),
    /^EngineError: zeros: dtype must be 'float64' or 'float32' or 'bool', got the string "float16"$/,
  );
  assert.throws(
    () => new nn.Linear(2, 2, { dtype: 'bool' as 'float32' }),
    /^EngineError: Linear: dtype must be 'float64' or 'float32', got the string "bool"$/,
  );
});

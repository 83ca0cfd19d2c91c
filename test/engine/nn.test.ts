import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, Rng, tensor, type Tensor, noGrad } from '../../src/engine';
import { assertClose, assertGradOk, leaf } from '../helpers/finiteDiff';

function smallCnn(seed: number, dtype: 'float32' | 'float64' = 'float64'): nn.Sequential {
  const rng = new Rng(seed);
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, rng, dtype, init: 'kaimingNormal' }),
    new nn.BatchNorm2d(4, { dtype }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 2 * 2, 8, { rng, dtype }),
    new nn.Dropout(0.5),
    new nn.Tanh(),
    new nn.Linear(8, 3, { rng, dtype }),
  );
}

test('Module: parameters in registration order with dotted names; PyTorch parameter counts', () => {
  const model = smallCnn(1);
  assert.deepEqual(
    model.namedParameters().map(([k, t]) => `${k}:${t.shape.join('x')}`),
    ['0.weight:4x1x3x3', '0.bias:4', '1.weight:4', '1.bias:4', '5.weight:8x16', '5.bias:8', '8.weight:3x8', '8.bias:3'],
  );
  assert.deepEqual(
    model.namedBuffers().map(([k]) => k),
    ['1.runningMean', '1.runningVar'],
  );
  assert.ok(model.parameters().every((p) => p.requiresGrad && p.isLeaf));
  // (F·F·Din + 1)·Dout for a conv, (Nin + 1)·Nout for an FC layer
  assert.equal(new nn.Conv2d(3, 64, 3, { seed: 1 }).numParameters(), (3 * 3 * 3 + 1) * 64);
  assert.equal(new nn.Linear(2048, 1024, { seed: 1 }).numParameters(), (2048 + 1) * 1024);
  assert.equal(new nn.BatchNorm2d(64).numParameters(), 128);
  assert.equal(model.numParameters(), 40 + 8 + 136 + 27);
});

test('Module: train()/eval() reach every submodule; dropout and batch norm follow the flag', () => {
  const model = smallCnn(2).setRng(new Rng(7));
  const x = leaf([3, 1, 4, 4], 3).detach();
  assert.ok(model.modules().every((m) => m.training));
  const a = model.forward(x),
    b = model.forward(x);
  assert.notDeepEqual(a.data, b.data, 'training: fresh dropout masks and batch statistics');
  model.eval();
  assert.ok(model.modules().every((m) => !m.training));
  const bn = model.at(1) as nn.BatchNorm2d;
  const rm = Array.from(bn.runningMean.data);
  const c = model.forward(x),
    d = model.forward(x);
  assert.deepEqual(c.data, d.data, 'eval: deterministic');
  assert.deepEqual(Array.from(bn.runningMean.data), rm, 'eval leaves running stats alone');
  model.train();
  assert.ok(model.modules().every((m) => m.training));
});

test('BatchNorm1d/2d layers update running statistics in training, as PyTorch does', () => {
  const bn = new nn.BatchNorm1d(2, { momentum: 0.5 });
  bn.forward(
    tensor([
      [1, 10],
      [3, 30],
      [5, 50],
    ]),
  );
  assertClose(bn.runningMean.data, [0.5 * 3, 0.5 * 30]);
  assertClose(bn.runningVar.data, [0.5 + 0.5 * 4, 0.5 + 0.5 * 400]); // unbiased: var([1,3,5]) = 4
  bn.forward(
    tensor([
      [1, 10],
      [3, 30],
      [5, 50],
    ]),
  );
  assertClose(bn.runningMean.data, [0.75 * 3, 0.75 * 30]);
  bn.eval();
  const y = bn.forward(tensor([[3, 30]]));
  assertClose(
    y.data,
    [0, 0].map((_, i) => ([3, 30][i] - bn.runningMean.data[i]) / Math.sqrt(bn.runningVar.data[i] + 1e-5)),
    1e-14,
  );
  assert.throws(
    () => bn.forward(tensor([[1, 2, 3]])),
    /^EngineError: BatchNorm1d: input shape \[1, 3\] has 3 channels, the layer was built for 2/,
  );
  assert.throws(() => new nn.BatchNorm2d(2).forward(tensor([[1, 2]])), /BatchNorm2d: expects \[N, C, H, W\], got shape \[1, 2\]/);
});

test('stateDict / loadStateDict: a round trip reproduces the model; clear errors on bad state', () => {
  const a = smallCnn(3).eval(),
    b = smallCnn(4).eval();
  // move a's running stats off their defaults so buffers are really carried
  a.train().setRng(new Rng(1));
  a.forward(leaf([4, 1, 4, 4], 5).detach());
  a.eval();
  const x = leaf([2, 1, 4, 4], 6).detach();
  assert.notDeepEqual(a.forward(x).data, b.forward(x).data);
  const state = a.stateDict();
  assert.deepEqual(Object.keys(state), [
    '0.weight',
    '0.bias',
    '1.weight',
    '1.bias',
    '1.runningMean',
    '1.runningVar',
    '5.weight',
    '5.bias',
    '8.weight',
    '8.bias',
  ]);
  const bWeight = b.parameters()[0];
  b.loadStateDict(state);
  assert.deepEqual(b.forward(x).data, a.forward(x).data);
  assert.equal(b.parameters()[0], bWeight, 'loaded in place: optimisers keep their tensors');
  // a snapshot: later changes to the model do not reach it
  noGrad(() => a.parameters()[0].data.fill(0));
  assert.notEqual(state['0.weight'].data[0], 0);
  // nested arrays (JSON) load too
  const json = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.toArray()]));
  smallCnn(9).loadStateDict(json);

  const missing = { ...state };
  delete missing['8.bias'];
  assert.throws(() => b.loadStateDict(missing), /^EngineError: loadStateDict: state does not match Sequential: missing keys: 8.bias/);
  assert.throws(
    () => b.loadStateDict({ ...state, 'extra.weight': tensor([1]) }),
    /loadStateDict: state does not match Sequential: unexpected keys: extra.weight/,
  );
  assert.throws(
    () => b.loadStateDict({ ...state, '5.weight': tensor([[1, 2]]) }),
    /loadStateDict: shape mismatch for '5.weight': the module has \[8, 16\], the state has \[1, 2\]/,
  );
  b.loadStateDict({ '8.bias': tensor([1, 2, 3]) }, { strict: false });
  assert.deepEqual(b.parameters()[7].toArray(), [1, 2, 3]);
});

test('Linear / Conv2d layers compute F.linear / F.conv2d with their parameters, and their gradients check', () => {
  const lin = new nn.Linear(4, 3, { seed: 1 });
  const x = leaf([2, 4], 2);
  assert.deepEqual(lin.forward(x).data, F.linear(x, lin.weight, lin.bias).data);
  assertGradOk('nn.Linear', (x, w, b) => F.linear(x, w, b), [x, lin.weight, lin.bias!]);
  const conv = new nn.Conv2d(2, 3, 3, { seed: 2, stride: 2, padding: 1, bias: false });
  assert.equal(conv.bias, null);
  assert.deepEqual(conv.forward(leaf([1, 2, 5, 5], 3)).shape, [1, 3, 3, 3]);
  // PyTorch's default init: U(±1/√fanIn) for weight and bias
  const big = new nn.Linear(100, 50, { seed: 3 });
  const bound = 1 / Math.sqrt(100);
  assert.ok(big.weight.data.every((v) => Math.abs(v) <= bound) && big.bias!.data.every((v) => Math.abs(v) <= bound));
  assert.throws(
    () => new nn.Linear(3, 2, { rng: 7 as unknown as Rng }),
    /^EngineError: Linear: rng must be an Rng \(new Rng\(seed\)\), got 7/,
  );
  assert.throws(() => lin.forward(leaf([2, 5], 1)), /linear: input shape \[2, 5\] does not end in 4, the in-features of weight \[3, 4\]/);
  assert.throws(
    () => lin.forward(tensor([[1, 2, 3, 4]], { dtype: 'float32' })),
    /Linear: input is float32 \[1, 4\] but the layer's parameters are float64/,
  );
});

test('modules take a dtype: float32 models train end to end in float32', () => {
  const model = smallCnn(5, 'float32').setRng(new Rng(2));
  assert.ok(model.parameters().every((p) => p.dtype === 'float32'));
  const x = tensor(leaf([2, 1, 4, 4], 1).data)
    .to('float32')
    .reshape([2, 1, 4, 4]);
  const loss = F.crossEntropy(model.forward(x), [0, 2]);
  assert.equal(loss.dtype, 'float32');
  loss.backward();
  assert.ok(model.parameters().every((p) => p.grad !== null && p.grad.dtype === 'float32'));
  model.zeroGrad();
  assert.ok(model.parameters().every((p) => p.grad!.data.every((v) => v === 0)));
});

test('activation, pooling, flatten and norm layers match their functional forms', () => {
  const x = leaf([2, 3, 4, 4], 1);
  const pairs: [nn.Module, (x: Tensor) => Tensor][] = [
    [new nn.ReLU(), F.relu],
    [new nn.LeakyReLU(0.2), (x) => F.leakyRelu(x, { negativeSlope: 0.2 })],
    [new nn.Sigmoid(), F.sigmoid],
    [new nn.Tanh(), F.tanh],
    [new nn.GELU(), F.gelu],
    [new nn.MaxPool2d(2), (x) => F.maxPool2d(x, { kernelSize: 2 })],
    [new nn.AvgPool2d(2, { stride: 1 }), (x) => F.avgPool2d(x, { kernelSize: 2, stride: 1 })],
    [new nn.Flatten(), (x) => x.reshape([2, 48])],
    [new nn.LayerNorm([4, 4]), (x) => F.layerNorm(x, [4, 4])],
    [new nn.Softmax(1), (x) => F.softmax(x, 1)],
  ];
  for (const [m, f] of pairs) {
    const y = m.forward(x),
      z = f(x);
    assert.deepEqual(y.shape, z.shape, m.typeName);
    assert.deepEqual(y.data, z.data, m.typeName);
  }
});

test('Dropout layer: masks from its rng (option or setRng), else the default generator; identity in eval', () => {
  const x = leaf([4, 4], 1);
  assert.equal(new nn.Dropout(0.5).eval().forward(x), x);
  const a = new nn.Dropout(0.5, { rng: new Rng(3) }).forward(x);
  const b = new nn.Dropout(0.5).setRng(new Rng(3)).forward(x);
  assert.deepEqual(a.data, b.data);
  manualSeed(3);
  assert.deepEqual(new nn.Dropout(0.5).forward(x).data, a.data);
  assert.throws(() => new nn.Dropout(0.5, { rng: {} as Rng }), /^EngineError: Dropout: rng must be an Rng/);
  assert.throws(() => new nn.Dropout(2), /Dropout: p must be a probability in \[0, 1\], got 2/);
});

test('Embedding layer: N(0, 1) table, lookup, gradient to the table', () => {
  const emb = new nn.Embedding(10, 4, { seed: 1 });
  const y = emb.forward([
    [1, 2],
    [3, 1],
  ]);
  assert.deepEqual(y.shape, [2, 2, 4]);
  assert.deepEqual(Array.from(y.data.subarray(0, 4)), Array.from(emb.weight.data.subarray(4, 8)));
  y.sum().backward();
  assert.deepEqual(Array.from(emb.weight.grad!.data.subarray(4, 8)), [2, 2, 2, 2]);
});

test('MultiHeadAttention: matches per-head attention by hand, causal option, exposes weights, gradients check', () => {
  const E = 6,
    H = 2,
    L = 4;
  const mha = new nn.MultiHeadAttention(E, H, { seed: 3 });
  const x = leaf([2, L, E], 4);
  const y = mha.forward(x);
  assert.deepEqual(y.shape, [2, L, E]);
  assert.deepEqual(mha.lastAttentionWeights!.shape, [2, H, L, L]);
  // by hand: project, split into heads, attend per head, join, project out
  const q = F.linear(x, mha.qProj.weight, mha.qProj.bias),
    k = F.linear(x, mha.kProj.weight, mha.kProj.bias),
    v = F.linear(x, mha.vProj.weight, mha.vProj.bias);
  const heads: Tensor[] = [];
  for (let h = 0; h < H; h++) {
    const part = (t: Tensor) => t.narrow(2, h * 3, 3);
    heads.push(F.scaledDotProductAttention(part(q), part(k), part(v)));
  }
  // out = [h0 h1] Woᵀ + b = h0 Wo[:, :3]ᵀ + h1 Wo[:, 3:]ᵀ + b
  const joined = F.linear(heads[0], mha.outProj.weight.narrow(1, 0, 3)).add(
    F.linear(heads[1], mha.outProj.weight.narrow(1, 3, 3), mha.outProj.bias),
  );
  assertClose(y.data, joined.data, 1e-13);

  const causal = new nn.MultiHeadAttention(E, H, { seed: 3, causal: true });
  causal.forward(x);
  const w = causal.lastAttentionWeights!.data;
  for (let r = 0; r < 2 * H; r++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) assert.equal(w[(r * L + i) * L + j], 0);
  // the causal mask really hides the future: changing the last token leaves earlier outputs alone
  const x2 = x.detach().clone();
  noGrad(() => {
    for (let c = 0; c < E; c++) x2.data[(L - 1) * E + c] += 1;
  });
  const o1 = causal.forward(x),
    o2 = causal.forward(x2);
  assertClose(o1.data.subarray(0, (L - 1) * E), o2.data.subarray(0, (L - 1) * E), 1e-14);

  const small = new nn.MultiHeadAttention(4, 2, { seed: 5, causal: true });
  assertGradOk('MultiHeadAttention input', (x) => small.forward(x), [leaf([1, 3, 4], 6)]);
  // the check perturbs the layer's own weight tensor in place, so the closure sees it through the layer
  const xs = leaf([1, 3, 4], 7).detach();
  assertGradOk('MultiHeadAttention weights', () => small.forward(xs), [
    small.qProj.weight,
    small.kProj.weight,
    small.vProj.bias!,
    small.outProj.weight,
  ]);
  assert.equal(small.forward(leaf([3, 4], 8).detach()).shape.join(','), '3,4'); // unbatched
  assert.throws(
    () => new nn.MultiHeadAttention(6, 4, { seed: 1 }),
    /^EngineError: MultiHeadAttention: embedDim 6 is not divisible by numHeads 4/,
  );
  assert.throws(
    () => mha.forward(leaf([2, L, 5], 1)),
    /MultiHeadAttention: query must be \[N, L, 6\] \(or \[L, 6\]\), got shape \[2, 4, 5\]/,
  );
  assert.equal(mha.parameters().length, 8);
});

test('Sequential: chaining, indexing, printout', () => {
  const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }), new nn.ReLU());
  assert.equal(model.length, 2);
  assert.ok(model.at(-1) instanceof nn.ReLU);
  assert.match(model.toString(), /^Sequential\(\n {2}\(0\): Linear\(inFeatures=2, outFeatures=3, bias=true\)\n {2}\(1\): ReLU\(\)\n\)$/);
  assert.throws(() => model.at(5), /Sequential: index 5 is out of range for 2 layers/);
});

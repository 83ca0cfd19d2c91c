import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, Rng, tensor, type Tensor } from '../../src/engine';
import { assertClose, assertGradOk, leaf } from '../helpers/finiteDiff';

/** softmax(q kᵀ · scale + bias) v for one [L, d] head, by plain loops. */
function naiveAttention(
  q: number[][],
  k: number[][],
  v: number[][],
  bias: (i: number, j: number) => number,
  scale = 1 / Math.sqrt(q[0].length),
): number[][] {
  return q.map((qi, i) => {
    const s = k.map((kj, j) => qi.reduce((acc, x, t) => acc + x * kj[t], 0) * scale + bias(i, j));
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    return v[0].map((_, c) => e.reduce((acc, w, j) => acc + (w / z) * v[j][c], 0));
  });
}

const rows = (t: Tensor) => t.toArray() as number[][];

test('scaledDotProductAttention: matches the reference formula, with every kind of mask', () => {
  const q = leaf([3, 4], 1),
    k = leaf([5, 4], 2),
    v = leaf([5, 2], 3);
  const none = () => 0;
  assertClose(F.scaledDotProductAttention(q, k, v).data, naiveAttention(rows(q), rows(k), rows(v), none).flat(), 1e-14);
  assertClose(
    F.scaledDotProductAttention(q, k, v, { scale: 0.3 }).data,
    naiveAttention(rows(q), rows(k), rows(v), none, 0.3).flat(),
    1e-14,
  );
  const keep = [
    [true, false, true, true, false],
    [true, true, true, true, true],
    [false, false, false, false, true],
  ];
  const boolBias = (i: number, j: number) => (keep[i][j] ? 0 : -Infinity);
  const expected = naiveAttention(rows(q), rows(k), rows(v), boolBias).flat();
  assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: keep }).data, expected, 1e-14);
  assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: tensor(keep) }).data, expected, 1e-14);
  const add = [
    [0.5, -1, 0, 2, 0],
    [0, 0, 0, 0, 0],
    [1, 1, -3, 0, 0.25],
  ];
  assertClose(
    F.scaledDotProductAttention(q, k, v, { attnMask: add }).data,
    naiveAttention(rows(q), rows(k), rows(v), (i, j) => add[i][j]).flat(),
    1e-14,
  );
  assertClose(
    F.scaledDotProductAttention(q, k, v, { isCausal: true }).data,
    naiveAttention(rows(q), rows(k), rows(v), (i, j) => (j > i ? -Infinity : 0)).flat(),
    1e-14,
  );
});

test('scaledDotProductAttention: batched heads with a mask broadcast over them; weights are exposed', () => {
  const q = leaf([2, 3, 4, 8], 1),
    k = leaf([2, 3, 6, 8], 2),
    v = leaf([2, 3, 6, 5], 3);
  const mask = tensor(Array.from({ length: 4 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i + j) % 3 !== 0)));
  const { output, weights } = F.scaledDotProductAttentionWithWeights(q, k, v, { attnMask: mask });
  assert.deepEqual(output.shape, [2, 3, 4, 5]);
  assert.deepEqual(weights.shape, [2, 3, 4, 6]);
  for (let b = 0; b < 2; b++)
    for (let h = 0; h < 3; h++) {
      const pick = (t: Tensor) => rows(t.index(b).index(h));
      const want = naiveAttention(pick(q), pick(k), pick(v), (i, j) => (mask.data[i * 6 + j] ? 0 : -Infinity)).flat();
      assertClose(output.index(b).index(h).data, want, 1e-13, `batch ${b} head ${h}`);
    }
  const w = weights.data;
  for (let r = 0; r < w.length / 6; r++) {
    let s = 0;
    for (let j = 0; j < 6; j++) s += w[r * 6 + j];
    assertClose([s], [1], 1e-14);
  }
  assert.equal(w[0], 0); // (0 + 0) % 3 === 0 is masked
});

test('scaledDotProductAttention: backward matches central differences (plain, masked, causal, batched, dropout)', () => {
  const mask = [
    [true, false, true, true],
    [true, true, false, true],
    [false, true, true, true],
  ];
  assertGradOk('sdpa', (q, k, v) => F.scaledDotProductAttention(q, k, v), [leaf([3, 4], 1), leaf([4, 4], 2), leaf([4, 3], 3)]);
  assertGradOk('sdpa bool mask', (q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: mask }), [
    leaf([3, 4], 4),
    leaf([4, 4], 5),
    leaf([4, 3], 6),
  ]);
  assertGradOk('sdpa float mask', (q, k, v, m) => F.scaledDotProductAttention(q, k, v, { attnMask: m }), [
    leaf([2, 3, 4], 7),
    leaf([2, 4, 4], 8),
    leaf([2, 4, 3], 9),
    leaf([3, 4], 10),
  ]);
  assertGradOk('sdpa causal batched', (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [
    leaf([2, 2, 4, 3], 11),
    leaf([2, 2, 4, 3], 12),
    leaf([2, 2, 4, 2], 13),
  ]);
  assertGradOk('sdpa broadcast k/v', (q, k, v) => F.scaledDotProductAttention(q, k, v), [
    leaf([2, 3, 4], 14),
    leaf([4, 4], 15),
    leaf([4, 2], 16),
  ]);
  // the same seeded mask on every call: the check sees one fixed function
  assertGradOk('sdpa dropout', (q, k, v) => F.scaledDotProductAttention(q, k, v, { dropoutP: 0.3, rng: new Rng(5) }), [
    leaf([3, 4], 17),
    leaf([4, 4], 18),
    leaf([4, 3], 19),
  ]);
  // without an rng the weights' dropout draws from the default generator, so manualSeed makes it the same
  const [q, k, v] = [leaf([3, 4], 17), leaf([4, 4], 18), leaf([4, 3], 19)];
  const seeded = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.3, rng: new Rng(5) });
  manualSeed(5);
  assert.deepEqual(F.scaledDotProductAttention(q, k, v, { dropoutP: 0.3 }).data, seeded.data);
});

test('scaledDotProductAttention: float32 in, float32 out, with nested-array masks of either kind', () => {
  const q = leaf([3, 4], 1).to('float32'),
    k = leaf([3, 4], 2).to('float32'),
    v = leaf([3, 2], 3).to('float32');
  const ref = F.scaledDotProductAttention(q.to('float64'), k.to('float64'), v.to('float64'), {
    attnMask: [
      [0, -1, 0.5],
      [0, 0, 0],
      [1, 0, 0],
    ],
  });
  const y = F.scaledDotProductAttention(q, k, v, {
    attnMask: [
      [0, -1, 0.5],
      [0, 0, 0],
      [1, 0, 0],
    ],
  });
  assert.equal(y.dtype, 'float32');
  assertClose(y.data, ref.data, 1e-6);
  assert.equal(F.scaledDotProductAttention(q, k, v, { attnMask: [[true, false, true]] }).dtype, 'float32');
});

test('scaledDotProductAttention: bad input names the op and the shapes', () => {
  const q = leaf([2, 3, 4], 1),
    k = leaf([2, 5, 4], 2),
    v = leaf([2, 5, 6], 3);
  assert.throws(
    () =>
      F.scaledDotProductAttention(q, k, v, {
        attnMask: [
          [true, false],
          [true, true],
        ],
      }),
    /^EngineError: scaledDotProductAttention: attnMask of shape \[2, 2\] cannot be broadcast to the scores \(attention scores are \[2, 3, 5\] for q \[2, 3, 4\] and k \[2, 5, 4\]\)/,
  );
  assert.throws(
    () => F.scaledDotProductAttention(q, k, v, { attnMask: tensor([[[[true]]]]) }),
    /attnMask of shape \[1, 1, 1, 1\] cannot be broadcast to the scores/,
  );
  assert.throws(
    () => F.scaledDotProductAttention(q, leaf([2, 5, 3], 4), v),
    /scaledDotProductAttention: q \[2, 3, 4\] and k \[2, 5, 3\] differ in their last dim \(4 vs 3\)/,
  );
  assert.throws(
    () => F.scaledDotProductAttention(q, k, leaf([2, 4, 6], 5)),
    /scaledDotProductAttention: k \[2, 5, 4\] and v \[2, 4, 6\] differ in sequence length \(5 vs 4\)/,
  );
  assert.throws(
    () => F.scaledDotProductAttention(q, k, v.to('float32')),
    /scaledDotProductAttention: dtype mismatch: q is float64 \[2, 3, 4\] but v is float32 \[2, 5, 6\]/,
  );
  assert.throws(
    () => F.scaledDotProductAttention(q, k, v, { dropoutP: '0.1' as unknown as number }),
    /^EngineError: scaledDotProductAttention: dropoutP must be a number, got the string "0.1"/,
  );
  assert.throws(
    () => F.scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: [[true]] }),
    /pass either attnMask or isCausal, not both/,
  );
});

test('dropout: inverted scaling, identity in evaluation, reproducible from the rng, gradient = mask', () => {
  const x = tensor(new Float64Array(10000).fill(1)).requiresGrad_();
  const y = F.dropout(x, { p: 0.25, training: true, rng: new Rng(3) });
  const kept = Array.from(y.data).filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-15));
  assert.ok(Math.abs(kept.length / 10000 - 0.75) < 0.02, `kept fraction ${kept.length / 10000}`);
  assert.deepEqual(F.dropout(x, { p: 0.25, training: true, rng: new Rng(3) }).data, y.data);
  y.sum().backward();
  assert.deepEqual(x.grad!.data, y.data);
  assert.equal(F.dropout(x, { p: 0.5, training: false }), x);
  assert.ok(F.dropout(x, { p: 1, training: true, rng: new Rng(1) }).data.every((v) => v === 0));
  assertGradOk('dropout', (x) => F.dropout(x, { p: 0.4, training: true, rng: new Rng(9) }), [leaf([3, 4], 1)]);
  manualSeed(3);
  assert.deepEqual(F.dropout(x, { p: 0.25, training: true }).data, y.data, 'without an rng the mask comes from the default generator');
  assert.throws(
    () => F.dropout(x, { p: 0.5, training: true, rng: 3 as unknown as Rng }),
    /^EngineError: dropout: rng must be an Rng \(new Rng\(seed\)\), got 3/,
  );
  assert.throws(() => F.dropout(x, { p: 1.5, training: true, rng: new Rng(1) }), /dropout: p must be a probability in \[0, 1\], got 1.5/);
});

test('embedding: rows by id, scatter-add backward, errors for bad ids', () => {
  const table = tensor(
    [
      [0, 1],
      [10, 11],
      [20, 21],
    ],
    { requiresGrad: true },
  );
  const y = F.embedding(
    [
      [2, 0],
      [2, 2],
    ],
    table,
  );
  assert.deepEqual(y.toArray(), [
    [
      [20, 21],
      [0, 1],
    ],
    [
      [20, 21],
      [20, 21],
    ],
  ]);
  y.backward(
    tensor([
      [
        [1, 1],
        [2, 2],
      ],
      [
        [3, 3],
        [4, 4],
      ],
    ]),
  );
  assert.deepEqual(table.grad!.toArray(), [
    [2, 2],
    [0, 0],
    [8, 8],
  ]);
  assertGradOk('embedding', (t) => F.embedding(tensor([1, 3, 1, 0]), t), [leaf([4, 3], 1)]);
  assert.throws(
    () => F.embedding([0, 3], table),
    /^EngineError: embedding: id 3 at flat position 1 of ids \[2\] is out of range for a table of shape \[3, 2\]/,
  );
  assert.throws(() => F.embedding([0], tensor([1, 2])), /embedding: table must be \[numEmbeddings, dim\], got shape \[2\]/);
});

test('patchify: ViT sizes, (row, column, channel) order inside a patch, backward', () => {
  assert.deepEqual(F.patchify(tensor(new Float64Array(3 * 224 * 224)).reshape([1, 3, 224, 224]), 16).shape, [1, 196, 768]);
  // 1 image, 2 channels, 4x4, patch 2: channel 0 holds 0..15, channel 1 holds 100..115
  const img = tensor([
    [
      Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => r * 4 + c)),
      Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => 100 + r * 4 + c)),
    ],
  ]);
  const p = F.patchify(img, 2);
  assert.deepEqual(p.shape, [1, 4, 8]);
  assert.deepEqual((p.toArray() as number[][][])[0][0], [0, 100, 1, 101, 4, 104, 5, 105]); // top-left patch
  assert.deepEqual((p.toArray() as number[][][])[0][1], [2, 102, 3, 103, 6, 106, 7, 107]); // top-right patch
  assert.deepEqual((p.toArray() as number[][][])[0][2][0], 8); // bottom-left patch starts at row 2
  assertGradOk('patchify', (x) => F.patchify(x, 2), [leaf([2, 3, 4, 6], 1)]);
  assert.throws(
    () => F.patchify(leaf([1, 3, 6, 5], 1), 2),
    /^EngineError: patchify: image size 6x5 \(shape \[1, 3, 6, 5\]\) is not divisible by patchSize 2/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, rand, randn, tensor, type Tensor } from '../../src/engine';
import { checkTarget } from '../../src/gradcheck';
import type { CheckTarget } from '../../src/gradcheck/types';
import { adaptLayerDefinition, adaptLossFunction, adaptPair, ContractError, toFlat } from '../../src/layers/adapt';
import { isLayerDefinition, layer } from '../../src/layers/contract';
import { parseGradcheckTag } from '../../src/layers/tag';
import { tagValues } from '../../src/layers/tagValues';

const square = layer({
  inputs: { x: [2, 3] },
  forward: ({ x }) => x.square(),
  backward: ({ x }, dout) => ({ x: x.mul(2).mul(dout) }),
});

test('layer() records a definition; the name defaults to the export name', () => {
  assert.ok(isLayerDefinition(square));
  const target = adaptLayerDefinition(square, 'square');
  assert.equal(target.name, 'square');
  assert.deepEqual(target.inputNames, ['x']);
  assert.deepEqual(target.inputs[0].shape, [2, 3]);
  assert.equal(checkTarget(target, { mode: 'full' }).passed, true);
});

test('layer() never throws: a malformed definition carries its problem to the check', () => {
  const bad = layer({ inputs: {}, forward: () => 0, backward: () => ({}) });
  assert.match(bad.problem ?? '', /inputs is empty/);
  assert.throws(() => adaptLayerDefinition(bad, 'bad'), ContractError);
  const noBackward = layer({ inputs: { x: [1] }, forward: ({ x }: { x: Tensor }) => x } as never);
  assert.match(noBackward.problem ?? '', /backward must be a function/);
  const badTol = layer({ inputs: { x: [1] }, forward: ({ x }) => x, backward: (_i, d) => ({ x: d }), tolerance: { atoll: 1 } as never });
  assert.match(badTol.problem ?? '', /unknown tolerance field 'atoll'/);
});

test('inputs: shapes are seeded normals; tensors, nested arrays and generators are taken as given', () => {
  const def = layer({
    inputs: {
      a: [3],
      b: tensor([1.5, 2.5]),
      c: [
        [0.5, 1],
        [2, 3],
      ],
      d: (rng: Rng) => rand([2], { rng }),
      e: [0.25, 0.75],
    },
    forward: ({ a, b, c, d, e }) => a.sum().add(b.sum()).add(c.sum()).add(d.sum()).add(e.sum()),
    backward: ({ a, b, c, d, e }, dout) => ({
      a: a.mul(0).add(dout),
      b: b.mul(0).add(dout),
      c: c.mul(0).add(dout),
      d: d.mul(0).add(dout),
      e: e.mul(0).add(dout),
    }),
  });
  const t1 = adaptLayerDefinition(def, 'many', { seed: 7 });
  const t2 = adaptLayerDefinition(def, 'many', { seed: 7 });
  const t3 = adaptLayerDefinition(def, 'many', { seed: 8 });
  assert.deepEqual(
    t1.inputs.map((i) => i.shape),
    [[3], [2], [2, 2], [2], [2]],
  );
  assert.deepEqual([...t1.inputs[1].data], [1.5, 2.5]);
  assert.deepEqual([...t1.inputs[2].data], [0.5, 1, 2, 3]);
  assert.deepEqual([...t1.inputs[4].data], [0.25, 0.75], 'non-integer flat arrays are data, not shapes');
  assert.deepEqual([...t1.inputs[0].data], [...t2.inputs[0].data], 'same seed, same inputs');
  assert.notDeepEqual([...t1.inputs[0].data], [...t3.inputs[0].data]);
  assert.equal(checkTarget(t1, { mode: 'full' }).passed, true);
  assert.throws(
    () => adaptLayerDefinition(layer({ inputs: { x: 'big' as never }, forward: ({ x }) => x, backward: (_i, d) => ({ x: d }) }), 'x'),
    /input 'x' must be a shape like \[4, 5\]/,
  );
});

test('ctx.rng is reset before every call, so a dropout layer is deterministic and passes', () => {
  const drop = layer({
    inputs: { x: [3, 4] },
    forward: ({ x }, ctx) => {
      const mask = rand(x.shape, { rng: ctx.rng }).ge(0.5).to('float64').mul(2);
      return { out: x.mul(mask), cache: mask };
    },
    // Regenerating the mask in backward works too: ctx.rng restarts there as well.
    backward: (_i, dout, _mask, ctx) => ({ x: dout.mul(rand([3, 4], { rng: ctx.rng }).ge(0.5).to('float64').mul(2)) }),
  });
  const report = checkTarget(adaptLayerDefinition(drop, 'drop'), { mode: 'full' });
  assert.equal(report.nondeterminism, undefined);
  assert.equal(report.passed, true);
});

test('backward results: unknown keys, a missing gradient (not checked), ragged arrays', () => {
  const two = (backward: (i: { x: Tensor; y: Tensor }, d: Tensor) => unknown) =>
    adaptLayerDefinition(layer({ inputs: { x: [2], y: [2] }, forward: ({ x, y }) => x.mul(y), backward: backward as never }), 'two');
  const extra = checkTarget(
    two((i, d) => ({ x: d.mul(i.y), y: d.mul(i.x), z: d })),
    { mode: 'full' },
  );
  assert.match(extra.error ?? '', /returned a gradient for 'z', which is not an input; inputs are \(x, y\)/);
  const partial = checkTarget(
    two((i, d) => ({ x: d.mul(i.y) })),
    { mode: 'full' },
  );
  assert.deepEqual(
    partial.inputs.map((r) => r.status),
    ['passed', 'not-checked'],
  );
  const ragged = checkTarget(
    two(() => ({ x: [[1, 2], [3]], y: [0, 0] })),
    { mode: 'full' },
  );
  assert.match(ragged.error ?? '', /gradient for 'x' is not rectangular: \[1\] is an array of length 1, expected an array of length 2/);
  const notObject = checkTarget(
    two(() => 'grads'),
    { mode: 'full' },
  );
  assert.match(notObject.error ?? '', /must return the gradients as an object keyed by input name/);
});

test('pairs: nested arrays in; [out, cache] or { out, cache }; typed-array outputs; gradients as an array or by name', () => {
  const mk = (forward: (...a: unknown[]) => unknown, backward: (d: unknown, c: unknown) => unknown) =>
    adaptPair({
      name: 'p',
      forward,
      backward,
      forwardName: 'pForward',
      backwardName: 'pBackward',
      inputNames: ['a', 'b'],
      inputShapes: [[2, 2], [2]],
    });
  const asArray = mk(
    (a, b) => [(a as number[][]).map((row) => row.map((v, j) => v * (b as number[])[j])), { a, b }],
    (d, c) => {
      const { a, b } = c as { a: number[][]; b: number[] };
      const dd = d as number[][];
      return [dd.map((row) => row.map((v, j) => v * b[j])), b.map((_, j) => dd[0][j] * a[0][j] + dd[1][j] * a[1][j])];
    },
  );
  assert.equal(checkTarget(asArray, { mode: 'full' }).passed, true);
  const typed = mk(
    (a, b) => ({ out: Float64Array.from((a as number[][]).flat().map((v, k) => v * (b as number[])[k % 2])), cache: { a, b } }),
    (d, c) => {
      assert.ok(d instanceof Float64Array, 'a typed-array output gets a typed-array upstream gradient');
      const { a, b } = c as { a: number[][]; b: number[] };
      const dd = d as Float64Array;
      return {
        a: Float64Array.from(dd.map((v, k) => v * b[k % 2])),
        b: [dd[0] * a[0][0] + dd[2] * a[1][0], dd[1] * a[0][1] + dd[3] * a[1][1]],
      };
    },
  );
  assert.equal(checkTarget(typed, { mode: 'full' }).passed, true);
  const noTuple = mk(
    (a) => (a as number[][])[0][0],
    () => [],
  );
  assert.match(checkTarget(noTuple, { mode: 'full' }).error ?? '', /pForward must return \[out, cache\] or \{ out, cache \}; got number /);
});

test('a single-input pair may return its gradient bare or in a one-element array', () => {
  const relu = (backward: (d: number[], x: number[]) => unknown) =>
    adaptPair({
      name: 'relu',
      forward: (x) => [(x as number[][]).map((r) => r.map((v) => Math.max(0, v))), x],
      backward: backward as never,
      forwardName: 'reluForward',
      backwardName: 'reluBackward',
      inputNames: ['x'],
      inputShapes: [[1, 4]],
    });
  const bare = (d: unknown, x: unknown) => (d as number[][]).map((r, i) => r.map((v, j) => ((x as number[][])[i][j] > 0 ? v : 0)));
  assert.equal(checkTarget(relu(bare as never), { mode: 'full' }).passed, true);
  assert.equal(checkTarget(relu(((d: unknown, x: unknown) => [bare(d, x)]) as never), { mode: 'full' }).passed, true);
});

test('toFlat names what is wrong and where', () => {
  assert.throws(
    () =>
      toFlat(
        [
          [1, 2],
          [3, null],
        ],
        'g',
      ),
    /g has null at \[1\]\[1\] where a number belongs/,
  );
  assert.throws(
    () => toFlat({ a: 1 }, 'g'),
    /g must be a tensor, a number, nested arrays of numbers or a Float64Array; got an object with keys \{a\}/,
  );
  assert.throws(() => toFlat(tensor([true, false]), 'g'), /bool tensor/);
  assert.deepEqual(toFlat(3, 'g'), { data: Float64Array.of(3), shape: [] });
  assert.deepEqual(toFlat(new Float32Array([1, 2, 3, 4]), 'g', [2, 2]).shape, [2, 2]);
});

test("layer(): forward gets the checker's own arrays, so one that writes into its inputs is caught", () => {
  const scribbler = layer({
    inputs: { x: [2, 2] },
    forward: ({ x }) => {
      const out = x.square();
      x.data[3] = 0;
      return out;
    },
    backward: ({ x }, dout) => ({ x: x.mul(2).mul(dout) }),
  });
  assert.match(
    checkTarget(adaptLayerDefinition(scribbler, 'scribbler'), { mode: 'full' }).error ?? '',
    /forward changed its input x in place \(at \[1,1\]\)/,
  );
  // Returning an input as the output is fine: the checker gets a copy, not its own array back.
  const identity = layer({ inputs: { x: [3] }, forward: ({ x }) => x, backward: (_i, dout) => ({ x: dout }) });
  assert.equal(checkTarget(adaptLayerDefinition(identity, 'identity'), { mode: 'full' }).passed, true);
});

test('pairs: the nested inputs are reused between calls, yet whatever forward does to them does not leak into the next call', () => {
  const scale = (mess: (x: number[][]) => void) =>
    adaptPair({
      name: 'scale',
      forward: (x) => {
        const rows = x as number[][];
        const out = rows.map((r) => r.map((v) => 3 * v * v));
        mess(rows);
        return [out, null];
      },
      backward: () => null, // only forward is called here
      forwardName: 'scaleForward',
      backwardName: 'scaleBackward',
      inputNames: ['x'],
      inputShapes: [[2, 3]],
    });
  const messes: Record<string, (x: number[][]) => void> = {
    'overwrites values': (x) => x.forEach((r) => r.fill(7)),
    'replaces a row': (x) => {
      x[0] = [1, 2, 3];
    },
    'shortens a row': (x) => {
      x[1].pop();
    },
    'freezes the arrays': (x) => {
      x.forEach((r) => Object.freeze(r));
      Object.freeze(x);
    },
  };
  for (const [what, mess] of Object.entries(messes)) {
    const target = scale(mess);
    const seen: number[][] = [];
    const probe = {
      ...target,
      forward: (inputs: Parameters<typeof target.forward>[0]) => {
        const result = target.forward(inputs);
        seen.push(Array.from(result.out.data));
        return result;
      },
    };
    const x = Float64Array.from(target.inputs[0].data);
    // Each call must see exactly the values it was given, whatever the previous call did.
    for (let call = 0; call < 3; call++) {
      const input = Float64Array.from(x);
      input[call] += 0.5;
      probe.forward([{ data: input, shape: [2, 3] }]);
      assert.deepEqual(
        seen[call],
        Array.from(input, (v) => 3 * v * v),
        `${what}, call ${call}`,
      );
    }
  }
});

const argsOf = (tag: string) => parseGradcheckTag(`@gradcheck ${tag}`)!.args;

test('pairs: a tag of inputs alone gives the same values as before tags had labels and constants', () => {
  const shapes = [[4, 5], [5, 3], [3]];
  const base = new Rng(11);
  const before = shapes.map((shape) => Array.from(randn(shape, { rng: base.fork(), dtype: 'float64' }).data as Float64Array));
  const noop = { name: 'a', forward: () => [0, null], backward: () => [], forwardName: 'aForward', backwardName: 'aBackward' };
  const byShapes = adaptPair({ ...noop, inputNames: ['x', 'w', 'b'], inputShapes: shapes }, { seed: 11 });
  const byArgs = adaptPair({ ...noop, args: argsOf('x:[4,5] w:[5,3] b:[3]') }, { seed: 11 });
  assert.deepEqual(
    byShapes.inputs.map((t) => Array.from(t.data)),
    before,
  );
  assert.deepEqual(
    byArgs.inputs.map((t) => Array.from(t.data)),
    before,
  );
  // A constant draws nothing, so adding one leaves every input as it was.
  const withConst = adaptPair({ ...noop, args: argsOf('x:[4,5] p={"k": 1} w:[5,3] b:[3]') }, { seed: 11 });
  assert.deepEqual(
    withConst.inputs.map((t) => Array.from(t.data)),
    before,
  );
});

test('pairs: every tag arg is passed in order; labels are integers, constants fresh copies, neither is checked', () => {
  const calls: unknown[][] = [];
  const args = argsOf('x:[3,4] y:int[3]<4 opts={"scale": 2, "deep": {"k": [1]}} bias=0.5');
  const target = adaptPair(
    {
      name: 'pick',
      forwardName: 'pickForward',
      backwardName: 'pickBackward',
      args,
      forward: (...a) => {
        calls.push(structuredClone(a));
        const [x, y, opts, bias] = a as [number[][], number[], { scale: number; deep: { k: number[] } }, number];
        const out = x.map((row, i) => opts.scale * row[y[i]] + bias);
        const cache = { y: y.slice(), scale: opts.scale };
        // Scribbling on the labels and the dict must not reach the next call.
        y[0] = 99;
        opts.scale = 100;
        opts.deep.k.push(2);
        return [out, cache];
      },
      backward: (dout, cache) => {
        const { y, scale } = cache as { y: number[]; scale: number };
        const d = dout as number[];
        return [y.map((label, i) => [0, 1, 2, 3].map((j) => (j === label ? scale * d[i] : 0)))];
      },
    },
    { seed: 3 },
  );
  assert.deepEqual(target.inputNames, ['x']);
  const report = checkTarget(target, { mode: 'full' });
  assert.equal(report.passed, true, report.error);
  const [first] = calls;
  const labels = tagValues(args, 3)[1].value as { data: Int32Array };
  assert.deepEqual(first[1], Array.from(labels.data));
  assert.ok((first[1] as number[]).every((v) => Number.isInteger(v) && v >= 0 && v < 4));
  for (const call of calls) {
    assert.deepEqual(call.slice(1), [first[1], { scale: 2, deep: { k: [1] } }, 0.5]);
  }
});

test('pairs: a gradient for a label or a constant names what it is', () => {
  const target = adaptPair({
    name: 'p',
    forwardName: 'pForward',
    backwardName: 'pBackward',
    args: argsOf('x:[2] y:int[2]<3 cfg={}'),
    forward: (x) => [x, null],
    backward: (d) => ({ x: d, cfg: 0 }),
  });
  assert.match(
    checkTarget(target, { mode: 'full' }).error ?? '',
    /pBackward returned a gradient for 'cfg' \(a constant, passed but not checked\), which is not a checked input; checked inputs are \(x\)/,
  );
});

/** Softmax cross-entropy over nested arrays, averaged over the batch. */
function softmaxLoss(x: number[][], y: number[]): [number, number[][]] {
  let loss = 0;
  const dx = x.map((row, i) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    loss -= Math.log(e[y[i]] / sum);
    return e.map((v, j) => (v / sum - (j === y[i] ? 1 : 0)) / x.length);
  });
  return [loss / x.length, dx];
}

test('loss functions: a scalar output; grads bare, in an array in tag order, or by name; scaled by the upstream gradient', () => {
  const softmax = adaptLossFunction({ name: 'softmaxLoss', fn: softmaxLoss as never, args: argsOf('x:[4,3] y:int[4]<3') }, { seed: 5 });
  assert.deepEqual(softmax.inputNames, ['x']);
  assert.deepEqual(softmax.forward(softmax.inputs).out.shape, []);
  const dout = { data: Float64Array.of(-2.5), shape: [] };
  const x = softmax.inputs[0];
  const y = Array.from((tagValues(argsOf('x:[4,3] y:int[4]<3'), 5)[1].value as { data: Int32Array }).data);
  const { cache } = softmax.forward(softmax.inputs);
  const grads = softmax.backward(softmax.inputs, dout, cache);
  const expected = softmaxLoss(
    [0, 1, 2, 3].map((i) => Array.from(x.data.slice(3 * i, 3 * i + 3))),
    y,
  )[1]
    .flat()
    .map((v) => -2.5 * v);
  assert.deepEqual(Array.from(grads[0]!.data), expected);
  assert.equal(checkTarget(softmax, { mode: 'full' }).passed, true);

  // sum(x * w) + reg * sum(w^2), with its gradients as an array and as an object.
  const dot = (x: number[], w: number[], reg: number) => x.reduce((s, v, i) => s + v * w[i], 0) + reg * w.reduce((s, v) => s + v * v, 0);
  const asArray = adaptLossFunction({
    name: 'dotLoss',
    fn: ((x: number[], w: number[], reg: number) => [dot(x, w, reg), [w, w.map((v, i) => x[i] + 2 * reg * v)]]) as never,
    args: argsOf('x:[3] w:[3] reg=0.25'),
  });
  assert.equal(checkTarget(asArray, { mode: 'full' }).passed, true);
  const asObject = adaptLossFunction({
    name: 'dotLoss',
    fn: ((x: number[], w: number[], reg: number) => ({
      loss: dot(x, w, reg),
      grads: { w: w.map((v, i) => x[i] + 2 * reg * v), x: w },
    })) as never,
    args: argsOf('x:[3] w:[3] reg=0.25'),
  });
  assert.equal(checkTarget(asObject, { mode: 'fast' }).passed, true);
  const tensorLoss = adaptLossFunction({
    name: 'sq',
    fn: ((x: number[]) => [tensor([x.reduce((s, v) => s + v * v, 0)]), x.map((v) => 2 * v)]) as never,
    args: argsOf('x:[4]'),
  });
  assert.equal(checkTarget(tensorLoss, { mode: 'full' }).passed, true, 'a one-element tensor is a loss too');
});

test('loss functions: a wrong gradient fails with a diagnosis', () => {
  const forgetsMean = (x: number[][], y: number[]) => {
    const [loss, dx] = softmaxLoss(x, y);
    return [loss, dx.map((row) => row.map((v) => v * x.length))];
  };
  const report = checkTarget(adaptLossFunction({ name: 'softmaxLoss', fn: forgetsMean as never, args: argsOf('x:[4,3] y:int[4]<3') }), {
    mode: 'full',
  });
  assert.equal(report.passed, false);
  assert.match(report.inputs[0].diagnosis ?? '', /factor of exactly 4x/);
});

test('loss functions: what is wrong with the return value names the function, the input and what was expected', () => {
  const errorOf = (fn: (...a: never[]) => unknown, tag = 'x:[2] w:[2] y:int[2]<3') =>
    checkTarget(adaptLossFunction({ name: 'myLoss', fn: fn as never, args: argsOf(tag) }), { mode: 'full' }).error ?? '';
  assert.match(
    errorOf(() => 3),
    /myLoss must return \[loss, grads\] or \{ loss, grads \}, grads being .*; got number 3/,
  );
  assert.match(
    errorOf((x: number[], w: number[]) => [0, x, w]),
    /got an array of length 3 \(put the gradients in one array: \[loss, \[dx, dw\]\]\)/,
  );
  assert.match(
    errorOf(() => ['0.5', []]),
    /myLoss's loss \(the first thing it returns\) must be a number; got the string "0.5"/,
  );
  assert.match(
    errorOf(() => [NaN, []]),
    /myLoss returned a loss of NaN/,
  );
  assert.match(
    errorOf(() => ({ loss: 1 })),
    /myLoss returned its loss but no gradients; return \[loss, grads\]/,
  );
  assert.match(
    errorOf((x: number[]) => [0, [x]]),
    /myLoss returned 1 gradient, expected 2, one per input in order \(x, w\)/,
  );
  assert.match(
    errorOf((x: number[]) => [0, [x, null]]),
    /myLoss returned no gradient for 'w'; expected one for each checked input \(x, w\), of the input's shape \[2\]/,
  );
  assert.match(
    errorOf((x: number[]) => [0, { x }]),
    /myLoss returned no gradient for 'w'/,
  );
  assert.match(
    errorOf((x: number[], w: number[]) => [0, { x, dw: w }]),
    /myLoss returned a gradient for 'dw', which is not a checked input; checked inputs are \(x, w\)/,
  );
  const wrongShape = checkTarget(
    adaptLossFunction({ name: 'myLoss', fn: ((x: number[]) => [0, [x, [1, 2, 3]]]) as never, args: argsOf('x:[2] w:[2]') }),
    { mode: 'full' },
  );
  assert.equal(wrongShape.inputs[1].status, 'failed');
  assert.match(wrongShape.inputs[1].diagnosis ?? '', /\[3\].*\[2\]|\[2\].*\[3\]/);
  assert.match(
    errorOf(() => [0, 'grads'], 'x:[2]'),
    /myLoss must return the gradients as an object keyed by input name or an array in input order \(x\); got the string "grads"/,
  );
  assert.throws(
    () => adaptLossFunction({ name: 'myLoss', fn: () => 0, args: argsOf('y:int[2]<3') }),
    /myLoss must name at least one checked input/,
  );
});

test('tag values: a loss and a pair with the same tag and seed see the same inputs as tagValues gives any language', () => {
  const args = argsOf('a:[3,2] y:int[3]<2 p={"x": 1} b:[2]');
  const expected = tagValues(args, 9)
    .filter((v) => v.kind === 'tensor')
    .map((v) => Array.from((v.value as { data: Float64Array }).data));
  const targets: CheckTarget[] = [
    adaptLossFunction({ name: 'l', fn: () => [0, []], args }, { seed: 9 }),
    adaptPair(
      { name: 'p', forwardName: 'pForward', backwardName: 'pBackward', forward: () => [0, null], backward: () => [], args },
      { seed: 9 },
    ),
  ];
  for (const t of targets)
    assert.deepEqual(
      t.inputs.map((i) => Array.from(i.data)),
      expected,
    );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverCandidates, discoverLayers } from '../../src/layers/javascript/discover';
import { parseGradcheckTag } from '../../src/layers/tag';

const pairSource = `// A course-style affine layer.
import { helper } from './helper';

/**
 * Affine forward.
 * @gradcheck x:[4,5] w:[5,3] b:[3]
 */
export function affineForward(x, w, b) {
  const out = x.map((row) => row.map(() => 0)); // "Backward" in a string: ignored
  return [out, { x, w, b }];
}

export function affineBackward(dout, cache) {
  const { x, w } = cache;
  return [dx(dout, w), dw(x, dout), db(dout)];
}

/** @gradcheck x:[3] */
export const reluForward = (x) => [x.map((v) => Math.max(0, v)), x];
export const reluBackward = (dout, x) =>
  dout.map((d, i) => (x[i] > 0 ? d : 0));

// No tag: not a checkable layer.
export function sigmoidForward(x) { return [x, x]; }
`;

test('pair convention: names, inputs, shapes and line ranges from the @gradcheck tag', () => {
  const layers = discoverLayers(pairSource);
  assert.deepEqual(
    layers.map((l) => [l.name, l.convention, l.exportName, l.line, l.endLine, l.backwardLine]),
    [
      ['affine', 'pair', 'affineForward', 7, 15, 12],
      ['relu', 'pair', 'reluForward', 18, 20, 19],
    ],
  );
  assert.deepEqual(layers[0].inputNames, ['x', 'w', 'b']);
  assert.deepEqual(layers[0].inputShapes, [[4, 5], [5, 3], [3]]);
  assert.deepEqual(layers[1].inputShapes, [[3]]);
  assert.equal(layers[0].problem, undefined);
});

const layerSource = `import { layer, F } from 'gradlens';

export const affine = layer({
  name: 'affine layer',
  inputs: { x: [4, 5], 'w': [5, 3], b: (rng) => [1, 2, 3] },
  forward: ({ x, w, b }, ctx) => x.matmul(w).add(b),
  backward({ x, w }, dout) {
    return { x: dout.matmul(w.T), w: x.T.matmul(dout), b: dout.sum(0) };
  },
});

const text = "export const fake = layer({ inputs: {} })";
/* export const commented = layer({ inputs: { x: [1] } }) */
const re = /layer\\(/g;

export const softmax = gradlens.layer({
  inputs: { logits: [2, 3] },
  forward: ({ logits }) => logits,
  backward: (_i, dout) => ({ logits: dout }),
});
export default layer({ inputs: { z: [2] }, forward: ({ z }) => z, backward: (_i, d) => ({ z: d }) });
`;

test('layer() convention: export name, name literal, input keys, backward line; strings and comments ignored', () => {
  const layers = discoverLayers(layerSource);
  assert.deepEqual(
    layers.map((l) => [l.name, l.exportName, l.line, l.endLine, l.backwardLine, l.inputNames]),
    [
      ['affine layer', 'affine', 2, 9, 6, ['x', 'w', 'b']],
      ['softmax', 'softmax', 15, 19, 18, ['logits']],
      ['default', 'default', 20, 20, 20, ['z']],
    ],
  );
  assert.ok(layers.every((l) => l.convention === 'layer'));
});

test('template literals with interpolations do not hide or invent layers', () => {
  const src =
    'const s = `a ${ {b: 1}.b } layer({ ${"x"} `;\nexport const t = layer({ inputs: { q: [1] }, forward: (i) => i.q, backward: (i, d) => ({ q: d }) });\n';
  const layers = discoverLayers(src);
  assert.deepEqual(
    layers.map((l) => [l.name, l.line, l.inputNames]),
    [['t', 1, ['q']]],
  );
});

test('a malformed tag is found and explained, not dropped', () => {
  const layers = discoverLayers('/** @gradcheck x:[4,a] */\nexport function fooForward(x) { return [x, x]; }\n');
  assert.equal(layers.length, 1);
  assert.match(layers[0].problem ?? '', /shape of 'x' must be whole numbers/);
  assert.equal(layers[0].backwardLine, undefined);
});

test('tags: tolerances, scalars, multi-line doc comments, // comments', () => {
  assert.deepEqual(parseGradcheckTag('/** @gradcheck s:[] v:[2, 3] atol=1e-4 eps=1e-5 */'), {
    args: [
      { kind: 'tensor', name: 's', shape: [] },
      { kind: 'tensor', name: 'v', shape: [2, 3] },
    ],
    inputNames: ['s', 'v'],
    inputShapes: [[], [2, 3]],
    tolerance: { atol: 1e-4, eps: 1e-5 },
  });
  const multi = discoverLayers(
    '/**\n * Doc.\n * @gradcheck x:[2]\n *   y:[2]\n * @returns [out, cache]\n */\nfunction addForward(x, y) { return [x, 0]; }\n',
  );
  assert.deepEqual(multi[0].inputNames, ['x', 'y']);
  const lineComments = discoverLayers('// Adds.\n// @gradcheck a:[1]\nexport function incForward(a) { return [a, 0]; }\n');
  assert.deepEqual(
    lineComments.map((l) => l.name),
    ['inc'],
  );
  assert.match(parseGradcheckTag('/** @gradcheck */')?.problem ?? '', /names no inputs/);
  assert.match(parseGradcheckTag('/** @gradcheck x:[2] is the input */')?.problem ?? '', /could not read 'is'/);
});

test('a comment separated from the function by code does not tag it', () => {
  const src = '/** @gradcheck x:[2] */\nconst unrelated = 1;\nexport function fooForward(x) { return [x, x]; }\n';
  assert.deepEqual(discoverLayers(src), []);
});

test('finds every layer of a large file', () => {
  let big = layerSource.repeat(400);
  for (let i = 0; i < 400; i++) big += pairSource.replace(/affine/g, `affine${i}`).replace(/relu/g, `relu${i}`);
  const layers = discoverLayers(big);
  assert.equal(layers.length, 400 * 3 + 400 * 2);
});

test('tag grammar through discovery: labels, JSON constants with spaces, tolerances, in tag order', () => {
  const src = [
    '/**',
    ' * @gradcheck x:[2,3,5,5] w:[4,3,3,3] b:[4]',
    ' *   conv_param={"stride": 2, "pad": 1} atol=1e-4',
    ' */',
    'export function convForwardNaive(x, w, b, conv_param) { return [x, null]; }',
    'export function convBackwardNaive(dout, cache) { return [dout, dout, dout]; }',
    '// @gradcheck scores:[5, 10] y:int[5]<10 reg=0.5 names=["a b", "c"]',
    'export function svmLoss(scores, y, reg, names) { return [0, scores]; }',
  ].join('\n');
  const [conv, svm] = discoverLayers(src);
  assert.deepEqual(
    {
      name: conv.name,
      convention: conv.convention,
      exportName: conv.exportName,
      backwardName: conv.backwardName,
      line: conv.line,
      backwardLine: conv.backwardLine,
      endLine: conv.endLine,
    },
    {
      name: 'convNaive',
      convention: 'pair',
      exportName: 'convForwardNaive',
      backwardName: 'convBackwardNaive',
      line: 4,
      backwardLine: 5,
      endLine: 5,
    },
  );
  assert.deepEqual(conv.args, [
    { kind: 'tensor', name: 'x', shape: [2, 3, 5, 5] },
    { kind: 'tensor', name: 'w', shape: [4, 3, 3, 3] },
    { kind: 'tensor', name: 'b', shape: [4] },
    { kind: 'const', name: 'conv_param', value: { stride: 2, pad: 1 } },
  ]);
  assert.deepEqual(conv.inputNames, ['x', 'w', 'b']);
  assert.deepEqual(conv.tolerance, { atol: 1e-4 });
  assert.equal(conv.problem, undefined);
  assert.equal(conv.language, undefined);
  assert.deepEqual(
    {
      name: svm.name,
      convention: svm.convention,
      exportName: svm.exportName,
      line: svm.line,
      endLine: svm.endLine,
      inputNames: svm.inputNames,
    },
    { name: 'svmLoss', convention: 'loss', exportName: 'svmLoss', line: 7, endLine: 7, inputNames: ['scores'] },
  );
  assert.deepEqual(svm.args, [
    { kind: 'tensor', name: 'scores', shape: [5, 10] },
    { kind: 'int', name: 'y', shape: [5], high: 10 },
    { kind: 'const', name: 'reg', value: 0.5 },
    { kind: 'const', name: 'names', value: ['a b', 'c'] },
  ]);
});

test('malformed tags are explained on the layer: labels without a bound, bad JSON, nothing to check', () => {
  const problemOf = (tag: string, fn = 'export function lossFn(x, y) { return [0, x]; }') =>
    discoverLayers(`/** @gradcheck ${tag} */\n${fn}\n`)[0]?.problem ?? '';
  assert.match(problemOf('x:[3] y:int[3]'), /the labels 'y' need a bound, like y:int\[3\]<10/);
  assert.match(problemOf('x:[3] p={stride: 2}'), /the constant 'p' must be JSON/);
  assert.match(problemOf('y:int[3]<4'), /names no checked input/);
  assert.match(problemOf('x:[3] atol=-1'), /atol must be a non-negative number/);
  assert.match(problemOf('x:[3] x:[2]'), /'x' is named twice/);
});

test('pair names: xxxForwardYyy pairs with xxxBackwardYyy; a tag above the backward is explained', () => {
  const src = [
    '/** @gradcheck x:[2,3] */',
    'export const reluForwardFast = (x) => [x, x];',
    'export const reluBackwardFast = (dout, x) => dout;',
    '/** @gradcheck x:[4] */',
    'export function Forwards(x) { return [0, x]; }',
    'export function sigmoidForward(x) { return [x, x]; }',
    '/** @gradcheck x:[4] */',
    'export function sigmoidBackward(dout, cache) { return dout; }',
  ].join('\n');
  const layers = discoverLayers(src);
  assert.deepEqual(
    layers.map((l) => [l.name, l.convention, l.exportName, l.backwardName, l.line, l.backwardLine]),
    [
      ['reluFast', 'pair', 'reluForwardFast', 'reluBackwardFast', 1, 2],
      ['Forwards', 'loss', 'Forwards', undefined, 4, undefined],
      ['sigmoid', 'pair', 'sigmoidForward', 'sigmoidBackward', 5, 7],
    ],
  );
  assert.match(layers[2].problem ?? '', /the @gradcheck tag of a pair goes above its forward, sigmoidForward, not above sigmoidBackward/);
});

test('a loss function exported as the default is found under that export', () => {
  const layers = discoverLayers('/** @gradcheck x:[3] */\nexport default function hingeLoss(x) { return [0, x]; }\n');
  assert.deepEqual(
    layers.map((l) => [l.name, l.convention, l.exportName, l.line]),
    [['hingeLoss', 'loss', 'default', 1]],
  );
});

test('candidates: untagged pairs and loss-shaped functions, with the parameters guessed', () => {
  const src = [
    "import { layer } from 'gradlens';",
    '',
    '/** Forward pass of a conv layer. */',
    'export function convForwardNaive(x, w, b, convParam) {',
    '  function innerLoss(a) { return [a, a]; }',
    '  return [x, null];',
    '}',
    'export function convBackwardNaive(dout, cache) { return [dout]; }',
    'export function softmaxLoss(x: number[][], y: number[]) { return [0, x]; }',
    '  export const svm = (scores, labels, reg = 1e-3, mode: string) => {',
    '    let loss = 0;',
    '    return [loss, scores];',
    '  };',
    'export function dropoutForward(x, dropout_param, { seed }) { return [x, null]; }',
    'export function dropoutBackward(dout, cache) { return dout; }',
    '/** @gradcheck x:[3] */',
    'export function tanhForward(x) { return [x, x]; }',
    'export function tanhBackward(dout, x) { return dout; }',
    '// @gradcheck x:[3] y:int[3]<2',
    'export function hingeLoss(x, y) { return [0, x]; }',
    'export function lonelyForward(x) { return [x, x]; }',
    'export function orphanLossBackward(dout) { return dout; }',
    'export function helper(a) { return a; }',
    'export function gloss(a) { return a; }',
    'export const lossLayer = layer({ inputs: { x: [2] }, forward: ({ x }) => x, backward: (_i, d) => ({ x: d }) });',
    'const text = "export function fakeLoss(x) {}";',
  ].join('\n');
  const candidates = discoverCandidates(src);
  assert.deepEqual(
    candidates.map((c) => [c.name, c.convention, c.language, c.line, c.insertLine, c.indent]),
    [
      ['convNaive', 'pair', 'javascript', 3, 3, ''],
      ['softmaxLoss', 'loss', 'javascript', 8, 8, ''],
      ['svm', 'loss', 'javascript', 9, 9, '  '],
      ['dropout', 'pair', 'javascript', 13, 13, ''],
    ],
  );
  assert.deepEqual(
    candidates.map((c) => c.params),
    [
      [
        { name: 'x', guess: 'tensor' },
        { name: 'w', guess: 'tensor' },
        { name: 'b', guess: 'tensor' },
        { name: 'convParam', guess: 'const' },
      ],
      [
        { name: 'x', guess: 'tensor' },
        { name: 'y', guess: 'int' },
      ],
      [
        { name: 'scores', guess: 'tensor' },
        { name: 'labels', guess: 'int' },
        { name: 'reg', guess: 'const' },
        { name: 'mode', guess: 'const' },
      ],
      [
        { name: 'x', guess: 'tensor' },
        { name: 'dropout_param', guess: 'const' },
        { name: 'arg3', guess: 'const' },
      ],
    ],
  );
});

test('candidates: a tag written at the insert line makes the candidate a layer', () => {
  const src = 'const a = 1;\n  export function crossEntropyLoss(logits, targets) {\n    return { loss: 0, grads: logits };\n  }\n';
  const [c] = discoverCandidates(src);
  assert.deepEqual([c.name, c.insertLine, c.indent], ['crossEntropyLoss', 1, '  ']);
  assert.deepEqual(
    c.params.map((p) => p.guess),
    ['tensor', 'int'],
  );
  const lines = src.split('\n');
  lines.splice(c.insertLine, 0, `${c.indent}// @gradcheck logits:[4,3] targets:int[4]<3`);
  const tagged = lines.join('\n');
  assert.deepEqual(discoverCandidates(tagged), []);
  assert.deepEqual(
    discoverLayers(tagged).map((l) => [l.name, l.convention, l.line]),
    [['crossEntropyLoss', 'loss', 2]],
  );
});

test('a comment that only mentions @gradcheck in passing does not make a loss function', () => {
  const src = [
    '/** Writes the @gradcheck tag for a candidate. */',
    'export function writeTag(x) { return x; }',
    '/** An L1 loss. @gradcheck x:[3] */',
    'export function l1Loss(x) { return [0, x]; }',
    '/**',
    ' * An L2 loss.',
    ' * @gradcheck x:[3] is the input',
    ' */',
    'export function l2Loss(x) { return [0, x]; }',
  ].join('\n');
  assert.deepEqual(
    discoverLayers(src).map((l) => [l.name, l.convention, l.problem]),
    [
      ['l1Loss', 'loss', undefined],
      [
        'l2Loss',
        'loss',
        "@gradcheck: could not read 'is'; write each input as name:[d1,d2,...], labels as y:int[N]<K, constants as name=<JSON> (and optionally atol=, rtol=, eps=)",
      ],
    ],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverLayers, parseGradcheckTag } from '../../src/layers/discover';

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
  const src = 'const s = `a ${ {b: 1}.b } layer({ ${"x"} `;\nexport const t = layer({ inputs: { q: [1] }, forward: (i) => i.q, backward: (i, d) => ({ q: d }) });\n';
  const layers = discoverLayers(src);
  assert.deepEqual(layers.map((l) => [l.name, l.line, l.inputNames]), [['t', 1, ['q']]]);
});

test('a malformed tag is found and explained, not dropped', () => {
  const layers = discoverLayers('/** @gradcheck x:[4,a] */\nexport function fooForward(x) { return [x, x]; }\n');
  assert.equal(layers.length, 1);
  assert.match(layers[0].problem ?? '', /shape of 'x' must be whole numbers/);
  assert.equal(layers[0].backwardLine, undefined);
});

test('tags: tolerances, scalars, multi-line doc comments, // comments', () => {
  assert.deepEqual(parseGradcheckTag('/** @gradcheck s:[] v:[2, 3] atol=1e-4 eps=1e-5 */'), {
    inputNames: ['s', 'v'],
    inputShapes: [[], [2, 3]],
    tolerance: { atol: 1e-4, eps: 1e-5 },
  });
  const multi = discoverLayers('/**\n * Doc.\n * @gradcheck x:[2]\n *   y:[2]\n * @returns [out, cache]\n */\nfunction addForward(x, y) { return [x, 0]; }\n');
  assert.deepEqual(multi[0].inputNames, ['x', 'y']);
  const lineComments = discoverLayers('// Adds.\n// @gradcheck a:[1]\nexport function incForward(a) { return [a, 0]; }\n');
  assert.deepEqual(lineComments.map((l) => l.name), ['inc']);
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

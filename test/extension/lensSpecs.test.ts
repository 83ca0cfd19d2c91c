import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { COMMANDS, lensSpecs } from '../../src/extension/lensSpecs';
import type { DiscoveredLayer, TagCandidate } from '../../src/layers/types';
import { layerReport, transposed } from './reports';

const layers: DiscoveredLayer[] = [
  { name: 'affine', convention: 'layer', exportName: 'affine', line: 2, endLine: 8, inputNames: ['x', 'W'] },
  { name: 'relu', convention: 'pair', exportName: 'reluForward', line: 10, endLine: 20, backwardLine: 15, inputNames: ['x'] },
];

test('each layer gets Check gradients and Fast check on its first line', () => {
  const specs = lensSpecs(layers, { trusted: true, running: new Set(), results: new Map() });
  assert.deepEqual(
    specs.map((s) => [s.line, s.title, s.command, s.layer]),
    [
      [2, '$(beaker) Check gradients', COMMANDS.checkLayer, 'affine'],
      [2, '$(zap) Fast check', COMMANDS.fastCheckLayer, 'affine'],
      [10, '$(beaker) Check gradients', COMMANDS.checkLayer, 'relu'],
      [10, '$(zap) Fast check', COMMANDS.fastCheckLayer, 'relu'],
    ],
  );
});

test('after a run the outcome follows, and opens the report', () => {
  const results = new Map([
    ['affine', transposed],
    ['relu', layerReport({ name: 'relu' })],
  ]);
  const specs = lensSpecs(layers, { trusted: true, running: new Set(), results });
  const outcomes = specs.filter((s) => s.command === COMMANDS.showReport);
  assert.deepEqual(
    outcomes.map((s) => [s.line, s.title]),
    [
      [2, '✗ dW wrong: the transpose of the right one'],
      [10, '✓ passed · max rel err 3.1e-10 · 12 ms'],
    ],
  );
});

test('a running layer shows progress instead of buttons', () => {
  const specs = lensSpecs(layers, { trusted: true, running: new Set(['relu']), results: new Map() });
  assert.deepEqual(
    specs.filter((s) => s.line === 10).map((s) => s.title),
    ['$(sync~spin) Checking gradients...'],
  );
});

test('in Restricted Mode no lens runs code: each says why and opens Workspace Trust', () => {
  const specs = lensSpecs(layers, { trusted: false, running: new Set(), results: new Map([['affine', transposed]]) });
  assert.equal(specs.length, layers.length);
  for (const s of specs) {
    assert.equal(s.command, COMMANDS.manageTrust);
    assert.match(s.title, /Restricted Mode/);
  }
});

const candidates: TagCandidate[] = [
  {
    name: 'sigmoid',
    convention: 'pair',
    language: 'python',
    line: 30,
    insertLine: 30,
    indent: '',
    params: [{ name: 'x', guess: 'tensor' }],
  },
];

test('an untagged candidate gets "Add @gradcheck tag…", in line order with the layers', () => {
  const specs = lensSpecs(layers, { trusted: true, running: new Set(), results: new Map() }, candidates);
  assert.deepEqual(specs.at(-1), {
    line: 30,
    title: '$(tag) Add @gradcheck tag…',
    tooltip: "GradLens needs the shapes of sigmoid's inputs to check it: name them in a @gradcheck tag",
    command: COMMANDS.addTag,
    candidate: 'sigmoid',
  });
  assert.deepEqual(
    specs.map((s) => s.line),
    [...specs.map((s) => s.line)].sort((a, b) => a - b),
  );
});

test('Python layers get the same lenses, and in Restricted Mode the same reason; adding a tag only edits text, so it stays', () => {
  const python: DiscoveredLayer[] = [
    {
      name: 'affine',
      convention: 'pair',
      exportName: 'affine_forward',
      line: 3,
      endLine: 12,
      backwardLine: 9,
      inputNames: ['x', 'w', 'b'],
      language: 'python',
    },
    {
      name: 'LeakyReLU',
      convention: 'object',
      exportName: 'LeakyReLU',
      line: 2,
      endLine: 9,
      inputNames: ['x'],
      language: 'python',
      cell: 3,
    },
  ];
  const trusted = lensSpecs(python, { trusted: true, running: new Set(), results: new Map() }, candidates);
  assert.deepEqual(
    trusted.filter((s) => s.layer).map((s) => [s.layer, s.command]),
    [
      ['LeakyReLU', COMMANDS.checkLayer],
      ['LeakyReLU', COMMANDS.fastCheckLayer],
      ['affine', COMMANDS.checkLayer],
      ['affine', COMMANDS.fastCheckLayer],
    ],
  );
  const restricted = lensSpecs(python, { trusted: false, running: new Set(), results: new Map() }, candidates);
  assert.deepEqual(
    restricted.map((s) => s.command),
    [COMMANDS.manageTrust, COMMANDS.manageTrust, COMMANDS.addTag],
  );
  assert.ok(restricted.filter((s) => s.command === COMMANDS.manageTrust).every((s) => /Restricted Mode/.test(s.title)));
});

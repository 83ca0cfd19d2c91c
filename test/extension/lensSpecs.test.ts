import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { COMMANDS, lensSpecs } from '../../src/extension/lensSpecs';
import type { DiscoveredLayer } from '../../src/layers/types';
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
  const results = new Map([['affine', transposed], ['relu', layerReport({ name: 'relu' })]]);
  const specs = lensSpecs(layers, { trusted: true, running: new Set(), results });
  const outcomes = specs.filter((s) => s.command === COMMANDS.showReport);
  assert.deepEqual(outcomes.map((s) => [s.line, s.title]), [
    [2, '✗ dW wrong: the transpose of the right one'],
    [10, '✓ passed · max rel err 3.1e-10 · 12 ms'],
  ]);
});

test('a running layer shows progress instead of buttons', () => {
  const specs = lensSpecs(layers, { trusted: true, running: new Set(['relu']), results: new Map() });
  assert.deepEqual(specs.filter((s) => s.line === 10).map((s) => s.title), ['$(sync~spin) Checking gradients...']);
});

test('in Restricted Mode no lens runs code: each says why and opens Workspace Trust', () => {
  const specs = lensSpecs(layers, { trusted: false, running: new Set(), results: new Map([['affine', transposed]]) });
  assert.equal(specs.length, layers.length);
  for (const s of specs) {
    assert.equal(s.command, COMMANDS.manageTrust);
    assert.match(s.title, /Restricted Mode/);
  }
});

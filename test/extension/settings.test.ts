import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkOptions, readSettings, type SettingGetter } from '../../src/extension/settings';
import { layerAtLine } from '../../src/extension/layerAtCursor';
import { LAYER_FILES_GLOB, SKIPPED_GLOB, inSkippedFolder } from '../../src/extension/workspaceFiles';
import type { DiscoveredLayer } from '../../src/layers/types';

function getter(values: Record<string, unknown>): SettingGetter {
  return <T>(key: string, fallback: T) => (key in values ? (values[key] as T) : fallback);
}

test('defaults: full mode, 30 s, the layer decides tolerances', () => {
  const settings = readSettings(getter({}));
  assert.deepEqual(checkOptions(settings), { mode: 'full', timeoutMs: 30_000 });
  assert.equal(settings.checkOnSave, false);
});

test('tolerances, sparse sample size and time limit reach the checker', () => {
  const settings = readSettings(
    getter({ 'tolerance.atol': 1e-7, 'tolerance.eps': 1e-5, defaultMode: 'sparse', 'sparse.sampleSize': 16, timeLimitSeconds: 2.5 }),
  );
  assert.deepEqual(checkOptions(settings), { mode: 'sparse', sampleSize: 16, tolerance: { atol: 1e-7, eps: 1e-5 }, timeoutMs: 2500 });
  assert.equal(checkOptions(settings, 'fast').mode, 'fast');
});

test('nonsense settings fall back to defaults instead of reaching the checker', () => {
  const settings = readSettings(getter({ 'tolerance.rtol': -1, defaultMode: 'quick', 'sparse.sampleSize': 0.5, timeLimitSeconds: 0 }));
  assert.deepEqual(checkOptions(settings), { mode: 'full', timeoutMs: 30_000 });
});

const layers: DiscoveredLayer[] = [
  { name: 'a', convention: 'layer', exportName: 'a', line: 2, endLine: 5, inputNames: [] },
  { name: 'b', convention: 'pair', exportName: 'bForward', line: 10, endLine: 20, inputNames: [] },
];

test('the layer at the cursor: inside one, below one, above all', () => {
  assert.equal(layerAtLine(layers, 4)?.name, 'a');
  assert.equal(layerAtLine(layers, 15)?.name, 'b');
  assert.equal(layerAtLine(layers, 7)?.name, 'a');
  assert.equal(layerAtLine(layers, 0)?.name, 'a');
  assert.equal(layerAtLine([], 3), undefined);
});

test('Check Workspace reads JavaScript, TypeScript, Python and notebooks, and skips installed packages', () => {
  for (const ext of ['ts', 'js', 'mts', 'mjs', 'py', 'ipynb']) assert.ok(LAYER_FILES_GLOB.includes(ext), ext);
  for (const folder of ['node_modules', '.venv', 'venv', 'site-packages', '__pycache__']) assert.ok(SKIPPED_GLOB.includes(folder), folder);
  assert.ok(inSkippedFolder('proj/.venv/lib/python3.11/site-packages/torch/nn/functional.py'));
  assert.ok(inSkippedFolder('proj/venv/bin/activate_this.py'));
  assert.ok(!inSkippedFolder('proj/layers/venv_notes.py'));
  assert.ok(!inSkippedFolder('proj/site-packages.py'), 'only folders are skipped');
});

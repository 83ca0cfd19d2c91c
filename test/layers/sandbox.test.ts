import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkFile, checkFiles, disposeSandbox } from '../../src/layers/sandbox';
import type { LayerReport } from '../../src/gradcheck/types';

const workerPath = path.resolve('dist/sandboxWorker.js');
const fixture = (name: string) => path.resolve('test/layers/fixtures', name);
const byName = (layers: LayerReport[]) => new Map(layers.map((l) => [l.name, l]));

test.after(() => disposeSandbox());

test('both conventions pass through the sandbox, with relative imports, file and 1-based lines', async () => {
  const result = await checkFile(fixture('good.ts'), { workerPath });
  assert.equal(result.loadError, undefined);
  assert.deepEqual(
    result.layers.map((l) => [l.name, l.passed, l.line, l.backwardLine]),
    [
      ['affine', true, 5, 8],
      ['scale', true, 12, 15],
    ],
  );
  assert.ok(result.layers.every((l) => l.file === fixture('good.ts') && l.error === undefined));
  assert.deepEqual(
    result.layers[0].inputs.map((i) => i.status),
    ['passed', 'passed', 'passed'],
  );
});

test('a re-check in the warm worker gives the same report as the first check', async () => {
  // How fast the warm path is belongs to `npm run bench` ("check this file", target 300 ms).
  const first = await checkFile(fixture('good.ts'), { workerPath });
  const again = await checkFile(fixture('good.ts'), { workerPath });
  assert.ok(again.layers.length > 0 && again.layers.every((l) => l.passed));
  const summary = (r: typeof first) =>
    r.layers.map((l) => [l.name, l.line, l.forwardCalls, l.inputs.map((i) => [i.name, i.status, i.maxAbsError])]);
  assert.deepEqual(summary(again), summary(first));
});

test('a syntax error is a load error with file:line:col, on every layer of the file', async () => {
  // Written here rather than kept as a fixture: the type check of the repository would trip on it.
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'gradlens-')), 'syntax.ts');
  writeFileSync(
    file,
    "import { layer } from 'gradlens';\n\nexport const broken = layer({\n  inputs: { x: [2] },\n  forward: ({ x }) => x.mul(2,\n  backward: (_i, dout) => ({ x: dout.mul(2) }),\n});\n",
  );
  const result = await checkFile(file, { workerPath });
  assert.match(result.loadError ?? '', /syntax\.ts:6:\d+: /);
  assert.equal(result.layers.length, 1);
  assert.equal(result.layers[0].name, 'broken');
  assert.equal(result.layers[0].passed, false);
  assert.equal(result.layers[0].error, result.loadError);
});

test('a throw at load time names the file and the line it came from', async () => {
  const result = await checkFile(fixture('loadThrows.ts'), { workerPath });
  assert.match(result.loadError ?? '', /loading .*loadThrows\.ts threw Error: module-level failure \(at .*loadThrows\.ts:10:\d+\)/);
});

test('each fault is reported on its own layer and the other layers are still checked', async () => {
  const result = await checkFile(fixture('faults.js'), { workerPath });
  assert.equal(result.loadError, undefined);
  const layers = byName(result.layers);
  assert.match(layers.get('throws')?.error ?? '', /forward exploded \(at .*faults\.js:7:\d+\)/);
  assert.equal(layers.get('good')?.passed, true);
  assert.match(layers.get('twoGrads')?.error ?? '', /twoGradsBackward returned 1 gradient, expected 2, one per input in order \(x, y\)/);
  const badShape = layers.get('badShape')!;
  assert.equal(badShape.passed, false);
  assert.equal(badShape.inputs[0]?.status, 'failed');
  assert.match(badShape.inputs[0]?.diagnosis ?? '', /\[3\].*\[2, 3\]|\[2, 3\].*\[3\]/);
  assert.match(layers.get('notNumbers')?.error ?? '', /gradient for 'x' has the string "two" at \[1\] where a number belongs/);
  const nanGrad = layers.get('nanGrad')!;
  assert.equal(nanGrad.passed, false);
  assert.match(nanGrad.inputs[0]?.diagnosis ?? '', /NaN/);
  assert.match(layers.get('nanOut')?.error ?? '', /NaN/);
  assert.match(layers.get('noBackward')?.error ?? '', /noBackwardBackward is not exported/);
  // A layer() the file forgot to export is found in the text and explained.
  assert.match(
    layers.get('hidden')?.error ?? '',
    /'hidden' is not exported from .*faults\.js; write `export const hidden = layer\(\{\.\.\.\}\)`/,
  );
});

test('an infinite loop times out on its layer; the layers before and after are still checked', async () => {
  const t0 = performance.now();
  const result = await checkFile(fixture('hang.js'), { workerPath, timeoutMs: 1000 });
  const layers = byName(result.layers);
  assert.equal(result.loadError, undefined);
  assert.equal(layers.get('first')?.passed, true);
  assert.match(layers.get('spins')?.error ?? '', /spins timed out after 1 s \(an infinite loop\?\)/);
  assert.equal(layers.get('after')?.passed, true);
  assert.deepEqual(
    result.layers.map((l) => l.name),
    ['first', 'spins', 'after'],
  );
  assert.ok(performance.now() - t0 < 15000);
});

test('running out of memory is reported on the layer, and the next layer still runs', async () => {
  const result = await checkFile(fixture('oom.js'), { workerPath, memoryLimitMb: 48, timeoutMs: 20000 });
  const layers = byName(result.layers);
  assert.match(layers.get('hoards')?.error ?? '', /ran out of memory/);
  assert.equal(layers.get('fine')?.passed, true);
});

test('process.exit in user code stops only the sandbox', async () => {
  const result = await checkFile(fixture('exits.js'), { workerPath });
  const layers = byName(result.layers);
  assert.match(layers.get('quits')?.error ?? '', /stopped the sandbox/);
  assert.equal(layers.get('stays')?.passed, true);
});

test('console output goes to onLog, not stdout', async () => {
  const logs: string[] = [];
  const result = await checkFile(fixture('noisy.js'), { workerPath, onLog: (t) => logs.push(t) });
  assert.equal(result.layers[0].passed, true);
  assert.deepEqual(logs, ['loading noisy\n']);
});

test('only, unsaved text, and a missing file', async () => {
  const only = await checkFile(fixture('faults.js'), { workerPath, only: ['good'] });
  assert.deepEqual(
    only.layers.map((l) => l.name),
    ['good'],
  );
  const text =
    "import { layer } from 'gradlens';\nexport const edited = layer({ inputs: { x: [2] }, forward: ({ x }) => x.mul(5), backward: (_i, d) => ({ x: d.mul(4) }) });\n";
  const unsaved = await checkFile(fixture('good.ts'), { workerPath, text });
  assert.deepEqual(
    unsaved.layers.map((l) => [l.name, l.passed, l.line]),
    [['edited', false, 2]],
  );
  assert.match(unsaved.layers[0].inputs[0].diagnosis ?? '', /factor|scale|0\.8|1\.25/i);
  const missing = await checkFile(fixture('nope.ts'), { workerPath });
  assert.match(missing.loadError ?? '', /cannot read/);
});

test('cancellation rejects with an AbortError and the sandbox keeps working', async () => {
  const controller = new AbortController();
  const pending = checkFile(fixture('hang.js'), { workerPath, timeoutMs: 10000, signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(pending, { name: 'AbortError' });
  const after = await checkFile(fixture('good.ts'), { workerPath });
  assert.ok(after.layers.every((l) => l.passed));
});

test('checkFiles searches folders for files with layers and reports missing paths', async () => {
  const results = await checkFiles([path.resolve('test/layers/fixtures/helpers'), fixture('good.ts'), 'no/such/dir'], {
    workerPath,
    mode: 'fast',
  });
  assert.deepEqual(
    results.map((r) => [path.basename(r.file), r.loadError === undefined]),
    [
      ['dir', false],
      ['good.ts', true],
    ],
  );
  assert.ok(results[1].layers.every((l) => l.mode === 'fast' && l.passed));
});

test('CS231n-style loss functions and a conv pair with a dict of settings, end to end', async () => {
  const file = path.resolve('test/fixtures/jsLayers/cs231n.js');
  const result = await checkFile(file, { workerPath });
  assert.equal(result.loadError, undefined);
  const layers = byName(result.layers);
  assert.deepEqual(
    result.layers.map((l) => l.name),
    ['softmaxLoss', 'unscaledSoftmaxLoss', 'l2Loss', 'ridgeLoss', 'badKeysLoss', 'notNumberLoss', 'hiddenLoss', 'convNaive', 'poolFast'],
  );
  // Integer labels are passed to the loss but not checked: only x is an input.
  const softmax = layers.get('softmaxLoss')!;
  assert.equal(softmax.passed, true, softmax.error);
  assert.equal(softmax.line, 8);
  assert.deepEqual(
    softmax.inputs.map((i) => [i.name, i.status, i.shape]),
    [['x', 'passed', [5, 4]]],
  );
  const unscaled = layers.get('unscaledSoftmaxLoss')!;
  assert.equal(unscaled.passed, false);
  assert.match(unscaled.inputs[0].diagnosis ?? '', /constant factor of exactly 5x \(N = 5\)/);
  assert.equal(layers.get('l2Loss')?.passed, true, 'grads keyed by input name');
  assert.deepEqual(
    layers.get('ridgeLoss')?.inputs.map((i) => [i.name, i.status]),
    [
      ['x', 'passed'],
      ['w', 'passed'],
    ],
    'a constant reaches the loss',
  );
  assert.match(
    layers.get('badKeysLoss')?.error ?? '',
    /badKeysLoss returned a gradient for 'y' \(integer labels, passed but not checked\), which is not a checked input; checked inputs are \(x\)/,
  );
  assert.match(
    layers.get('notNumberLoss')?.error ?? '',
    /notNumberLoss's loss \(the first thing it returns\) must be a number; got the string "small"/,
  );
  assert.match(
    layers.get('hiddenLoss')?.error ?? '',
    /hiddenLoss is not exported as a function from .*cs231n\.js; write `export function hiddenLoss\(\.\.\.\)`/,
  );
  // stride 2 and pad 1 reach the forward (a 5x5 input gives a 3x3 output), on every call.
  const conv = layers.get('convNaive')!;
  assert.equal(conv.passed, true, conv.error);
  assert.deepEqual(
    conv.inputs.map((i) => [i.name, i.status]),
    [
      ['x', 'passed'],
      ['w', 'passed'],
      ['b', 'passed'],
    ],
  );
  assert.equal(conv.backwardLine, 104);
  assert.match(layers.get('poolFast')?.error ?? '', /poolBackwardFast is not exported as a function/);
});

test('dropout from the default generator, with no rng, replays its mask on every call', async () => {
  const result = await checkFile(fixture('defaultDropout.js'), { workerPath });
  assert.equal(result.loadError, undefined);
  const [dropped] = result.layers;
  assert.equal(dropped.nondeterminism, undefined);
  assert.equal(dropped.error, undefined);
  assert.equal(dropped.passed, true);
});

test("a file's top-level setDefaultDtype does not reach the next file checked in the same worker", async () => {
  const first = await checkFile(fixture('float32Default.js'), { workerPath });
  assert.equal(first.loadError, undefined);
  const next = await checkFile(fixture('needsFloat64.js'), { workerPath });
  assert.equal(next.layers[0].error, undefined);
  assert.equal(next.layers[0].passed, true);
});

/**
 * Python layers through the real interpreter (Debian's, which has numpy and torch):
 * every convention, every fault the sandbox must survive, notebooks' definitions only.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkFile, disposeSandbox } from '../../src/layers/sandbox';
import type { LayerReport } from '../../src/gradcheck/types';

const workerPath = path.resolve('dist/sandboxWorker.js');
const pythonPath = '/usr/bin/python3';
const fixture = (name: string) => path.resolve('test/fixtures/python', name);
const byName = (layers: LayerReport[]) => new Map(layers.map((l) => [l.name, l]));

after(() => disposeSandbox());

test('every Python convention passes when right: pair, loss (one grad, dict), layer object, autograd.Function, np.random dropout', async () => {
  const result = await checkFile(fixture('conventions.py'), { workerPath, pythonPath });
  assert.equal(result.loadError, undefined);
  const layers = byName(result.layers);
  for (const name of ['affine', 'softmax_loss', 'net_loss', 'Affine', 'Scale', 'dropout']) {
    const l = layers.get(name);
    assert.ok(l, `${name} was checked`);
    assert.equal(l.error, undefined, `${name}: ${l.error}`);
    assert.ok(l.passed, `${name} passed: ${JSON.stringify(l.inputs.map((i) => [i.name, i.status, i.diagnosis]))}`);
  }
  const affine = layers.get('affine')!;
  assert.deepEqual(
    affine.inputs.map((i) => i.name),
    ['x', 'w', 'b'],
  );
  assert.equal(affine.line, 7);
  assert.equal(affine.backwardLine, 12);
  // Labels are passed but never checked; the dict's 'X' and 'W' are.
  assert.deepEqual(
    layers.get('net_loss')!.inputs.map((i) => [i.name, i.status]),
    [
      ['X', 'passed'],
      ['W', 'passed'],
    ],
  );
  // The layer object's constructor inputs report through self.dW and self.grads["b"].
  assert.deepEqual(
    layers.get('Affine')!.inputs.map((i) => [i.name, i.status]),
    [
      ['W', 'passed'],
      ['b', 'passed'],
      ['x', 'passed'],
    ],
  );
});

test('a wrong Python gradient fails with the same diagnoses as JavaScript', async () => {
  const text = [
    'import numpy as np',
    '',
    '# @gradcheck x:[4,3] w:[3,4]',
    'def mm_forward(x, w):',
    '    return x @ w, (x, w)',
    '',
    'def mm_backward(dout, cache):',
    '    x, w = cache',
    '    return dout @ w.T, 2 * (x.T @ dout)',
    '',
  ].join('\n');
  const result = await checkFile(fixture('conventions.py'), { workerPath, pythonPath, text });
  const mm = result.layers[0];
  assert.equal(mm.passed, false);
  assert.equal(mm.inputs[0].status, 'passed');
  assert.equal(mm.inputs[1].status, 'failed');
  assert.match(mm.inputs[1].diagnosis ?? '', /factor|2/);
  assert.equal(mm.backwardLine, 7);
});

test('faults are reported on their own layers, the worker restarts, and the rest is still checked', async () => {
  const result = await checkFile(fixture('faults.py'), { workerPath, pythonPath, timeoutMs: 3000, memoryLimitMb: 256 });
  assert.equal(result.loadError, undefined);
  const layers = byName(result.layers);
  assert.match(layers.get('loops')!.error ?? '', /timed out after 3 s/);
  assert.match(layers.get('hog')!.error ?? '', /memory/i);
  assert.match(layers.get('raises')!.error ?? '', /ValueError: bad things in the forward \(at faults\.py:33 in helper\)/);
  assert.match(layers.get('exits')!.error ?? '', /os\._exit\(3\)/);
  assert.match(layers.get('shape')!.inputs[0]?.diagnosis ?? layers.get('shape')!.error ?? '', /shape|transpos/);
  assert.match(layers.get('nan')!.error ?? '', /nan/i);
  assert.match(layers.get('nobackward')!.error ?? '', /nobackward_backward/);
  assert.ok(layers.get('fine')!.passed, 'the last layer still passes after all that');
});

test('a syntax error and a failed import name the file, the line and the fix', async () => {
  const syntax = await checkFile(fixture('syntax.py'), { workerPath, pythonPath });
  assert.match(syntax.loadError ?? '', /SyntaxError: .*\(at syntax\.py:5/);
  assert.ok(syntax.layers.every((l) => !l.passed));
  const imports = await checkFile(fixture('importFails.py'), { workerPath, pythonPath });
  assert.match(
    imports.loadError ?? '',
    /No module named 'not_a_real_module_xyz'.*importFails\.py:2.*cannot import not_a_real_module_xyz.*pip install/,
  );
});

test('a missing interpreter is a clear error naming it and the setting', async () => {
  const result = await checkFile(fixture('conventions.py'), { workerPath, pythonPath: 'python-that-does-not-exist-3.99' });
  assert.match(result.loadError ?? '', /could not start the Python interpreter 'python-that-does-not-exist-3\.99'.*gradlens\.pythonPath/);
  assert.ok(result.layers.length > 0 && result.layers.every((l) => !l.passed));
});

test('an interpreter without numpy says so, and how to fix it', async () => {
  // Python in isolated mode without site-packages cannot import Debian's numpy.
  const fake = path.resolve('test/fixtures/python/no-numpy-python.sh');
  const result = await checkFile(fixture('conventions.py'), { workerPath, pythonPath: fake });
  assert.match(result.loadError ?? '', /cannot import numpy.*pip install numpy/);
});

test('an interpreter without torch names another Python on this machine that has it', async () => {
  // Debian's python3, with a stand-in torch that fails to import, is the one in use; the
  // usual places (python3 on PATH, /usr/bin/python3) hold Debian's own, which has torch.
  const noTorch = path.resolve('test/fixtures/python/no-torch-python.sh');
  const result = await checkFile(path.resolve('examples/python/attention.py'), { workerPath, pythonPath: noTorch });
  assert.match(
    result.loadError ?? '',
    /No module named 'torch'.*cannot import torch; install it there .* to a Python, such as '(python3|\/usr\/bin\/python3)', which has it$/,
  );
  const nowhere = await checkFile(fixture('importFails.py'), { workerPath, pythonPath });
  assert.match(nowhere.loadError ?? '', /to a Python that has it$/, 'no Python has a module that does not exist');
});

test('notebooks: only definitions run, layers carry their cell, and a failing cell does not stop the check', async () => {
  const result = await checkFile(fixture('layers.ipynb'), { workerPath, pythonPath });
  assert.equal(result.loadError, undefined, result.loadError);
  const layers = byName(result.layers);
  const tanh = layers.get('tanh')!;
  assert.ok(tanh.passed, JSON.stringify(tanh));
  assert.equal(tanh.cell, 2);
  assert.equal(tanh.line, 3);
});

test('a warm re-check gives the same report', async () => {
  const a = await checkFile(fixture('conventions.py'), { workerPath, pythonPath, only: ['affine'] });
  const b = await checkFile(fixture('conventions.py'), { workerPath, pythonPath, only: ['affine'] });
  assert.deepEqual(
    a.layers[0].inputs.map((i) => i.maxAbsError),
    b.layers[0].inputs.map((i) => i.maxAbsError),
  );
});

test("a notebook's unsaved cells are what is checked, and a traceback names the cell and its line", async () => {
  const notebookCells = [
    { index: 0, source: 'import numpy as np\n' },
    {
      index: 2,
      source:
        '# @gradcheck x:[3]\ndef bad_forward(x):\n    return np.tanh(x) * undefined_name, None\n\n\ndef bad_backward(dout, cache):\n    return dout\n',
    },
  ];
  const result = await checkFile(fixture('layers.ipynb'), { workerPath, pythonPath, notebookCells });
  assert.equal(result.loadError, undefined);
  assert.deepEqual(
    result.layers.map((l) => l.name),
    ['bad'],
  );
  assert.equal(result.layers[0].cell, 2);
  assert.match(
    result.layers[0].error ?? '',
    /NameError: name 'undefined_name' is not defined \(at layers\.ipynb, cell 3, line 3 in bad_forward\)/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  discoverNotebookCandidates,
  discoverNotebookLayers,
  notebookCodeCells,
  notebookDefinitions,
  parseNotebook,
} from '../../src/layers/python/notebook';
import { requireOrSkip } from '../helpers/requireOrSkip';

/** Debian's interpreter: the one with numpy on these machines (a PATH python3 may lack it). */
const PYTHON = '/usr/bin/python3';

/** nbformat 4 JSON; a cell's source is written as a list of lines (as Jupyter saves it) unless given as a string. */
function notebook(cells: { kind: 'code' | 'markdown' | 'raw'; source: string | string[] }[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3' } },
    cells: cells.map(({ kind, source }) => ({
      cell_type: kind,
      metadata: {},
      source: typeof source === 'string' ? source : source.map((l, k) => (k < source.length - 1 ? `${l}\n` : l)),
      ...(kind === 'code' ? { outputs: [], execution_count: null } : {}),
    })),
  });
}

const course = notebook([
  { kind: 'markdown', source: ['# Assignment 2', '', '```python', '# @gradcheck x:[1]', 'def md_forward(x): pass', '```'] },
  {
    kind: 'code',
    source: [
      '%matplotlib inline',
      '!pip install tqdm',
      'from __future__ import annotations',
      'import numpy as np',
      'from numpy import (',
      '    zeros,',
      '    ones,',
      ')',
      'import os; DEBUG = False',
      'from . import sibling',
      "data = np.load('cifar.npz')",
      'N, D = 4, 5',
      'H: int = 3',
      'W: np.ndarray = 1',
      'CONFIG = {"stride": 2, "pad": (1, 1), "eps": -1e-5, "name": \'x\' "y"}',
      'BAD = {[1]: 2}',
      'ODD = 1, 2, 3',
      'a, b = 1, 2, 3',
      "LABEL = f'{train(model)}'",
      'x = y = ()',
      'COUNT += 1',
    ],
  },
  {
    kind: 'code',
    source: [
      '# Affine layer.',
      '# @gradcheck x:[2,3] w:[3,4] b:[4]',
      'def affine_forward(x, w, b):',
      '    out = x @ w + b',
      '    %time pass',
      '    return out, (x, w, b)',
      '',
      'print("training starts")',
      "raise RuntimeError('training loop')",
    ],
  },
  { kind: 'raw', source: 'def raw_forward(x): pass' },
  {
    kind: 'code',
    source:
      'model = build()\r\nfor epoch in range(10):\r\n    train(model)\r\n\r\n@np.vectorize\r\ndef affine_backward(dout, cache):\r\n    x, w, b = cache\r\n    return dout @ w.T, x.T @ dout, dout.sum(0)\r\n\r\nif __name__ == "__main__":\r\n    train(model)\r\nwith open("log") as f:\r\n    pass\r\ntrain(model)\r\n',
  },
  { kind: 'code', source: '%%bash\necho "def shell_forward(x): pass"\n' },
  {
    kind: 'code',
    source: [
      '%%time',
      'class Relu:',
      '    """@gradcheck x:[3,3]"""',
      '    def forward(self, x):',
      '        return np.maximum(x, 0)',
      '',
      '    def backward(self, dout):',
      '        return dout',
      '',
      'def boom():',
      "    raise ValueError('from the notebook')",
      '',
      'def svm_forward(x, y):',
      '    return x, None',
    ],
  },
  {
    kind: 'code',
    source: ['def svm_backward(dout, cache):', '    return dout', 'def hinge_loss(scores, y, reg=0.1):', '    return 0.0, dscores'],
  },
]);

test('parseNotebook: nbformat 4 cells, source as a list or a string; notebookCodeCells keeps indexes among all cells', () => {
  const cells = parseNotebook(course);
  assert.deepEqual(
    cells.map((c) => [c.index, c.kind]),
    [
      [0, 'markdown'],
      [1, 'code'],
      [2, 'code'],
      [3, 'raw'],
      [4, 'code'],
      [5, 'code'],
      [6, 'code'],
      [7, 'code'],
    ],
  );
  assert.equal(cells[2].source.split('\n')[2], 'def affine_forward(x, w, b):');
  assert.equal(cells[3].source, 'def raw_forward(x): pass');
  assert.deepEqual(
    notebookCodeCells(course).map((c) => c.index),
    [1, 2, 4, 5, 6, 7],
  );
  assert.deepEqual(notebookCodeCells(notebook([{ kind: 'code', source: 'x = 1\n' }])), [{ index: 0, source: 'x = 1\n' }]);
});

test('parseNotebook: malformed input says what is wrong and where', () => {
  assert.throws(() => parseNotebook('{"cells": ['), /not valid JSON/);
  assert.throws(() => parseNotebook('[]'), /not a JSON object/);
  assert.throws(() => parseNotebook('{"nbformat": 4, "metadata": {}}'), /no cells array/);
  assert.throws(() => parseNotebook('{"nbformat": 3, "worksheets": []}'), /nbformat 3; only nbformat 4/);
  const cells = [
    { cell_type: 'code', source: '' },
    { cell_type: 'markdown', source: [] },
    { cell_type: 'raw', source: 'x' },
    { cell_type: 'code' },
  ];
  assert.throws(() => parseNotebook(JSON.stringify({ cells })), { message: 'cell 4 has no source' });
  assert.throws(
    () => parseNotebook(JSON.stringify({ cells: [{ cell_type: 'code', source: [1, 2] }] })),
    /cell 1 has a source that is neither a string nor a list of strings/,
  );
  assert.throws(() => parseNotebook(JSON.stringify({ cells: [{ source: 'x' }] })), /cell 1 has cell_type missing/);
  assert.throws(() => parseNotebook(JSON.stringify({ cells: ['x'] })), /cell 1 is not an object/);
});

test('notebookDefinitions: imports, literal constants and definitions only, each line mapped to its cell', () => {
  const { source, lines } = notebookDefinitions(notebookCodeCells(course));
  assert.equal(
    source,
    [
      'from __future__ import annotations',
      'import numpy as np',
      'from numpy import (',
      '    zeros,',
      '    ones,',
      ')',
      'import os; DEBUG = False',
      'N, D = 4, 5',
      'H: int = 3',
      'CONFIG = {"stride": 2, "pad": (1, 1), "eps": -1e-5, "name": \'x\' "y"}',
      'ODD = 1, 2, 3',
      'x = y = ()',
      '# Affine layer.',
      '# @gradcheck x:[2,3] w:[3,4] b:[4]',
      'def affine_forward(x, w, b):',
      '    out = x @ w + b',
      '    pass',
      '    return out, (x, w, b)',
      '@np.vectorize',
      'def affine_backward(dout, cache):',
      '    x, w, b = cache',
      '    return dout @ w.T, x.T @ dout, dout.sum(0)',
      'class Relu:',
      '    """@gradcheck x:[3,3]"""',
      '    def forward(self, x):',
      '        return np.maximum(x, 0)',
      '',
      '    def backward(self, dout):',
      '        return dout',
      'def boom():',
      "    raise ValueError('from the notebook')",
      'def svm_forward(x, y):',
      '    return x, None',
      'def svm_backward(dout, cache):',
      '    return dout',
      'def hinge_loss(scores, y, reg=0.1):',
      '    return 0.0, dscores',
      '',
    ].join('\n'),
  );
  assert.equal(lines.length, source.split('\n').length - 1);
  const at = (text: string) => lines[source.split('\n').indexOf(text)];
  assert.deepEqual(at('from __future__ import annotations'), { cell: 1, line: 2 }, 'hoisted to the top, still mapped to its cell');
  assert.deepEqual(at('import numpy as np'), { cell: 1, line: 3 });
  assert.deepEqual(at('# @gradcheck x:[2,3] w:[3,4] b:[4]'), { cell: 2, line: 1 });
  assert.deepEqual(at('    pass'), { cell: 2, line: 4 }, 'a magic inside a def becomes pass on its own line');
  assert.deepEqual(at('@np.vectorize'), { cell: 4, line: 4 });
  assert.deepEqual(at('def affine_backward(dout, cache):'), { cell: 4, line: 5 });
  assert.deepEqual(at('class Relu:'), { cell: 6, line: 1 }, 'the %%time line is not kept but counts');
  assert.deepEqual(at('def svm_backward(dout, cache):'), { cell: 7, line: 0 });
  assert.deepEqual(notebookDefinitions([]), { source: '', lines: [] });
});

test('notebookDefinitions: the program runs in Python, defines the layers and runs nothing else', (t) => {
  const noPython = requireOrSkip(PYTHON, existsSync(PYTHON), "install Debian's python3");
  if (noPython) return t.skip(noPython);
  const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  const { source, lines } = notebookDefinitions(notebookCodeCells(course));
  const probe = ['', 'print(sorted(k for k in globals() if not k.startswith("_")))', 'boom()', ''].join('\n');
  // Without numpy, a stand-in module lets the program's imports succeed; it is compiled as the same '<string>'.
  const withStubNumpy = [
    'import sys, types',
    "np = types.ModuleType('numpy')",
    'np.zeros = np.ones = np.maximum = None',
    'np.vectorize = lambda f: f',
    "sys.modules['numpy'] = np",
    "exec(compile(sys.argv[1], '<string>', 'exec'), {'__name__': '__main__'})",
  ].join('\n');
  const run = spawnSync(PYTHON, hasNumpy ? ['-c', source + probe] : ['-c', withStubNumpy, source + probe], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [printed] = run.stdout.trim().split('\n');
  const names = [
    'CONFIG',
    'D',
    'DEBUG',
    'H',
    'N',
    'ODD',
    'Relu',
    'affine_backward',
    'affine_forward',
    'annotations',
    'boom',
    'hinge_loss',
    'np',
    'ones',
    'os',
    'svm_backward',
    'svm_forward',
    'x',
    'y',
    'zeros',
  ];
  assert.equal(printed, JSON.stringify(names).replace(/"/g, "'").replace(/,/g, ', '), run.stderr);
  assert.doesNotMatch(run.stdout, /training starts/);
  // The traceback's line in the program maps back to the notebook cell and line.
  const frame = [...run.stderr.matchAll(/File "<string>", line (\d+), in boom/g)].pop();
  assert.ok(frame, run.stderr);
  assert.deepEqual(lines[Number(frame[1]) - 1], { cell: 6, line: 10 });
  assert.match(run.stderr, /ValueError: from the notebook/);
  const noNumpy = requireOrSkip(`numpy for ${PYTHON} (without it, the layer was not called)`, hasNumpy, "install Debian's python3-numpy");
  if (noNumpy) return t.skip(noNumpy);
  const call = spawnSync(
    PYTHON,
    ['-c', `${source}\nout, cache = affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))\nprint(out.shape, CONFIG["pad"])\n`],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(call.stdout.trim(), '(2, 4) (1, 1)', call.stderr);
});

test('discoverNotebookLayers: tags in any code cell, a backward in a later cell, lines within cells', () => {
  const layers = discoverNotebookLayers(notebookCodeCells(course));
  assert.deepEqual(
    layers.map((l) => [l.name, l.convention, l.cell, l.line, l.endLine, l.backwardLine, l.backwardName, l.language]),
    [
      // affine_backward is in cell 4, line 5 of that cell; endLine stays the forward's own end.
      ['affine', 'pair', 2, 2, 5, 5, 'affine_backward', 'python'],
      ['Relu', 'object', 6, 1, 7, 6, undefined, 'python'],
    ],
  );
  assert.deepEqual(layers[0].inputShapes, [[2, 3], [3, 4], [4]]);
  assert.ok(layers.every((l) => l.problem === undefined));
  assert.deepEqual(layers[1].constructorArgs, []);
});

test('discoverNotebookLayers: a pair in one cell spans both defs; a missing backward is named for the notebook', () => {
  const cells = [
    { index: 0, source: '# @gradcheck x:[2]\ndef relu_forward(x):\n    return x, x\n\ndef relu_backward(d, c):\n    return d\n' },
    { index: 3, source: 'x = 1\n# @gradcheck x:[2]\ndef tanh_forward(x):\n    return x, x\n' },
    { index: 4, source: 'def broken(:\n    """unterminated\n' },
    { index: 5, source: '# @gradcheck q:[1]\ndef after_forward(q):\n    return q, q\n' },
  ];
  const layers = discoverNotebookLayers(cells);
  assert.deepEqual(
    layers.map((l) => [l.name, l.cell, l.line, l.endLine, l.backwardLine]),
    [
      ['relu', 0, 1, 5, 4],
      ['tanh', 3, 2, 3, undefined],
      ['after', 5, 1, 2, undefined],
    ],
  );
  assert.match(layers[1].problem ?? '', /no tanh_backward in this notebook to pair with tanh_forward/);
  assert.match(layers[2].problem ?? '', /no after_backward in this notebook/, 'an unterminated string in cell 4 does not reach cell 5');
});

test('discoverNotebookCandidates: untagged layer-like definitions across cells', () => {
  const candidates = discoverNotebookCandidates(notebookCodeCells(course));
  assert.deepEqual(
    candidates.map((c) => [c.name, c.convention, c.cell, c.line, c.insertLine, c.params.map((p) => `${p.name}:${p.guess}`).join(' ')]),
    [
      ['svm', 'pair', 6, 12, 12, 'x:tensor y:int'],
      ['hinge_loss', 'loss', 7, 2, 2, 'scores:tensor y:int reg:const'],
    ],
  );
});

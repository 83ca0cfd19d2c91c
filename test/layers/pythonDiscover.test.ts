import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverPythonCandidates, discoverPythonLayers, pairStem } from '../../src/layers/python/discover';
import { scanPython } from '../../src/layers/python/scan';

/** The 0-based line of the first line of `text` that starts with `start` (after indentation). */
function lineOf(text: string, start: string, from = 0): number {
  const lines = text.split('\n');
  const at = lines.findIndex((l, k) => k >= from && l.trimStart().startsWith(start));
  assert.notEqual(at, -1, `no line starts with ${start}`);
  return at;
}

const layersSource = `"""Course layers (CS231n style)."""
import numpy as np


# @gradcheck x:[2,3,4] w:[12,5] b:[5]
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """@gradcheck x:[4,5]

    Computes the forward pass for a layer of rectified linear units (ReLUs).
    x: inputs, of any shape
    """
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


# Naive convolution.
# @gradcheck x:[2,3,5,5] w:[4,3,3,3] b:[4]
#   conv_param={"stride": 2, "pad": 1} atol=1e-4
def conv_forward_naive(x, w, b,
                       conv_param):
    return x, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    return dout, dout, dout


def softmax_loss(x, y):
    # @gradcheck here is not a tag: it is inside the body
    """@gradcheck x:[4,10] y:int[4]<10 rtol=1e-4"""
    shifted = x - x.max(axis=1, keepdims=True)
    return 0.0, shifted
`;

test('pair and loss conventions: names, exports, lines, args, constants with spaces, labels', () => {
  const layers = discoverPythonLayers(layersSource);
  const src = layersSource;
  assert.deepEqual(
    layers.map((l) => [l.name, l.convention, l.exportName, l.backwardName, l.line, l.endLine, l.backwardLine]),
    [
      [
        'affine',
        'pair',
        'affine_forward',
        'affine_backward',
        lineOf(src, 'def affine_forward'),
        lineOf(src, 'return dx, dw, db'),
        lineOf(src, 'def affine_backward'),
      ],
      [
        'relu',
        'pair',
        'relu_forward',
        'relu_backward',
        lineOf(src, 'def relu_forward'),
        lineOf(src, 'return dout * (cache'),
        lineOf(src, 'def relu_backward'),
      ],
      [
        'conv_naive',
        'pair',
        'conv_forward_naive',
        'conv_backward_naive',
        lineOf(src, 'def conv_forward_naive'),
        lineOf(src, 'return dout, dout, dout'),
        lineOf(src, 'def conv_backward_naive'),
      ],
      ['softmax_loss', 'loss', 'softmax_loss', undefined, lineOf(src, 'def softmax_loss'), lineOf(src, 'return 0.0, shifted'), undefined],
    ],
  );
  assert.ok(
    layers.every((l) => l.language === 'python' && l.problem === undefined),
    JSON.stringify(layers.map((l) => l.problem)),
  );
  const [affine, relu, conv, loss] = layers;
  assert.deepEqual(affine.inputNames, ['x', 'w', 'b']);
  assert.deepEqual(affine.inputShapes, [[2, 3, 4], [12, 5], [5]]);
  assert.deepEqual(relu.inputShapes, [[4, 5]]);
  // A wrapped comment tag: the continuation line carries the constant (with spaces) and a tolerance.
  assert.deepEqual(conv.args, [
    { kind: 'tensor', name: 'x', shape: [2, 3, 5, 5] },
    { kind: 'tensor', name: 'w', shape: [4, 3, 3, 3] },
    { kind: 'tensor', name: 'b', shape: [4] },
    { kind: 'const', name: 'conv_param', value: { stride: 2, pad: 1 } },
  ]);
  assert.deepEqual(conv.inputNames, ['x', 'w', 'b']);
  assert.deepEqual(conv.tolerance, { atol: 1e-4 });
  assert.deepEqual(loss.args, [
    { kind: 'tensor', name: 'x', shape: [4, 10] },
    { kind: 'int', name: 'y', shape: [4], high: 10 },
  ]);
  assert.deepEqual(loss.inputNames, ['x']);
  assert.deepEqual(loss.tolerance, { rtol: 1e-4 });
});

test('a tag goes above the decorators; decorators, async def and multi-line signatures are read', () => {
  const src = [
    'import functools',
    '',
    '# @gradcheck x:[2,3,8,8] pool_param={"pool_height": 2, "pool_width": 2, "stride": 2}',
    '@functools.lru_cache(maxsize=None)',
    '@staticmethod',
    'def max_pool_forward_fast(',
    '    x,',
    '    pool_param,',
    '):',
    '    return x, x',
    '',
    'async def max_pool_backward_fast(dout, cache):',
    '    return dout',
    '',
  ].join('\n');
  const [layer] = discoverPythonLayers(src);
  assert.equal(layer.name, 'max_pool_fast');
  assert.equal(layer.line, 5, 'the def line, not the decorator');
  assert.equal(layer.endLine, 12);
  assert.equal(layer.backwardLine, 11);
  assert.deepEqual(
    layer.args?.map((a) => a.name),
    ['x', 'pool_param'],
  );
  assert.equal(layer.problem, undefined);
});

const classesSource = `import torch
from torch.autograd import Function


# @gradcheck x:[3,4] w:[4,2]
class MatMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        return grad @ w.T, x.T @ grad


class Square(Function):
    """@gradcheck x:[5]"""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g


# @gradcheck w:[5,3] b:[3] x:[4,5]
class Affine:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def forward(self, x):
        def helper_forward(v):  # nested: not a layer
            return v
        return x @ self.w + self.b

    def backward(self, dout):
        return dout @ self.w.T


# @gradcheck x:[2,2]
class Half(object):
    def forward(self, x):
        return x


# @gradcheck x:[2]
class Nothing:
    pass
`;

test('autograd and object conventions; a class without backward says which method is missing', () => {
  const layers = discoverPythonLayers(classesSource);
  const src = classesSource;
  assert.deepEqual(
    layers.map((l) => [l.name, l.convention, l.exportName, l.line, l.backwardLine]),
    [
      ['MatMul', 'autograd', 'MatMul', lineOf(src, 'class MatMul'), lineOf(src, 'def backward(ctx, grad)')],
      ['Square', 'autograd', 'Square', lineOf(src, 'class Square'), lineOf(src, 'def backward(ctx, g)')],
      ['Affine', 'object', 'Affine', lineOf(src, 'class Affine'), lineOf(src, 'def backward(self, dout)')],
      ['Half', 'object', 'Half', lineOf(src, 'class Half'), undefined],
      ['Nothing', 'object', 'Nothing', lineOf(src, 'class Nothing'), undefined],
    ],
  );
  const [matmul, , affine, half, nothing] = layers;
  assert.equal(matmul.endLine, lineOf(src, 'return grad @ w.T'));
  assert.equal(matmul.problem, undefined);
  assert.deepEqual(affine.constructorArgs, ['w', 'b']);
  assert.deepEqual(affine.inputNames, ['w', 'b', 'x']);
  assert.equal(affine.endLine, lineOf(src, 'return dout @ self.w.T'));
  assert.deepEqual(half.constructorArgs, []);
  assert.match(half.problem ?? '', /class Half has no backward method/);
  assert.match(nothing.problem ?? '', /class Nothing has no forward or backward method/);
  assert.equal(
    layers.some((l) => l.name === 'helper'),
    false,
    'a nested def is not a layer',
  );
});

test('a tagged forward without its backward names the missing function; malformed tags are explained', () => {
  const src = [
    '# @gradcheck x:[4,5] w:[5,3]',
    'def affine_forward(x, w):',
    '    return x @ w, (x, w)',
    '',
    '# @gradcheck x:[4,a]',
    'def tanh_forward(x):',
    '    return x, x',
    'def tanh_backward(dout, cache):',
    '    return dout',
    '',
    '# @gradcheck y:int[4] x:[4]',
    'def hinge_loss(x, y):',
    '    return 0, x',
    '',
    '# @gradcheck x:[3]',
    'def sigmoid_backward(dout, cache):',
    '    return dout',
  ].join('\n');
  const layers = discoverPythonLayers(src);
  assert.deepEqual(
    layers.map((l) => l.name),
    ['affine', 'tanh', 'hinge_loss', 'sigmoid_backward'],
  );
  assert.match(layers[0].problem ?? '', /no affine_backward in this file to pair with affine_forward/);
  assert.equal(layers[0].backwardLine, undefined);
  assert.equal(layers[0].backwardName, 'affine_backward');
  assert.match(layers[1].problem ?? '', /shape of 'x' must be whole numbers/);
  assert.equal(layers[1].backwardLine, 7, 'a malformed tag still pairs');
  assert.match(layers[2].problem ?? '', /labels 'y' need a bound/);
  assert.match(layers[3].problem ?? '', /belongs above the forward function sigmoid_forward/);
});

test('pair names: forward removed and separators tidied; a bare `forward` keeps its name', () => {
  assert.equal(pairStem('affine_forward'), 'affine');
  assert.equal(pairStem('conv_forward_naive'), 'conv_naive');
  assert.equal(pairStem('relu_forward'), 'relu');
  assert.equal(pairStem('_relu_forward'), 'relu');
  assert.equal(pairStem('forward_affine'), 'affine');
  assert.equal(pairStem('convForwardNaive'), 'convNaive');
  assert.equal(pairStem('forward'), 'forward');
  const [layer] = discoverPythonLayers('# @gradcheck x:[2]\ndef forward(x):\n    return x, x\n\ndef backward(d, c):\n    return d\n');
  assert.deepEqual([layer.name, layer.exportName, layer.backwardName, layer.backwardLine], ['forward', 'forward', 'backward', 4]);
  const [camel] = discoverPythonLayers(
    '# @gradcheck x:[2]\ndef convForwardNaive(x):\n    return x, x\ndef convBackwardNaive(d, c):\n    return d\n',
  );
  assert.deepEqual([camel.name, camel.backwardName, camel.backwardLine], ['convNaive', 'convBackwardNaive', 3]);
});

test('strings and comments that look like code define nothing', () => {
  const src = `
TEMPLATE = """
# @gradcheck x:[2]
def fake_forward(x):
    return x, x
def fake_backward(d, c):
    return d
"""
RAW = r'\\\\' # @gradcheck x:[1]
def not_a_layer_forward(x): return x
BYTES = rb"""class Fake:
    def forward(self, x): pass
    def backward(self, d): pass
"""
ESCAPED = 'it\\'s # not a comment \\
def inside_string_forward(x): pass'
F = f"{'}'} {x!r:>{width}} " + f'{"nested"}' + f"{"reused" + 'quote'}"
HASH = "# @gradcheck x:[9]"
# @gradcheck x:[3]
def real_forward(x):
    s = '''
def ghost_backward(d, c):
    '''
    return x, x
def real_backward(d, c):
    return d
`;
  const layers = discoverPythonLayers(src);
  assert.deepEqual(
    layers.map((l) => [l.name, l.line, l.backwardLine, l.problem]),
    [['real', lineOf(src, 'def real_forward'), lineOf(src, 'def real_backward'), undefined]],
  );
  assert.deepEqual(layers[0].inputShapes, [[3]]);
  assert.deepEqual(discoverPythonCandidates(src), []);
  // The one def that is real code after the raw string (its comment is a trailing one, not a tag).
  const defs = scanPython(src).statements.filter((s) => src.split('\n')[s.line].startsWith('def '));
  assert.deepEqual(
    defs.map((s) => src.split('\n')[s.line].slice(4, 30)),
    ['not_a_layer_forward(x): re', 'real_forward(x):', 'real_backward(d, c):'],
  );
});

test('CRLF line endings, tabs, backslash continuations and brackets spanning lines', () => {
  const src = [
    'SIZES = [1,',
    '         2]  # def x_forward(): not here',
    'TOTAL = 1 + \\',
    '    2',
    '# @gradcheck x:[2,2]',
    '#   w:[2,2]',
    'def mul_forward(x,',
    '\t\tw):',
    '\tif True:',
    '\t\treturn x * w, (x, w)',
    '',
    '\t# a comment inside, less indented than the code above',
    '\treturn None',
    'def mul_backward(dout, cache):',
    '\treturn dout, dout',
    '',
  ].join('\r\n');
  const layers = discoverPythonLayers(src);
  assert.equal(layers.length, 1);
  assert.deepEqual([layers[0].name, layers[0].line, layers[0].endLine, layers[0].backwardLine], ['mul', 6, 14, 13]);
  assert.deepEqual(layers[0].inputNames, ['x', 'w']);
  assert.equal(layers[0].problem, undefined);
  const [statement] = scanPython(src).statements;
  assert.deepEqual([statement.line, statement.endLine], [0, 1]);
});

test('only top-level definitions count; a comment separated by code or a blank line does not tag', () => {
  const src = [
    'if HAVE_TORCH:',
    '    # @gradcheck x:[2]',
    '    def guarded_forward(x):',
    '        return x, x',
    '    def guarded_backward(d, c):',
    '        return d',
    '',
    '# @gradcheck x:[2]',
    'UNRELATED = 1',
    'def spaced_forward(x):',
    '    return x, x',
    '',
    '# @gradcheck x:[2]',
    '',
    'def gap_forward(x):',
    '    return x, x',
    '',
    'class Outer:',
    '    # @gradcheck x:[2]',
    '    def method_forward(self, x):',
    '        return x',
  ].join('\n');
  assert.deepEqual(discoverPythonLayers(src), []);
});

test('an unclosed bracket while typing does not hide the definitions below it', () => {
  const src = 'x = np.zeros((3,\n\n# @gradcheck x:[2]\ndef sq_forward(x):\n    return x * x, x\ndef sq_backward(d, c):\n    return 2 * d\n';
  assert.deepEqual(
    discoverPythonLayers(src).map((l) => [l.name, l.line, l.backwardLine]),
    [['sq', 3, 5]],
  );
});

const candidatesSource = `import numpy as np
from torch.autograd import Function


def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def affine_backward(dout, cache):
    return dout, dout, dout


def batchnorm_forward(x, gamma, beta, bn_param):
    return x, None


def batchnorm_backward(dout, cache):
    return dout, dout, dout


def dropout_forward(x, dropout_param):
    return x, None


def svm_loss(x, y):
    loss = 0.0
    return loss, x


def softmax_loss_vectorized(W, X, y, reg=0.0):
    return 0.0, dW


def cross_entropy(scores, labels):
    return loss, dscores


def l2(x, *, eps=1e-8):
    return x


def plot_loss(history):
    plt.plot(history)


def load_data(path):
    return data, done


@register
class Linear:
    def __init__(self, w, b, mode='train'):
        pass

    def forward(self, x, w, *args, **kwargs):
        return x

    def backward(self, dout):
        return dout


class Exp(Function):
    @staticmethod
    def forward(ctx, x, p):
        return x

    @staticmethod
    def backward(ctx, g):
        return g


class ModernExp(Function):
    @staticmethod
    def forward(x, t):
        return x

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, g):
        return g


class NoBackward:
    def forward(self, x):
        return x


# @gradcheck x:[3] y:int[3]<2
def tagged_loss(x, y):
    return 0.0, x
`;

test('candidates: untagged pairs, losses and classes with params and guesses', () => {
  const candidates = discoverPythonCandidates(candidatesSource);
  const src = candidatesSource;
  const params = (name: string) =>
    candidates
      .find((c) => c.name === name)
      ?.params.map((p) => `${p.name}:${p.guess}`)
      .join(' ');
  assert.deepEqual(
    candidates.map((c) => [c.name, c.convention, c.line, c.insertLine, c.indent, c.language]),
    [
      ['affine', 'pair', lineOf(src, 'def affine_forward'), lineOf(src, 'def affine_forward'), '', 'python'],
      ['batchnorm', 'pair', lineOf(src, 'def batchnorm_forward'), lineOf(src, 'def batchnorm_forward'), '', 'python'],
      ['svm_loss', 'loss', lineOf(src, 'def svm_loss'), lineOf(src, 'def svm_loss'), '', 'python'],
      [
        'softmax_loss_vectorized',
        'loss',
        lineOf(src, 'def softmax_loss_vectorized'),
        lineOf(src, 'def softmax_loss_vectorized'),
        '',
        'python',
      ],
      ['cross_entropy', 'loss', lineOf(src, 'def cross_entropy'), lineOf(src, 'def cross_entropy'), '', 'python'],
      ['Linear', 'object', lineOf(src, 'class Linear'), lineOf(src, '@register'), '', 'python'],
      ['Exp', 'autograd', lineOf(src, 'class Exp'), lineOf(src, 'class Exp'), '', 'python'],
      ['ModernExp', 'autograd', lineOf(src, 'class ModernExp'), lineOf(src, 'class ModernExp'), '', 'python'],
    ],
  );
  assert.equal(params('affine'), 'x:tensor w:tensor b:tensor');
  assert.equal(params('batchnorm'), 'x:tensor gamma:tensor beta:tensor bn_param:const');
  assert.equal(params('svm_loss'), 'x:tensor y:int');
  assert.equal(params('softmax_loss_vectorized'), 'W:tensor X:tensor y:int reg:const');
  assert.equal(params('cross_entropy'), 'scores:tensor labels:int');
  assert.equal(
    params('Linear'),
    'w:tensor b:tensor mode:const x:tensor',
    '__init__ then forward, without self, duplicates, *args, **kwargs',
  );
  assert.equal(params('Exp'), 'x:tensor p:const', 'without ctx');
  assert.equal(params('ModernExp'), 'x:tensor t:int', 'forward without ctx when setup_context takes it');
});

test('candidate indentation and decorators come from the insert line', () => {
  const src = '@torch.no_grad()\n@staticmethod\ndef a_forward(x, y):\n    return x, x\ndef a_backward(d, c):\n    return d\n';
  const [c] = discoverPythonCandidates(src);
  assert.deepEqual([c.name, c.line, c.insertLine, c.indent], ['a', 2, 0, '']);
  // A tag written by the lens above the decorators is found there.
  const [layer] = discoverPythonLayers(`# @gradcheck x:[2] y:[2]\n${src}`);
  assert.deepEqual([layer.name, layer.line, layer.problem], ['a', 3, undefined]);
  assert.deepEqual(discoverPythonCandidates(`# @gradcheck x:[2] y:[2]\n${src}`), []);
});

test('scans a 5000-line file', () => {
  const block = `# @gradcheck x:[2,3] w:[3,4]
def layer_N_forward(x, w):
    """Docstring with def fake(): and 'quotes' and # hashes."""
    s = f"{x!r} {'{'}" + '#' + r"\\d+"
    return x @ w, (x, w)


def layer_N_backward(dout, cache):
    x, w = cache
    return (dout @ w.T,
            x.T @ dout)


class Obj_N:
    def forward(self, x):
        return x

    def backward(self, d):
        return d


`;
  const blockLines = block.split('\n').length - 1;
  const copies = Math.ceil(5000 / blockLines);
  let big = '';
  for (let k = 0; k < copies; k++) big += block.replace(/_N/g, `_${k}`);
  assert.ok(big.split('\n').length >= 5000);
  const started = performance.now();
  const layers = discoverPythonLayers(big);
  const candidates = discoverPythonCandidates(big);
  const ms = performance.now() - started;
  assert.equal(layers.length, copies);
  assert.ok(layers.every((l, k) => l.name === `layer_${k}` && l.backwardLine === l.line + 6 && l.problem === undefined));
  assert.equal(candidates.length, copies);
  // Reported, not asserted: a wall-clock bound flakes on a busy machine.
  console.log(`# discovery of ${big.split('\n').length} lines: ${ms.toFixed(1)} ms (layers and candidates)`);
});

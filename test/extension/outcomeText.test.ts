import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  diagnosticMessage,
  diffTexts,
  formatTensor,
  inputFinding,
  lensOutcome,
  shortDiagnosis,
  statusBarText,
  summarize,
  testFailureMessage,
} from '../../src/extension/outcomeText';
import { checkTarget } from '../../src/gradcheck/checker';
import { twoLayerNet } from '../gradcheck/layers';
import { input, layerReport, transposed } from './reports';

test('a passing layer shows its largest relative error and time', () => {
  assert.equal(lensOutcome(layerReport()), '✓ passed · max rel err 3.1e-10 · 12 ms');
});

test('the largest error is taken over checked inputs only', () => {
  const r = layerReport({ inputs: [input({ maxRelError: 1e-9 }), input({ name: 'b', status: 'not-checked', maxRelError: 5 })] });
  assert.equal(lensOutcome(r), '✓ passed · max rel err 1.0e-9 · 12 ms · db not checked');
});

test('a pass says what it skipped and in which mode it ran', () => {
  const r = layerReport({ mode: 'fast', inputs: [input({ kinkCount: 3 })] });
  assert.equal(lensOutcome(r), '✓ passed · max rel err 3.1e-10 · 12 ms · 3 at kinks, within the one-sided slopes · fast');
});

test('a failure names the gradient and a short diagnosis', () => {
  assert.equal(lensOutcome(transposed), '✗ dW wrong: the transpose of the right one');
});

test('a failure without a diagnosis gives its error size, and lists the other failing gradients', () => {
  const r = layerReport({
    passed: false,
    inputs: [input({ name: 'x', status: 'failed', maxRelError: 0.25 }), input({ name: 'b', status: 'failed' })],
  });
  assert.equal(lensOutcome(r), '✗ dx wrong · max rel err 2.5e-1 (+db)');
});

test('a layer that could not run says why, on one line', () => {
  const r = layerReport({ passed: false, inputs: [], error: 'user code ran past the time limit of 1 s\n    at spin' });
  assert.equal(lensOutcome(r), '✗ could not check: user code ran past the time limit of 1 s');
});

test('a diagnosis that says where it is wrong reads on from the gradient name', () => {
  const r = layerReport({
    passed: false,
    inputs: [input({ name: 'x', status: 'failed', diagnosis: 'wrong only in rows 0 and 2 (of 4); the rest matches' })],
  });
  assert.equal(lensOutcome(r), '✗ dx wrong only in rows 0 and 2');
});

test('short diagnoses keep the first clause', () => {
  assert.equal(shortDiagnosis('sign flipped: the analytic gradient is exactly -1 × the numeric one'), 'sign flipped');
  assert.equal(
    shortDiagnosis('off by a constant factor of exactly 1/8 (N = 8): a mean where a sum belongs?'),
    'off by a constant factor of exactly 1/8',
  );
  assert.ok(shortDiagnosis('x'.repeat(200)).length <= 70);
});

test('Problems gets a message only for a failing layer, with the diagnosis and the worst element', () => {
  assert.equal(diagnosticMessage(layerReport()), undefined);
  const message = diagnosticMessage(transposed)!;
  assert.match(message, /^GradLens: gradient check of 'affine' failed\. dW wrong: the analytic gradient is the transpose/);
  assert.match(message, /worst at \[0, 1\]: analytic 0\.5, numeric -0\.7/);
  assert.doesNotMatch(message, /dx/);
});

test('tensors print one row per line so a diff lines up, with blocks for higher ranks', () => {
  assert.equal(formatTensor([1, -2, 3, 4], [2, 2]), ' 1.000000e+0  -2.000000e+0\n 3.000000e+0   4.000000e+0');
  const cube = formatTensor([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2]).split('\n');
  assert.deepEqual(
    cube.filter((l) => l.startsWith('[')),
    ['[0, :, :]', '[1, :, :]'],
  );
  assert.equal(cube.length, 6);
  assert.equal(formatTensor([NaN], []), 'NaN');
  assert.match(formatTensor(new Array(5000).fill(0), [5000]), /too many/);
});

test('diff texts: expected is numeric, actual is analytic', () => {
  const texts = diffTexts(transposed.inputs[1])!;
  assert.equal(texts.expected, formatTensor([1, 2, 3, 4], [2, 2]));
  assert.equal(texts.actual, formatTensor([1, 3, 2, 4], [2, 2]));
  assert.equal(diffTexts(input()), undefined);
});

test('status bar counts passed and failed layers', () => {
  assert.equal(statusBarText(summarize([layerReport(), layerReport()], 1)), '$(pass) GradLens: 2/2 passed');
  assert.equal(statusBarText(summarize([layerReport(), transposed], 2)), '$(error) GradLens: 1 of 2 failed');
  assert.equal(statusBarText(summarize([], 0)), '$(beaker) GradLens: no layers');
});

test('a layer-level finding leads on the lens, in Problems and in Test Explorer, before the per-input details', () => {
  const report = checkTarget(twoLayerNet(3, 4, 'W1 for W2'), { mode: 'full' });
  assert.equal(lensOutcome(report), '✗ backward uses W1 where W2 belongs, or W2 where W1 belongs · dx, dW1, db1 wrong');
  const problem = diagnosticMessage(report) ?? '';
  assert.match(
    problem,
    /^GradLens: gradient check of '[^']+' failed: x, W1, b1 come out right when W1 is given W2's values.* it uses W1 where W2 belongs, or W2 where W1 belongs\. dx wrong/,
  );
  const lines = testFailureMessage(report).split('\n');
  assert.equal(lines[0], lensOutcome(report));
  assert.match(lines[1], /^x, W1, b1 come out right when W1 is given W2's values/);
  assert.deepEqual(
    lines.slice(2).map((l) => l.split(' ')[0]),
    ['dx', 'dW1', 'db1'],
  );
});

test('without a layer-level finding, the lens and Problems lead with the first failing input', () => {
  assert.equal(testFailureMessage(transposed), `${lensOutcome(transposed)}\n${inputFinding(transposed.inputs[1])}`);
  assert.match(
    diagnosticMessage(transposed) ?? '',
    /^GradLens: gradient check of 'affine' failed\. dW wrong: the analytic gradient is the transpose/,
  );
});

test("after a layer-level finding, the lens keeps the first failing gradient's diagnosis when it names a pattern", () => {
  const slip = layerReport({
    passed: false,
    findings: [{ kind: 'pass-fail', short: 'x is right but gamma, beta are wrong', text: 'x is right but gamma, beta are wrong: ...' }],
    inputs: [
      input({ name: 'x' }),
      input({ name: 'gamma', status: 'failed', diagnosis: 'off by a constant factor of exactly 1/6 (N = 6): a mean where a sum belongs?' }),
      input({ name: 'beta', status: 'failed', diagnosis: 'off by a constant factor of exactly 1/6 (N = 6): a mean where a sum belongs?' }),
    ],
  });
  assert.equal(
    lensOutcome(slip),
    '✗ x is right but gamma, beta are wrong · dgamma wrong: off by a constant factor of exactly 1/6 (+dbeta)',
  );
  const plain = {
    ...slip,
    inputs: slip.inputs.map((i) => (i.status === 'failed' ? { ...i, diagnosis: 'wrong at 4 of 4 elements with no simple pattern' } : i)),
  };
  assert.equal(lensOutcome(plain), '✗ x is right but gamma, beta are wrong · dgamma, dbeta wrong');
});

test('an input with nothing but kinks says they were held to the one-sided slopes, not that nothing was done', () => {
  assert.equal(
    inputFinding(input({ name: 'x', status: 'kink', kinkCount: 4 })),
    'dx: every compared element sits at a kink; each lies between the one-sided slopes, but no derivative could be verified',
  );
});

test('a kink whose analytic value is no subgradient reads on from the gradient on the lens and in Problems', () => {
  const r = layerReport({
    passed: false,
    inputs: [input({ name: 'x', status: 'failed', diagnosis: 'at a kink of x[3]: analytic 2 is outside the one-sided slopes [0, 1]' })],
  });
  assert.equal(lensOutcome(r), '✗ dx wrong at a kink of x[3]');
  assert.match(
    diagnosticMessage(r) ?? '',
    /failed\. dx wrong at a kink of x\[3\]: analytic 2 is outside the one-sided slopes \[0, 1\] \(max abs err/,
  );
});

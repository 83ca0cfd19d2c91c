import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { formatReport, toJsonReport } from '../../src/gradcheck/format';
import { toJUnitXml } from '../../src/gradcheck/junit';
import { passFailFinding } from '../../src/gradcheck/layerHint';
import type { InputReport, InputStatus } from '../../src/gradcheck/types';
import { affine, twoLayerNet } from './layers';

const inputs = (statuses: Record<string, InputStatus>): InputReport[] =>
  Object.entries(statuses).map(([name, status]) => ({
    name,
    status,
    shape: [2],
    maxAbsError: 0,
    maxRelError: 0,
    worst: [],
    kinkCount: 0,
    checkedCount: 2,
  }));

test('the course slip (W1ᵀ where W2ᵀ belongs) is placed between the layers and recognised as a mix-up', () => {
  const report = checkTarget(twoLayerNet(3, 4, 'W1 for W2'), { mode: 'full' });
  assert.equal(report.passed, false);
  assert.deepEqual(
    report.inputs.map((i) => i.status),
    ['failed', 'failed', 'failed', 'passed', 'passed'],
  );
  const hint = report.hint ?? '';
  assert.match(
    hint,
    /^W2, b2 are right but x, W1, b1 are wrong; reading layers from the input names W1, b1, W2, b2: the gradient is right at layer 2 and goes wrong where it flows back into layer 1 \(check the step that computes the gradient at layer 1's output, e\.g\. dE\/dz1/,
  );
  assert.match(
    hint,
    /x, W1, b1 come out right when W1 is given W2's values, and when W2 is given W1's, so the backward seems to mix them up: it uses W1 where W2 belongs, or W2 where W1 belongs$/,
  );
});

test('a missing gate is placed between the layers but is not called a mix-up', () => {
  const report = checkTarget(twoLayerNet(3, 4, 'no gate'), { mode: 'full' });
  assert.deepEqual(
    report.inputs.map((i) => i.status),
    ['failed', 'failed', 'failed', 'passed', 'passed'],
  );
  assert.match(
    report.hint ?? '',
    /^W2, b2 are right but x, W1, b1 are wrong; reading layers from the input names W1, b1, W2, b2: the gradient is right at layer 2 and goes wrong where it flows back into layer 1/,
  );
  assert.doesNotMatch(report.hint ?? '', /mix/);
});

test('a correct network has no hint, and the probe costs nothing when all pass', () => {
  const report = checkTarget(twoLayerNet(3, 4), { mode: 'full' });
  assert.equal(report.passed, true);
  assert.equal(report.hint, undefined);
  assert.equal(report.forwardCalls, 2 + 2 * (12 + 16 + 4 + 16 + 4));
});

test('without numbered names the hint says only what the names show; the mix-up is still found', () => {
  const report = checkTarget(twoLayerNet(3, 4, 'W1 for W2', ['input', 'inner', 'innerBias', 'outer', 'outerBias']), { mode: 'full' });
  const hint = report.hint ?? '';
  assert.match(
    hint,
    /^outer, outerBias are right but input, inner, innerBias are wrong: the gradient is right where it reaches outer, outerBias, so the slip is in what only the gradients of input, inner, innerBias go through/,
  );
  assert.doesNotMatch(hint, /layer \d/);
  assert.match(hint, /uses inner where outer belongs, or outer where inner belongs/);
});

test('one failing input among passing ones points at its own formula', () => {
  const report = checkTarget(
    affine(3, 4, 2, (g) => [g[0], g[1], { data: g[2]!.data.map((v) => 2 * v), shape: g[2]!.shape }]),
    { mode: 'full' },
  );
  assert.equal(
    report.hint,
    "x, w are right but b is wrong: the gradient is right where it reaches x, w, so the slip is in what only b's gradient goes through: its own formula, or the last step back to it",
  );
});

test('pass/fail hints: only when some pass and some fail; layer numbers only when they are ordered', () => {
  assert.equal(passText(inputs({ x: 'failed', w: 'failed' })), undefined);
  assert.equal(passText(inputs({ x: 'passed', w: 'passed' })), undefined);
  assert.equal(passText(inputs({ x: 'passed', w: 'not-checked', b: 'kink' })), undefined);
  assert.match(
    passText(inputs({ x: 'failed', W1: 'failed', W2: 'passed', W3: 'passed' })) ?? '',
    /right at layer 2 and goes wrong where it flows back into layer 1/,
  );
  assert.match(
    passText(inputs({ fc_1: 'failed', fc_3: 'passed' })) ?? '',
    /right at layer 3 and goes wrong where it flows back into layer 1 .*dE\/dz1/,
  );
  // A later layer wrong while an earlier one is right is not a story about the step between them.
  assert.doesNotMatch(passText(inputs({ W1: 'passed', W2: 'failed' })) ?? '', /layer/);
  // The finding names the inputs whose numbers it read as layers, and only those.
  assert.match(
    passText(inputs({ x: 'failed', fc_1: 'failed', fc_3: 'passed', b_3: 'passed' })) ?? '',
    /^fc_3, b_3 are right but x, fc_1 are wrong; reading layers from the input names fc_1, fc_3, b_3: the gradient is right at layer 3 /,
  );
  // Only unnumbered inputs failing: nothing says where they sit.
  assert.doesNotMatch(passText(inputs({ x: 'failed', W1: 'passed' })) ?? '', /layer/);
});

test('the hint is printed, carried in JSON and in the JUnit failure', () => {
  const report = { ...checkTarget(twoLayerNet(3, 4, 'W1 for W2'), { mode: 'full' }), file: 'net.js', line: 1 };
  const text = formatReport([report], { color: false });
  // The mix-up leads, above the table; the pass/fail finding follows it as the hint.
  assert.match(
    text,
    /^✗ [^\n]*\n {4}finding: x, W1, b1 come out right when W1 is given W2's values.* mix them up: it uses W1 where W2 belongs, or W2 where W1 belongs\n {4}input/,
  );
  assert.match(text, /\n {4}hint: W2, b2 are right but x, W1, b1 are wrong; reading layers from the input names W1, b1, W2, b2:/);
  assert.doesNotMatch(text.slice(text.indexOf('hint:')), /mix them up/);
  const json = toJsonReport([report]);
  assert.equal(json.layers[0].hint, report.hint);
  assert.match(json.layers[0].headline ?? '', /^x, W1, b1 come out right when W1 is given W2's values/);
  assert.equal(JSON.parse(JSON.stringify(json)).layers[0].hint, report.hint);
  const xml = toJUnitXml([report]);
  // In CI too the mix-up leads each failing input's message and body; the pass/fail finding follows as the hint.
  assert.match(xml, /<failure message="backward uses W1 where W2 belongs, or W2 where W1 belongs · dx: wrong at 12 of 12 elements/);
  assert.match(xml, /type="GradientMismatch">finding: x, W1, b1 come out right when W1 is given W2's values/);
  assert.match(xml, /hint: W2, b2 are right but x, W1, b1 are wrong/);
  const passing = checkTarget(twoLayerNet(3, 4), { mode: 'full' });
  assert.doesNotMatch(formatReport([passing], { color: false }), /hint:/);
  assert.equal('hint' in toJsonReport([passing]).layers[0], false);
});

test('fast and sparse modes give the same layer finding', () => {
  for (const mode of ['fast', 'sparse'] as const) {
    const report = checkTarget(twoLayerNet(3, 4, 'W1 for W2'), { mode, sampleSize: 6 });
    assert.match(report.hint ?? '', /^W2, b2 are right but x, W1, b1 are wrong/, mode);
    assert.match(report.hint ?? '', /seems to mix them up/, mode);
  }
});

test('the mix-up probe leaves the inputs and the rest of the report as they were', () => {
  const target = twoLayerNet(3, 4, 'W1 for W2');
  const before = target.inputs.map((t) => Float64Array.from(t.data));
  const report = checkTarget(target, { mode: 'full' });
  target.inputs.forEach((t, i) => assert.deepEqual(t.data, before[i]));
  const w1 = report.inputs[1];
  assert.equal(w1.numeric?.length, 16);
  assert.ok(report.forwardCalls > 2 + 2 * 52, "the probe's forward calls are counted");
});

function passText(inputs: InputReport[]): string | undefined {
  return passFailFinding(inputs)?.text;
}

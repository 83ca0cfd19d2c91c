import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { formatReport, toJsonReport } from '../../src/gradcheck/format';
import { toJUnitXml } from '../../src/gradcheck/junit';
import { looserPassText } from '../../src/gradcheck/looserTolerance';
import type { CheckTarget } from '../../src/gradcheck/types';
import { lensOutcome } from '../../src/extension/outcomeText';
import { flat } from './layers';

/** Doubling with a backward off by 5e-5 everywhere: fails at atol 1e-5, passes at atol 1e-4. */
function slightlyOff(tolerance?: CheckTarget['tolerance']): CheckTarget {
  const shape = [4];
  return {
    name: 'slightlyOff',
    inputNames: ['x'],
    inputs: [flat([0.1, 0.2, 0.3, 0.4], shape)],
    forward: ([x]) => ({ out: { data: x.data.map((v) => 2 * v), shape }, cache: null }),
    backward: (_, dout) => [{ data: dout.data.map((u) => 2 * u + 5e-5), shape }],
    ...(tolerance ? { tolerance } : {}),
  };
}

test("a pass at the layer's looser atol says so on the lens, in the CLI table and in JSON", () => {
  assert.equal(checkTarget(slightlyOff(), { mode: 'full' }).passed, false);
  const report = checkTarget(slightlyOff({ atol: 1e-4 }), { mode: 'full' });
  assert.equal(report.passed, true);
  assert.equal(looserPassText(report), "passed at the layer's atol 1e-4 (settings: atol 1e-5)");
  assert.match(lensOutcome(report), /^✓ passed at the layer's atol 1e-4 \(settings: atol 1e-5\) · max rel err/);
  assert.match(formatReport([report], { color: false }), /\n {4}tolerance: passed at the layer's atol 1e-4 \(settings: atol 1e-5\)/);
  assert.equal(toJsonReport([report]).layers[0].toleranceNote, "passed at the layer's atol 1e-4 (settings: atol 1e-5)");
  assert.match(toJUnitXml([report]), /<system-out>passed at the layer's atol 1e-4 \(settings: atol 1e-5\)<\/system-out>/);
  assert.doesNotMatch(toJUnitXml([checkTarget(slightlyOff(), { mode: 'full', tolerance: { atol: 1e-4 } })]), /system-out/);
});

test('the settings are what the layer is compared with, and a tighter or equal layer tolerance says nothing', () => {
  const loose = checkTarget(slightlyOff({ atol: 1e-4, rtol: 1e-2 }), { mode: 'full', tolerance: { atol: 1e-3 } });
  assert.equal(looserPassText(loose), "passed at the layer's rtol 0.01 (settings: rtol 0.001)");
  const tighter = checkTarget(slightlyOff({ atol: 1e-4 }), { mode: 'full', tolerance: { atol: 1e-3 } });
  assert.equal(tighter.passed, true);
  assert.equal(looserPassText(tighter), undefined);
  assert.doesNotMatch(lensOutcome(tighter), /layer's/);
});

test('a layer that fails even at its looser tolerance is not said to have passed', () => {
  const report = checkTarget(slightlyOff({ atol: 2e-5 }), { mode: 'full' });
  assert.equal(report.passed, false);
  assert.equal(looserPassText(report), undefined);
});

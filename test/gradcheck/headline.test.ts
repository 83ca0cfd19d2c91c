import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerHeadline, otherFindings } from '../../src/gradcheck/headline';
import type { LayerFinding } from '../../src/gradcheck/types';

const passFail: LayerFinding = {
  kind: 'pass-fail',
  short: 'W2, b2 are right but x, W1, b1 are wrong',
  text: 'W2, b2 are right but x, W1, b1 are wrong: ...',
};
const mixUp: LayerFinding = {
  kind: 'mix-up',
  short: 'backward uses W1 where W2 belongs, or W2 where W1 belongs',
  text: '... mix them up ...',
};

test('a mix-up leads over the pass/fail finding, whichever order the checker found them in', () => {
  assert.equal(layerHeadline({ passed: false, findings: [passFail, mixUp] }), mixUp);
  assert.equal(layerHeadline({ passed: false, findings: [mixUp, passFail] }), mixUp);
  assert.equal(layerHeadline({ passed: false, findings: [passFail] }), passFail);
});

test('no headline without a finding, for a layer that passed, or for one that could not run', () => {
  assert.equal(layerHeadline({ passed: false }), undefined);
  assert.equal(layerHeadline({ passed: false, findings: [] }), undefined);
  assert.equal(layerHeadline({ passed: true, findings: [mixUp] }), undefined);
  assert.equal(layerHeadline({ passed: false, error: 'SyntaxError', findings: [mixUp] }), undefined);
});

test('the other findings follow the headline in the order found, without it', () => {
  assert.deepEqual(otherFindings({ passed: false, findings: [passFail, mixUp] }), [passFail]);
  assert.deepEqual(otherFindings({ passed: false, findings: [passFail] }), []);
  assert.deepEqual(otherFindings({ passed: false }), []);
});

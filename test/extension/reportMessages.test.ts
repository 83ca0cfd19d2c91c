import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReportMessage, type KnownResults, parseReportMessage } from '../../src/extension/reportMessages';

const CHECKED = '/work/layers.js';
const known: KnownResults = {
  hasFile: (file) => file === CHECKED,
  hasLayer: (file, layer) => file === CHECKED && layer === 'Dense',
};

test('reveal and rerun of a path with no results this session do nothing and say why', () => {
  const reveal = checkReportMessage({ type: 'reveal', file: '/etc/passwd', line: 0 }, known);
  assert.deepEqual(reveal, { ok: false, reason: 'reveal: /etc/passwd has no results in this session' });
  const rerun = checkReportMessage({ type: 'rerun', file: '/tmp/evil.js', layer: 'Dense', mode: 'full' }, known);
  assert.equal(rerun.ok, false);
  assert.match(!rerun.ok ? rerun.reason : '', /\/tmp\/evil\.js has no results/);
  const otherLayer = checkReportMessage({ type: 'rerun', file: CHECKED, layer: 'Conv', mode: 'fast' }, known);
  assert.deepEqual(otherLayer, { ok: false, reason: `rerun: ${CHECKED} has no results for layer Conv` });
});

test('reveal and rerun of a checked file pass, rebuilt without extra fields', () => {
  assert.deepEqual(checkReportMessage({ type: 'reveal', file: CHECKED, line: 12, command: 'rm -rf' }, known), {
    ok: true,
    message: { type: 'reveal', file: CHECKED, line: 12 },
  });
  assert.deepEqual(checkReportMessage({ type: 'rerun', file: CHECKED, layer: 'Dense', mode: 'fast' }, known), {
    ok: true,
    message: { type: 'rerun', file: CHECKED, layer: 'Dense', mode: 'fast' },
  });
});

test('messages of the wrong shape are refused with the field at fault', () => {
  const reasons = [
    null,
    'ready',
    [],
    { type: 'open', file: CHECKED },
    { type: 'reveal', file: CHECKED, line: -1 },
    { type: 'reveal', file: CHECKED, line: 1.5 },
    { type: 'reveal', file: 42, line: 1 },
    { type: 'rerun', file: CHECKED, layer: 'Dense', mode: 'slow' },
    { type: 'rerun', file: CHECKED, mode: 'full' },
    { type: 'rendered', selection: { file: CHECKED }, heatmaps: 3, slice: '' },
    { type: 'rendered', selection: { file: CHECKED, layer: 'Dense' }, heatmaps: '3', slice: '' },
  ].map((m) => {
    const r = parseReportMessage(m);
    assert.equal(r.ok, false, JSON.stringify(m));
    return r.ok ? '' : r.reason;
  });
  assert.deepEqual(reasons.slice(0, 4), ['not an object', 'not an object', 'not an object', 'unknown type "open"']);
  assert.match(reasons[7], /mode "slow"/);
  assert.match(reasons[9], /selection\.layer/);
});

test('ready and rendered need no results: the page may draw before any check', () => {
  const empty: KnownResults = { hasFile: () => false, hasLayer: () => false };
  assert.deepEqual(checkReportMessage({ type: 'ready' }, empty), { ok: true, message: { type: 'ready' } });
  const rendered = { type: 'rendered', selection: { file: CHECKED, layer: 'Dense', input: 'x' }, heatmaps: 3, slice: '[:, 0]' };
  assert.deepEqual(checkReportMessage(rendered, empty), { ok: true, message: rendered });
});

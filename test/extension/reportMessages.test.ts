import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReportMessage, type KnownResults, type ReportHost, receiveReportMessage } from '../../src/extension/reportMessages';
import { parseReportMessage } from '../../src/reportProtocol';

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

test('reveal and rerun of a checked file pass; a field the protocol lacks is refused, not carried', () => {
  assert.deepEqual(checkReportMessage({ type: 'reveal', file: CHECKED, line: 12 }, known), {
    ok: true,
    message: { type: 'reveal', file: CHECKED, line: 12 },
  });
  assert.deepEqual(checkReportMessage({ type: 'reveal', file: CHECKED, line: 12, command: 'rm -rf' }, known), {
    ok: false,
    reason: "'reveal' message.command is not one of its fields (type, file, line)",
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
  assert.deepEqual(reasons.slice(0, 4), [
    'a report message must be an object, got null',
    'a report message must be an object, got "ready"',
    'a report message must be an object, got an array',
    'unknown report message type "open"',
  ]);
  assert.equal(reasons[4], "'reveal' message.line must be a whole number of at least 0, got -1");
  assert.equal(reasons[7], `'rerun' message.mode must be full or fast, got "slow"`);
  assert.equal(reasons[9], "'rendered' message.selection.layer must be a non-empty string, got nothing");
});

test('ready and rendered need no results: the page may draw before any check', () => {
  const empty: KnownResults = { hasFile: () => false, hasLayer: () => false };
  assert.deepEqual(checkReportMessage({ type: 'ready' }, empty), { ok: true, message: { type: 'ready' } });
  const rendered = { type: 'rendered', selection: { file: CHECKED, layer: 'Dense', input: 'x' }, heatmaps: 3, slice: '[:, 0]' };
  assert.deepEqual(checkReportMessage(rendered, empty), { ok: true, message: rendered });
});

/** A host that records what it was asked to do, over the same known results. */
function recordingHost(): ReportHost & { did: string[] } {
  const did: string[] = [];
  return {
    ...known,
    did,
    ready: () => did.push('ready'),
    rerun: (file, layer, mode) => did.push(`rerun ${file} ${layer} ${mode}`),
    reveal: (file, line) => did.push(`reveal ${file}:${line}`),
    rendered: (m) => did.push(`rendered ${m.heatmaps}`),
    refused: (reason) => did.push(`refused: ${reason}`),
  };
}

test('the host opens and runs nothing for a path without results; it says why instead', () => {
  const host = recordingHost();
  receiveReportMessage({ type: 'reveal', file: '/home/me/.ssh/config', line: 0 }, host);
  receiveReportMessage({ type: 'rerun', file: '/tmp/evil.js', layer: 'Dense', mode: 'full' }, host);
  receiveReportMessage({ type: 'reveal', file: CHECKED, line: 'x' }, host);
  assert.deepEqual(host.did, [
    'refused: reveal: /home/me/.ssh/config has no results in this session',
    'refused: rerun: /tmp/evil.js has no results in this session',
    'refused: \'reveal\' message.line must be a whole number of at least 0, got "x"',
  ]);
  receiveReportMessage({ type: 'reveal', file: CHECKED, line: 3 }, host);
  receiveReportMessage({ type: 'rerun', file: CHECKED, layer: 'Dense', mode: 'full' }, host);
  receiveReportMessage({ type: 'ready' }, host);
  assert.deepEqual(host.did.slice(3), [`reveal ${CHECKED}:3`, `rerun ${CHECKED} Dense full`, 'ready']);
});

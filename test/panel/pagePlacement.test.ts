/**
 * Training in the page, the parts that need no browser: where a run trains and why
 * (placement.ts, on the probe and on measured speeds), the speeds the host measures
 * (trainingPanel/speeds.ts), the host's record of a page run (trainingPanel/pageJob.ts),
 * the page messages' checks (trainingPanelProtocol.ts) and the policy that lets the page
 * start its worker (panelHtml.ts). The browser side is test/browser/pageTraining.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decidePlacement, placementHint, placementText } from '../../webview/panel/placement';
import type { GpuProbe } from '../../webview/panel/pageWorkerProtocol';
import { PageTrainingJob } from '../../src/extension/trainingPanel/pageJob';
import { panelHtml } from '../../src/extension/panelHtml';
import { contentSecurityPolicy } from '../../src/extension/webviewHtml';
import { parseWebviewMessage, speedKey } from '../../src/trainingPanelProtocol';
import type { PageControl } from '../../src/trainingPanelProtocol';
import type { StartedEvent, StepEvent, TrainEvent } from '../../src/training/events';
import { steadySpeed, withMeasuredSpeed } from '../../src/extension/trainingPanel/speeds';
import { type FormValues, formToConfig } from '../../webview/panel/formConfig';
import { panelChoices } from '../../src/extension/panelChoices';
import { RunStore } from '../../src/training/runStore';

const SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const NVIDIA = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 (0x00002684) Direct3D11 vs_5_0 ps_5_0, D3D11)';

const MODES: Record<GpuProbe['api'], GpuProbe['mode']> = { WebGL2: 'webgl2', WebGL: 'webgl', WebAssembly: 'webasm', JavaScript: 'cpu' };

function probe(renderer: string | null, software: boolean, api: GpuProbe['api'] = 'WebGL2'): GpuProbe {
  return {
    api,
    mode: MODES[api],
    renderer,
    webgpuAdapter: null,
    software,
    recommended: software || !renderer ? 'cpu' : 'gpu',
    reason: software ? 'software' : `${api} on a hardware GPU (${renderer}).`,
    label: renderer ? `${api}, ${renderer}` : `${api} (gpu.js, no GPU)`,
  };
}

test('auto trains in the page on a hardware GPU and says so', () => {
  const p = decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: false });
  assert.deepEqual(p, { where: 'page', label: `WebGL2, ${NVIDIA}`, reason: `WebGL2 on a hardware GPU (${NVIDIA}).` });
  assert.equal(placementText(p), `training on: WebGL2, ${NVIDIA}`);
});

test('auto keeps the host CPU on a software renderer, naming it', () => {
  const p = decidePlacement({ place: 'auto', probe: probe(SWIFTSHADER, true), fileDataset: false });
  assert.equal(p.where, 'host');
  assert.equal(
    placementText(p),
    "training on: fast CPU in the extension host (the page's GPU is SwiftShader, a software renderer: slower than the CPU path)",
  );
  const llvm = decidePlacement({ place: 'auto', probe: probe('llvmpipe (LLVM 15.0.6, 256 bits)', true), fileDataset: false });
  assert.match(llvm.reason, /the page's GPU is llvmpipe, a software renderer/);
  const noGl = decidePlacement({ place: 'auto', probe: probe(null, false, 'WebAssembly'), fileDataset: false });
  assert.equal(noGl.where, 'host');
  assert.match(noGl.reason, /no WebGL: gpu.js would run WebAssembly on the CPU/);
});

test('the forced choices win, except that file datasets and a failed probe keep the host', () => {
  const page = decidePlacement({ place: 'page', probe: probe(SWIFTSHADER, true), fileDataset: false });
  assert.equal(page.where, 'page');
  assert.match(page.reason, /"Train on" is set to page GPU \(the page's GPU is SwiftShader/);
  assert.equal(decidePlacement({ place: 'page', probe: probe(NVIDIA, false), fileDataset: false }).reason, '"Train on" is set to page GPU');
  const host = decidePlacement({ place: 'host', probe: probe(NVIDIA, false), fileDataset: false });
  assert.deepEqual(host, { where: 'host', label: 'fast CPU in the extension host', reason: '"Train on" is set to host CPU' });
  const files = decidePlacement({ place: 'page', probe: probe(NVIDIA, false), fileDataset: true });
  assert.equal(files.where, 'host');
  assert.match(files.reason, /read from files, which only the extension host can open/);
  const failed = decidePlacement({ place: 'page', probe: null, probeError: 'this page has no Web Workers', fileDataset: false });
  assert.equal(failed.where, 'host');
  assert.equal(failed.reason, 'the page cannot train: this page has no Web Workers');
});

test('the hint says what a start would do, and that auto is still probing', () => {
  assert.equal(placementHint({ place: 'auto', probe: null, fileDataset: false }), 'auto: probing the page’s GPU…');
  assert.equal(
    placementHint({ place: 'auto', probe: probe(SWIFTSHADER, true), fileDataset: false }),
    "auto: trains in the extension host, on its fast CPU backend, because the page's GPU is SwiftShader, a software renderer: slower than the CPU path.",
  );
  assert.equal(
    placementHint({ place: 'page', probe: probe(NVIDIA, false), fileDataset: false }),
    `page GPU: trains in this page on WebGL2, ${NVIDIA}, because "Train on" is set to page GPU.`,
  );
});

test('auto follows the speeds measured on earlier runs, and the reason gives both figures', () => {
  const measured = (page: number, host: number) => ({ page, host, unit: 'images/s' });
  // [the page's GPU, images/s it trained at in the page, in the host, where auto trains]
  const cases: [GpuProbe, number, number, 'page' | 'host'][] = [
    [probe(NVIDIA, false), 1850, 420, 'page'],
    // A hardware GPU that trains this model slower than the host's CPU: the figures win over the name.
    [probe(NVIDIA, false), 95, 420, 'host'],
    // A software renderer that measured faster (a small model, a slow host): the figures win again.
    [probe(SWIFTSHADER, true), 600, 420, 'page'],
    // A tie stays in the host, which does not need the page to stay open.
    [probe(NVIDIA, false), 420, 420, 'host'],
    [probe(NVIDIA, false), 2.4, 7.96, 'host'],
  ];
  for (const [gpu, page, hostRate, where] of cases) {
    const p = decidePlacement({ place: 'auto', probe: gpu, fileDataset: false, measured: measured(page, hostRate) });
    assert.equal(p.where, where, `${page} in the page, ${hostRate} in the host`);
    assert.equal(p.label, where === 'page' ? gpu.label : 'fast CPU in the extension host');
  }
  assert.equal(
    decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: false, measured: measured(1850, 420) }).reason,
    'it trained faster there on earlier runs of this setup: 1,850 images/s against 420 images/s in the extension host',
  );
  const slowGpu = decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: false, measured: measured(95, 420) });
  assert.equal(
    placementText(slowGpu),
    'training on: fast CPU in the extension host (it trained faster there on earlier runs of this setup: 420 images/s against 95 images/s in the page)',
  );
  assert.equal(
    decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: false, measured: measured(2.4, 7.96) }).reason,
    'it trained faster there on earlier runs of this setup: 8.0 images/s against 2.4 images/s in the page',
  );
  assert.equal(
    placementHint({ place: 'auto', probe: probe(SWIFTSHADER, true), fileDataset: false, measured: measured(600, 420) }),
    `auto: trains in this page on WebGL2, ${SWIFTSHADER}, because it trained faster there on earlier runs of this setup: 600 images/s against 420 images/s in the extension host.`,
  );
});

test('with one place measured, or a forced choice, the figures do not decide', () => {
  const pageOnly = { page: 900, unit: 'images/s' };
  assert.equal(
    decidePlacement({ place: 'auto', probe: probe(SWIFTSHADER, true), fileDataset: false, measured: pageOnly }).reason,
    "the page's GPU is SwiftShader, a software renderer: slower than the CPU path",
  );
  assert.equal(
    decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: false, measured: { host: 900, unit: 'images/s' } }).where,
    'page',
  );
  const both = { page: 5000, host: 10, unit: 'images/s' };
  assert.equal(
    decidePlacement({ place: 'host', probe: probe(NVIDIA, false), fileDataset: false, measured: both }).reason,
    '"Train on" is set to host CPU',
  );
  assert.equal(decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: true, measured: both }).where, 'host');
  assert.equal(decidePlacement({ place: 'auto', probe: null, probeError: 'no worker', fileDataset: false, measured: both }).where, 'host');
  assert.equal(
    decidePlacement({
      place: 'page',
      probe: probe(NVIDIA, false),
      fileDataset: false,
      measured: { page: 10, host: 5000, unit: 'images/s' },
    }).where,
    'page',
  );
});

function stepAt(step: number, throughput: number): StepEvent {
  return { type: 'step', step, totalSteps: 10, epoch: step / 5, loss: 1, metrics: {}, throughput, elapsedMs: step * 10, etaMs: 0 };
}

const STARTED_ON_IMAGES = {
  type: 'started',
  runId: 'r',
  dataset: { name: 'synthetic', kind: 'image', trainCount: 64, testCount: 8, inputShape: [3, 32, 32] },
} as StartedEvent;
const DONE: TrainEvent = { type: 'done', reason: 'completed', step: 10, epoch: 2, elapsedMs: 100, metrics: {}, runId: 'r' };

test("a run's measured speed is the median of its second half, past the warm-up", () => {
  // Steps 1-5 compile kernels and warm up (slow, then a burst); 6-10 are steady.
  const rates = [5, 900, 40, 45, 50, 100, 104, 98, 102, 250];
  const events = rates.map((r, i) => stepAt(i + 1, r));
  assert.equal(steadySpeed(events), 102);
  assert.equal(steadySpeed(events.slice(0, 8)), (98 + 100) / 2, 'steps 5-8: 50, 100, 104, 98, so the middle two');
  assert.equal(steadySpeed(events.slice(0, 4)), null, 'two steps in the second half say nothing yet');
  assert.equal(steadySpeed([]), null);
});

test('the host keeps the speed under the setup the form names, per place, and only for finished runs', () => {
  const choices = panelChoices();
  const values: FormValues = {
    model: 'cnn',
    preset: '',
    dataset: 'synthetic',
    dataDir: '',
    length: '10',
    lengthUnit: 'steps',
    batchSize: '',
    lr: '',
    seed: '',
    trainLimit: '',
    ganLoss: 'minimax',
    causal: false,
    backendChoice: 'auto',
  };
  const config = formToConfig(values, choices);
  const run = (rate: number): TrainEvent[] => [STARTED_ON_IMAGES, ...Array.from({ length: 10 }, (_, i) => stepAt(i + 1, rate)), DONE];
  const afterHost = withMeasuredSpeed({}, config, 'host', run(420));
  const key = speedKey(values.model, values.preset, values.dataset);
  assert.deepEqual(afterHost, { [key]: { unit: 'images/s', host: 420 } });
  const afterPage = withMeasuredSpeed(afterHost!, config, 'page', run(1850));
  assert.deepEqual(afterPage![key], { unit: 'images/s', host: 420, page: 1850 });
  assert.equal(
    decidePlacement({ place: 'auto', probe: probe(NVIDIA, false), fileDataset: false, measured: afterPage![key] }).where,
    'page',
  );
  // A newer run replaces the older figure for its place; a failed or unfinished run changes nothing.
  assert.equal(withMeasuredSpeed(afterPage!, config, 'page', run(90))![key].page, 90);
  assert.equal(withMeasuredSpeed(afterPage!, config, 'page', run(90).slice(0, -1)), null);
  assert.equal(withMeasuredSpeed(afterPage!, config, 'page', [...run(90).slice(0, -1), { type: 'error', message: 'x' }]), null);
  // Another preset is another setup.
  assert.notEqual(speedKey('cnn', 'tiny', 'synthetic'), key);
});

test("a page job keeps its run in the store under the store's id and relays events in order", () => {
  const root = mkdtempSync(join(tmpdir(), 'gradlens-pagejob-'));
  try {
    const store = new RunStore(root);
    const relayed: TrainEvent[] = [];
    let ended = 0;
    const job = new PageTrainingJob(
      store,
      (e) => relayed.push(e),
      () => ended++,
      () => undefined,
    );
    job.record({ op: 'create', token: 'page-abc', config: { model: 'gan', trainedIn: 'page' }, label: 'gan-ring' });
    job.receive({ type: 'started', runId: 'page-abc' } as TrainEvent);
    assert.ok(job.runId && job.runId !== 'page-abc' && job.runId.endsWith('gan-ring'), String(job.runId));
    job.record({ op: 'append', token: 'page-abc', row: { type: 'step', step: 1, loss: 0.7 } });
    job.receive({ type: 'step', step: 1, totalSteps: 1, epoch: 1, loss: 0.7, metrics: {}, throughput: 10, elapsedMs: 5, etaMs: 0 });
    job.record({ op: 'weights', token: 'page-abc', entries: [{ name: 'w', shape: [2], data: [1, 2] }] });
    job.record({ op: 'finish', token: 'page-abc', status: 'completed', metrics: { loss: 0.7 } });
    assert.throws(() => job.record({ op: 'append', token: 'page-other', row: {} }), /run record 'page-other', which this job did not open/);
    job.receive({ type: 'done', reason: 'completed', step: 1, epoch: 1, elapsedMs: 5, metrics: { loss: 0.7 }, runId: 'page-abc' });
    assert.equal(job.active, false);
    assert.equal(ended, 1);
    assert.deepEqual(
      relayed.map((e) => e.type),
      ['started', 'step', 'done'],
    );
    assert.equal((relayed[2] as { runId: string }).runId, job.runId);
    const run = store.open(job.runId!);
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.metrics, [{ type: 'step', step: 1, loss: 0.7 }]);
    assert.deepEqual(Array.from(store.readWeights(job.runId!)[0].data), [1, 2]);
    job.receive({ type: 'log', message: 'late' });
    assert.equal(relayed.length, 3, 'nothing is relayed after the end');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a page job passes controls to the page, and ends as failed when the page goes away', () => {
  const root = mkdtempSync(join(tmpdir(), 'gradlens-pagejob-'));
  try {
    const store = new RunStore(root);
    const relayed: TrainEvent[] = [];
    const controls: PageControl[] = [];
    const job = new PageTrainingJob(
      store,
      (e) => relayed.push(e),
      () => undefined,
      (c) => controls.push(c),
    );
    job.record({ op: 'create', token: 't1', config: { model: 'gan' }, label: 'gan-ring' });
    job.receive({ type: 'started', runId: 't1' } as TrainEvent);
    job.send({ type: 'pause' });
    job.send({ type: 'stop' });
    assert.deepEqual(controls, ['pause', 'stop']);
    job.pageGone('the panel was closed');
    assert.equal(job.active, false);
    const last = relayed[relayed.length - 1];
    assert.deepEqual(last, { type: 'error', message: "training in the panel's page ended: the panel was closed" });
    const run = store.open(job.runId!);
    assert.equal(run.status, 'failed');
    assert.equal(run.result?.error, "training in the panel's page ended: the panel was closed");
    job.send({ type: 'resume' });
    assert.deepEqual(controls, ['pause', 'stop'], 'an ended job passes nothing on');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the page messages are checked, and faults named', () => {
  const placement = { where: 'page', label: 'WebGL2, X', reason: 'forced' };
  assert.deepEqual(parseWebviewMessage({ type: 'pageStarted', config: { model: 'gan' }, placement }), {
    type: 'pageStarted',
    config: { model: 'gan' },
    placement,
  });
  assert.deepEqual(
    parseWebviewMessage({ type: 'start', config: { model: 'gan' }, placement: { ...placement, where: 'host' } }).type,
    'start',
  );
  const cases: [unknown, RegExp][] = [
    [{ type: 'pageStarted', config: { model: 'gan' } }, /'pageStarted' message\.placement must be an object, got nothing/],
    [
      { type: 'start', config: { model: 'gan' }, placement: { where: 'moon', label: 'a', reason: 'b' } },
      /placement\.where must be host or page, got "moon"/,
    ],
    [
      { type: 'pageEvent', event: { type: 'explode' } },
      /'pageEvent' message\.event\.type must be one of started, step, .*, got "explode"$/,
    ],
    [
      { type: 'pageEvent', event: { type: 'step', step: 'one' } },
      /'pageEvent' message\.event\.step must be a whole number of at least 0, got "one"$/,
    ],
    [
      {
        type: 'pageEvent',
        event: { type: 'done', reason: 'completed', step: 3, epoch: 1, elapsedMs: 9, metrics: { loss: null }, runId: null },
      },
      /event\.metrics\.loss must be a finite number, got null$/,
    ],
    [{ type: 'pageRecord', record: { op: 'append', token: 't', row: [] } }, /record\.row must be an object, got an array/],
    [
      { type: 'pageRecord', record: { op: 'weights', token: 't', entries: [{ name: 'w', shape: [3], data: [1, 2] }] } },
      /shape \[3\] holds 3 values but data has 2/,
    ],
    [
      { type: 'pageRecord', record: { op: 'finish', token: 't', status: 'won', metrics: {} } },
      /record\.status must be one of completed, stopped, failed, got "won"/,
    ],
    [
      { type: 'pageRecord', record: { op: 'delete', token: 't' } },
      /record\.op must be one of create, append, weights, finish, got "delete"/,
    ],
    [{ type: 'pageRecord', record: { op: 'create', config: {}, label: 'x' } }, /record\.token must be a non-empty string/],
  ];
  for (const [raw, pattern] of cases) assert.throws(() => parseWebviewMessage(raw), pattern, JSON.stringify(raw));
});

test('a panel with an in-page trainer may fetch it from the extension and start it from a blob, nothing more', () => {
  const src = 'https://file+.vscode-resource.vscode-cdn.net';
  const nonce = 'n0nce0123456789abcdefABCDEF01234';
  const html = panelHtml({ cspSource: src, nonce, scriptUri: `${src}/panel.js`, styleUris: [], workerUri: `${src}/trainWorker.js` });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.equal(csp, contentSecurityPolicy(src, nonce, { worker: true }));
  assert.match(csp!, new RegExp(`connect-src ${src.replace(/[.+]/g, '\\$&')}(;|$)`));
  assert.match(csp!, /worker-src blob:(;|$)/);
  assert.doesNotMatch(csp!, /unsafe-eval|unsafe-inline|\*/);
  assert.match(html, new RegExp(`<body data-worker-src="${src.replace(/[.+]/g, '\\$&')}/trainWorker\\.js">`));
  assert.doesNotMatch(contentSecurityPolicy(src, nonce), /worker-src|connect-src/, 'without a worker the policy stays as it was');
});

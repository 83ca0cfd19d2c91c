/**
 * Training in the panel's page, in headless Chromium with SwiftShader's WebGL2: the real
 * panel.js and trainWorker.js under the panel's real Content-Security-Policy, and a
 * stand-in host in this process that checks every page message with the host's own
 * parser, keeps page runs with the host's PageTrainingJob in a real RunStore, and trains
 * host runs with the real Trainer. So both places are exercised end to end, and their
 * throughput on this machine is measured side by side.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PageServer, servePage } from './pageServer';
import type { Browser, Page } from 'playwright-core';
import { panelHtml } from '../../src/extension/panelHtml';
import { panelChoices } from '../../src/extension/panelChoices';
import { PageTrainingJob } from '../../src/extension/trainingPanel/pageJob';
import { parseWebviewMessage } from '../../src/trainingPanelProtocol';
import type { HostMessage, JobState, Placement, WebviewMessage } from '../../src/trainingPanelProtocol';
import type { DoneEvent, StartedEvent, StepEvent, TrainEvent } from '../../src/training/events';
import { RunStore } from '../../src/training/runStore';
import { Trainer } from '../../src/training/trainer';
import { requireOrSkip } from '../helpers/requireOrSkip';

const CHROMIUM = process.env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium';
const NONCE = 'pagetrainnonce0123456789abcdefAB';
const skip =
  requireOrSkip(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), "install Debian's chromium, or set GRADLENS_CHROMIUM") ||
  requireOrSkip('dist/webview/trainWorker.js', existsSync('dist/webview/trainWorker.js'), 'run node esbuild.mjs first');

/** A GAN on the ring, small enough for SwiftShader to train in a few seconds. */
const STEPS = 20;
const BATCH = 32;

let server: PageServer | undefined;
let origin = '';
let browser: Browser | null = null;
let runsDir = '';

before(async () => {
  if (skip) return;
  runsDir = mkdtempSync(join(tmpdir(), 'gradlens-page-runs-'));
  server = await servePage((at) =>
    panelHtml({
      cspSource: at,
      nonce: NONCE,
      scriptUri: `${at}/panel.js`,
      styleUris: [`${at}/panel.css`],
      workerUri: `${at}/trainWorker.js`,
    }),
  );
  origin = server.origin;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // SwiftShader gives WebGL2 without a GPU; the sandbox flags let Chromium start as root in containers.
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-gpu-sandbox'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (runsDir) rmSync(runsDir, { recursive: true, force: true });
});

/** The extension's side of the bridge, as trainingPanel.ts does it, minus VS Code. */
class StandInHost {
  readonly received: WebviewMessage[] = [];
  readonly events: TrainEvent[] = [];
  readonly store = new RunStore(runsDir);
  private job: PageTrainingJob | Trainer | null = null;
  private state: JobState = 'idle';
  private chain: Promise<unknown> = Promise.resolve();
  readonly problems: string[] = [];

  constructor(private readonly page: Page) {}

  private post(m: HostMessage): void {
    this.chain = this.chain
      .then(() => this.page.evaluate((data) => window.dispatchEvent(new MessageEvent('message', { data })), m))
      .catch(() => undefined);
  }

  private relay(e: TrainEvent): void {
    this.events.push(e);
    this.post({ type: 'event', event: e });
    if (e.type === 'state') this.post({ type: 'job', state: (this.state = e.state) });
  }

  private ended(): void {
    this.job = null;
    this.post({ type: 'job', state: (this.state = 'idle') });
  }

  receive(raw: unknown): void {
    let m: WebviewMessage;
    try {
      m = parseWebviewMessage(raw);
    } catch (err) {
      this.problems.push(`host refused a page message: ${(err as Error).message}`);
      return;
    }
    this.received.push(m);
    switch (m.type) {
      case 'ready':
        this.post({ type: 'init', choices: panelChoices(), runs: [], dataDir: null, job: 'idle', trainOn: 'auto', placement: null });
        this.post({ type: 'replay', events: [] });
        break;
      case 'start': {
        const trainer = new Trainer(m.config, { store: this.store, onEvent: (e) => this.relay(e) });
        this.job = trainer;
        this.post({ type: 'job', state: (this.state = 'running'), placement: m.placement ?? null });
        void trainer
          .run()
          .catch(() => undefined)
          .then(() => this.ended());
        break;
      }
      case 'pageStarted':
        this.job = new PageTrainingJob(
          this.store,
          (e) => this.relay(e),
          () => this.ended(),
          (request) => this.post({ type: 'pageControl', request }),
        );
        this.post({ type: 'job', state: (this.state = 'running'), placement: m.placement });
        break;
      case 'pageEvent':
        if (this.job instanceof PageTrainingJob) this.job.receive(m.event);
        else this.problems.push(`a page event with no page job: ${m.event.type}`);
        break;
      case 'pageRecord':
        if (this.job instanceof PageTrainingJob) this.job.record(m.record);
        else this.problems.push('a page record with no page job');
        break;
      case 'pause':
      case 'resume':
      case 'stop':
        if (this.job instanceof PageTrainingJob) this.job.send({ type: m.type });
        else this.job?.[m.type]();
        break;
      default:
        break;
    }
  }
}

async function openPanel(): Promise<{ page: Page; host: StandInHost; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 1600 } });
  const host = new StandInHost(page);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.exposeFunction('gradlensHostReceive', (m: unknown) => host.receive(m));
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    let state: unknown;
    w.acquireVsCodeApi = () => ({
      getState: () => state,
      setState: (s: unknown) => (state = s),
      postMessage: (m: unknown) => (w.gradlensHostReceive as (m: unknown) => void)(m),
    });
    // The page's main thread ticks every 20 ms; the longest gap between ticks shows whether training blocks it.
    w.__maxGap = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      w.__maxGap = Math.max(w.__maxGap as number, now - last);
      last = now;
    }, 20);
  });
  await page.goto(origin);
  await page.locator('#model option[value="gan"]').waitFor({ state: 'attached' });
  await page.selectOption('#model', 'gan');
  await page.selectOption('#dataset', 'ring');
  await page.fill('#length', String(STEPS));
  await page.selectOption('#lengthUnit', 'steps');
  await page.fill('#batchSize', String(BATCH));
  await page.fill('#seed', '1');
  return { page, host, problems };
}

/**
 * Steady-state training throughput: the median of the trainer's own examples/s (a
 * sliding window) over the second half of the run, past kernel compilation and warm-up.
 */
function examplesPerSecond(host: StandInHost): number {
  assert.ok(
    host.events.some((e): e is DoneEvent => e.type === 'done'),
    'the run finished',
  );
  const rates = host.events
    .filter((e): e is StepEvent => e.type === 'step' && e.step > STEPS / 2)
    .map((e) => e.throughput)
    .sort((a, b) => a - b);
  assert.ok(rates.length > 0, 'step events in the second half of the run');
  return rates[Math.floor(rates.length / 2)];
}

test('forced to the page GPU, a GAN trains in a Web Worker on WebGL2, the page stays responsive, and the host keeps the run', {
  skip,
}, async (t) => {
  const { page, host, problems } = await openPanel();
  await page.selectOption('#trainOn', 'page');
  await page.locator('#trainOn-hint', { hasText: /page GPU: trains in this page on WebGL2/ }).waitFor({ timeout: 30_000 });
  await page.evaluate(() => ((window as unknown as Record<string, number>).__maxGap = 0));
  await page.click('#start');
  await page.locator('#progress-text', { hasText: `Completed at step ${STEPS} ` }).waitFor({ timeout: 60_000 });

  const header = (await page.textContent('#backend'))!;
  t.diagnostic(header);
  assert.match(header, /^training on: WebGL2, ANGLE \(.*SwiftShader/);
  const started = host.received.find((m): m is Extract<WebviewMessage, { type: 'pageStarted' }> => m.type === 'pageStarted');
  assert.ok(started, 'the page told the host it trains this run');
  assert.equal(started.placement.where, 'page');
  assert.match(started.placement.reason, /set to page GPU.*SwiftShader, a software renderer/);
  assert.ok(!host.received.some((m) => m.type === 'start'), 'the host was not asked to train');

  // Events went through the host and back, into the same state and charts.
  const startedEvent = host.events.find((e): e is StartedEvent => e.type === 'started');
  assert.ok(startedEvent);
  assert.match(startedEvent.backend.name, /^WebGL2, .*SwiftShader/);
  const steps = host.events.filter((e): e is StepEvent => e.type === 'step');
  assert.ok(steps.length >= 3, `step events arrived (${steps.length})`);
  assert.ok(
    steps.every((s) => Number.isFinite(s.loss) && Number.isFinite(s.metrics.lossG)),
    'losses are finite',
  );
  await page.locator('#loss-body canvas').first().waitFor();
  await page.locator('#ring-scatter').waitFor();

  // The run is in the host's store under its store id, with metrics, result and weights.
  const runId = startedEvent.runId;
  assert.ok(runId && !runId.startsWith('page-'), `the page's token was swapped for the store's id (${runId})`);
  const run = host.store.open(runId);
  assert.equal(run.status, 'completed');
  assert.equal(run.config.trainedIn, 'page');
  assert.ok(run.metrics.some((r) => r.type === 'step') && run.metrics.some((r) => r.type === 'done'));
  assert.ok(host.store.readWeights(runId).length > 0, 'weights saved');

  const pageRate = examplesPerSecond(host);
  const maxGap = await page.evaluate(() => (window as unknown as Record<string, number>).__maxGap);
  t.diagnostic(
    `in-page (SwiftShader WebGL2): ${pageRate.toFixed(0)} examples/s; longest main-thread stall while training ${maxGap.toFixed(0)} ms`,
  );
  assert.ok(maxGap < 1000, `the page's main thread stalled ${maxGap.toFixed(0)} ms while training`);
  (globalThis as Record<string, unknown>).__pageRate = pageRate;
  assert.deepEqual([...problems, ...host.problems], []);
  await page.close();
});

test('auto picks the host CPU on SwiftShader, says why, and the host trains the run', { skip }, async (t) => {
  const { page, host, problems } = await openPanel();
  assert.equal(await page.inputValue('#trainOn'), 'auto');
  await page.locator('#trainOn-hint', { hasText: /auto: trains in the extension host/ }).waitFor({ timeout: 30_000 });
  await page.click('#start');
  await page.locator('#progress-text', { hasText: `Completed at step ${STEPS} ` }).waitFor({ timeout: 60_000 });
  const header = (await page.textContent('#backend'))!;
  t.diagnostic(header);
  assert.equal(
    header,
    "training on: fast CPU in the extension host (the page's GPU is SwiftShader, a software renderer: slower than the CPU path)",
  );
  const start = host.received.find((m): m is Extract<WebviewMessage, { type: 'start' }> => m.type === 'start');
  assert.ok(start, 'the host was asked to train');
  assert.deepEqual(start.placement, {
    where: 'host',
    label: 'fast CPU in the extension host',
    reason: "the page's GPU is SwiftShader, a software renderer: slower than the CPU path",
  } satisfies Placement);
  assert.ok(!host.received.some((m) => m.type === 'pageStarted'));

  const hostRate = examplesPerSecond(host);
  const pageRate = (globalThis as Record<string, unknown>).__pageRate as number | undefined;
  t.diagnostic(
    `host CPU: ${hostRate.toFixed(0)} examples/s${pageRate ? `; in-page SwiftShader / host CPU = ${(pageRate / hostRate).toFixed(3)}` : ''}`,
  );
  assert.deepEqual([...problems, ...host.problems], []);
  await page.close();
});

test('a run in the page pauses, resumes and stops through the host, and is recorded as stopped', { skip }, async () => {
  const { page, host, problems } = await openPanel();
  await page.fill('#length', '100000');
  await page.selectOption('#trainOn', 'page');
  await page.click('#start');
  await page.waitForFunction(() => /Step ([3-9]|\d\d+) /.test(document.getElementById('progress-text')!.textContent ?? ''), undefined, {
    timeout: 30_000,
  });
  await page.click('#pause');
  await page.locator('#status', { hasText: 'paused' }).waitFor();
  await page.click('#resume');
  await page.locator('#status', { hasText: 'running' }).waitFor();
  await page.click('#stop');
  await page.locator('#progress-text', { hasText: /^Stopped at step/ }).waitFor({ timeout: 30_000 });
  const started = host.events.find((e): e is StartedEvent => e.type === 'started')!;
  assert.equal(host.store.open(started.runId!).status, 'stopped');
  assert.deepEqual(
    host.received.filter((m) => ['pause', 'resume', 'stop'].includes(m.type)).map((m) => m.type),
    ['pause', 'resume', 'stop'],
  );
  assert.deepEqual([...problems, ...host.problems], []);
  await page.close();
});

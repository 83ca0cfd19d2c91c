/**
 * The training panel's page in headless Chromium, outside VS Code: dist/webview/panel.js
 * under its real Content-Security-Policy, with a stand-in host (acquireVsCodeApi) that
 * answers like the extension does and streams events recorded from real training runs.
 * Fast and deterministic; the real VS Code test is test/ui/panel.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type PageServer, servePage } from '../browser/pageServer';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/extension/panelHtml';
import { panelChoices } from '../../src/extension/panelChoices';
import { modelSummary } from '../../src/training/models/catalog';
import type { TrainEvent } from '../../src/training/events';
import { RECORDED_CONFIGS, recordRun } from './recordedRuns';

const CHROMIUM = process.env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const NONCE = 'testnonce0123456789abcdefABCDEF0';

let server: PageServer | undefined;
let origin = '';
let browser: Browser;
let recorded: Record<string, TrainEvent[]>;

before(async () => {
  assert.ok(existsSync('dist/webview/panel.js'), 'dist/webview/panel.js is missing: run `node esbuild.mjs`');
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install Debian's chromium or set GRADLENS_CHROMIUM`);
  mkdirSync(ARTIFACTS, { recursive: true });
  recorded = {
    gan: await recordRun(RECORDED_CONFIGS.gan),
    cnn: await recordRun(RECORDED_CONFIGS.cnn),
    attention: await recordRun(RECORDED_CONFIGS.attention),
  };
  server = await servePage((at) => panelHtml({ cspSource: at, nonce: NONCE, scriptUri: `${at}/panel.js`, styleUris: [`${at}/panel.css`] }));
  origin = server.origin;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless'] });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs in the page before panel.js: a host that behaves like src/extension/trainingPanel/, over recorded events. */
function installFakeHost(data: { choices: unknown; summaries: Record<string, unknown>; runs: Record<string, TrainEvent[]> }): void {
  const w = window as unknown as Record<string, unknown>;
  const sent: unknown[] = [];
  let state: unknown;
  let stream: TrainEvent[] = [];
  let at = 0;
  let paused = false;
  let timer = 0;
  const reply = (m: unknown) => window.dispatchEvent(new MessageEvent('message', { data: m }));
  const pump = () => {
    timer = 0;
    if (paused || at >= stream.length) return;
    const e = stream[at++];
    reply({ type: 'event', event: e });
    if (e.type === 'done') {
      reply({ type: 'job', state: 'idle' });
      reply({
        type: 'runs',
        runs: [
          {
            id: 'recorded-run',
            createdAt: '2026-11-27T04:00:00.000Z',
            status: 'completed',
            model: e.runId ?? 'run',
            preset: '',
            dataset: '',
            headline: { name: 'loss', value: 0.5 },
          },
        ],
      });
      return;
    }
    timer = window.setTimeout(pump, 25);
  };
  w.__sent = sent;
  w.acquireVsCodeApi = () => ({
    getState: () => state,
    setState: (s: unknown) => (state = s),
    postMessage: (m: { type: string; config?: { model: string }; model?: string }) => {
      sent.push(m);
      switch (m.type) {
        case 'ready':
          reply({ type: 'init', choices: data.choices, runs: [], dataDir: null, job: 'idle' });
          reply({ type: 'replay', events: [] });
          break;
        case 'requestSummary':
          reply({ type: 'summary', summary: data.summaries[m.model!], source: 'form' });
          break;
        case 'start':
          stream = data.runs[m.config!.model];
          at = 0;
          paused = false;
          reply({ type: 'job', state: 'running' });
          pump();
          break;
        case 'overlayRun':
          reply({ type: 'overlay', run: { id: (m as unknown as { id: string }).id, label: 'earlier GAN run', events: data.runs.gan } });
          break;
        case 'openRun':
          reply({ type: 'opened', id: (m as unknown as { id: string }).id, events: data.runs.cnn });
          break;
        case 'exportRun':
          reply({ type: 'notice', level: 'info', message: 'Exported run recorded-run' });
          break;
        case 'pause':
          paused = true;
          reply({ type: 'event', event: { type: 'state', state: 'paused', step: 0 } });
          reply({ type: 'job', state: 'paused' });
          break;
        case 'resume':
          paused = false;
          reply({ type: 'event', event: { type: 'state', state: 'running', step: 0 } });
          reply({ type: 'job', state: 'running' });
          if (!timer) pump();
          break;
      }
    },
  });
}

async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1700 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  const summaries = Object.fromEntries((['cnn', 'gan', 'attention'] as const).map((k) => [k, modelSummary({ model: k })]));
  await page.addInitScript(installFakeHost, { choices: panelChoices(), summaries, runs: recorded });
  await page.goto(origin);
  await page.locator('#model option[value="gan"]').waitFor({ state: 'attached' });
  return { page, problems };
}

async function waitCompleted(page: Page, steps: number): Promise<void> {
  await page.locator('#progress-text', { hasText: `Completed at step ${steps} ` }).waitFor({ timeout: 20_000 });
  assert.equal(await page.textContent('#status'), 'completed');
}

const stepOf = async (page: Page) => Number(/[Ss]tep (\d+)/.exec((await page.locator('#progress-text').textContent()) ?? '')?.[1] ?? NaN);

test('page: a GAN run on the ring draws the loss chart and the scatter; pause holds it, resume finishes it', async () => {
  const { page, problems } = await openPage();
  await page.selectOption('#model', 'gan');
  assert.equal(await page.inputValue('#dataset'), 'ring');
  await page.locator('#summary-total').waitFor();
  await page.click('#start');
  await page.locator('#status', { hasText: 'running' }).waitFor();
  await page.locator('#ring-scatter').waitFor();
  await page.locator('#loss-body canvas').first().waitFor();
  assert.match((await page.textContent('#backend'))!, /^training on: \S+/);
  assert.notEqual(await page.textContent('#backend'), 'training on: —');
  await page.waitForFunction(() => /Step (1[0-9]|[2-9][0-9])/.test(document.getElementById('progress-text')!.textContent ?? ''));

  await page.click('#pause');
  await page.locator('#status', { hasText: 'paused' }).waitFor();
  assert.ok(await page.isEnabled('#resume'));
  assert.ok(await page.isDisabled('#pause'));
  const held = await stepOf(page);
  await page.waitForTimeout(300);
  assert.equal(await stepOf(page), held, 'no steps while paused');
  await page.screenshot({ path: join(ARTIFACTS, 'panel-page-gan-paused.png'), fullPage: true });

  await page.click('#resume');
  await waitCompleted(page, RECORDED_CONFIGS.gan.steps!);
  assert.match((await page.textContent('#acc-title'))!, /D\(x\)/);
  assert.equal(
    (await page.locator('#loss-body .u-legend th').filter({ hasText: 'G loss' }).count()) > 0,
    true,
    'the generator loss is plotted',
  );
  await page.locator('#runs-body tr[data-run="recorded-run"]').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'panel-page-gan.png'), fullPage: true });
  const sent = (await page.evaluate(() => (window as unknown as { __sent: { type: string }[] }).__sent)).map((m) => m.type);
  assert.deepEqual(
    sent.filter((t) => ['start', 'pause', 'resume'].includes(t)),
    ['start', 'pause', 'resume'],
  );
  assert.deepEqual(problems, []);
  await page.close();
});

test('page: CNN and attention runs show their own views', async () => {
  const { page, problems } = await openPage();
  await page.selectOption('#model', 'cnn');
  await page.click('#start');
  await waitCompleted(page, RECORDED_CONFIGS.cnn.steps!);
  await page.locator('#confusion canvas').waitFor();
  await page.locator('#predictions canvas').first().waitFor();
  await page.locator('#filters canvas').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'panel-page-cnn.png'), fullPage: true });

  await page.selectOption('#model', 'attention');
  assert.equal(await page.inputValue('#dataset'), 'reverse');
  await page.click('#start');
  await waitCompleted(page, RECORDED_CONFIGS.attention.steps!);
  await page.locator('#attention .head canvas').nth(1).waitFor(); // one heatmap per head (the tiny preset has 2)
  await page.locator('#sequence-examples table').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'panel-page-attention.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('page: history: overlay a past run, open one, export one; log scale', async () => {
  const { page, problems } = await openPage();
  await page.selectOption('#model', 'gan');
  await page.click('#start');
  await waitCompleted(page, RECORDED_CONFIGS.gan.steps!);
  const row = page.locator('#runs-body tr[data-run="recorded-run"]');
  await row.getByRole('button', { name: /^Overlay/ }).click();
  await page.locator('#loss-body .u-legend th', { hasText: 'earlier GAN run' }).waitFor();
  assert.equal(await row.getByRole('button', { name: /^Overlay/ }).getAttribute('aria-pressed'), 'true');
  await page.check('#logScale');
  await page.locator('#loss-body .u-legend th', { hasText: 'earlier GAN run' }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'panel-page-overlay.png'), fullPage: true });
  // Overlay off again.
  await row.getByRole('button', { name: /^Overlay/ }).click();
  await page.locator('#loss-body .u-legend th', { hasText: 'earlier GAN run' }).waitFor({ state: 'detached' });

  await row.getByRole('button', { name: /^Open/ }).click();
  await page.locator('#message', { hasText: 'Showing past run recorded-run' }).waitFor();
  await page.locator('#confusion canvas').waitFor();
  assert.match((await page.textContent('#status'))!, /past run: completed/);
  await page.click('#showLive');
  await page.locator('#ring-scatter').waitFor();

  await row.getByRole('button', { name: /as CSV$/ }).click();
  await page.locator('#message', { hasText: 'Exported run recorded-run' }).waitFor();
  const sent = await page.evaluate(() => (window as unknown as { __sent: { type: string; id?: string; format?: string }[] }).__sent);
  assert.deepEqual(
    sent.filter((m) => m.type === 'exportRun'),
    [{ type: 'exportRun', id: 'recorded-run', format: 'csv' }],
  );
  assert.deepEqual(problems, []);
  await page.close();
});

test('page: every control has a label and is reachable from the keyboard', async () => {
  const { page } = await openPage();
  const unlabelled = await page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select'))
      .filter((el) => {
        const id = el.id;
        return !(id && document.querySelector(`label[for="${id}"]`)) && !el.closest('label') && !el.getAttribute('aria-label');
      })
      .map((el) => el.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  // Tab from the top reaches Start, and Enter on it starts a run.
  await page.selectOption('#model', 'gan');
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  for (let i = 0; i < 30 && !(await page.evaluate(() => document.activeElement?.id === 'start')); i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'start');
  await page.keyboard.press('Enter');
  await page.locator('#status', { hasText: /running|completed/ }).waitFor();
  await page.close();
});

/**
 * The gradient report's page in headless Chromium, outside VS Code: dist/webview/report.js
 * under the policy the host gives it, fed one failed layer the way ReportPanel sends it.
 * It checks what the shared kit draws (the theme-centred scale: matching elements take
 * the editor's background, the slip takes the theme's red), that hover maps a mouse
 * position back to its element, that a theme switch redraws, and that every message the
 * page posts passes the host's own checks. Screenshot: test-artifacts/report.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type PageServer, servePage } from './pageServer';
import type { Browser, Page } from 'playwright-core';
import { checkReportMessage } from '../../src/extension/reportMessages';
import { webviewPage } from '../../src/extension/webviewHtml';
import type { LayerReport } from '../../src/gradcheck/types';
import type { ReportHostMessage } from '../../src/reportProtocol';
import { requireOrSkip } from '../helpers/requireOrSkip';

const CHROMIUM = process.env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const NONCE = 'reportnonce0123456789abcdefABCD';
const skip =
  requireOrSkip(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), "install Debian's chromium, or set GRADLENS_CHROMIUM") ||
  requireOrSkip('dist/webview/report.js', existsSync('dist/webview/report.js'), 'run node esbuild.mjs first');

const FILE = '/work/layers.js';
const ROWS = 3;
const COLS = 4;
/** The analytic gradient is right everywhere but [1, 2], where it is 0.5 too big. */
const numeric = Array.from({ length: ROWS * COLS }, (_, k) => (k - 7) / 10);
const analytic = numeric.map((v, k) => (k === 1 * COLS + 2 ? v + 0.5 : v));
const REPORT: LayerReport = {
  name: 'Dense',
  file: FILE,
  line: 5,
  passed: false,
  mode: 'full',
  timeMs: 3,
  forwardCalls: 26,
  tolerance: { atol: 1e-5, rtol: 1e-3, eps: 1e-6 },
  inputs: [
    {
      name: 'W',
      status: 'failed',
      shape: [ROWS, COLS],
      maxAbsError: 0.5,
      maxRelError: 0.5,
      kinkCount: 0,
      checkedCount: ROWS * COLS,
      worst: [{ index: [1, 2], analytic: analytic[6], numeric: numeric[6] }],
      analytic,
      numeric,
    },
  ],
};
const THEME = { background: [16, 32, 48], red: [255, 0, 0], blue: [0, 0, 255] };

let server: PageServer | undefined;
let origin = '';
let browser: Browser | null = null;

before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await servePage((at) =>
    webviewPage({
      cspSource: at,
      nonce: NONCE,
      title: 'Gradient Report',
      scriptUri: `${at}/report.js`,
      styleUris: [`${at}/report.css`],
      body: '<main id="root"></main>',
    }),
  );
  origin = server.origin;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless'] });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs in the page before report.js: VS Code's API as a recorder, and the theme's colours. */
function standIn(theme: typeof THEME): void {
  const w = window as unknown as { sent: unknown[]; acquireVsCodeApi: () => unknown };
  w.sent = [];
  w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.sent.push(m), getState: () => undefined, setState: () => undefined });
  const css = (rgb: number[]) => `rgb(${rgb.join(', ')})`;
  document.addEventListener('DOMContentLoaded', () => {
    document.body.style.setProperty('--vscode-foreground', '#cccccc');
    document.body.style.setProperty('--vscode-editor-background', css(theme.background));
    document.body.style.setProperty('--vscode-charts-red', css(theme.red));
    document.body.style.setProperty('--vscode-charts-blue', css(theme.blue));
  });
}

async function sent(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() => (window as unknown as { sent: Record<string, unknown>[] }).sent);
}

/** The colour at the centre of cell (row, col) of the map whose kind is `kind`. */
async function cellColour(page: Page, kind: string, row: number, col: number): Promise<number[]> {
  return page.evaluate(
    ([k, r, c]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`canvas[data-kind="${k}"]`)!;
      const cell = Number(canvas.dataset.cell) * (canvas.width / canvas.clientWidth);
      const [red, green, blue] = canvas
        .getContext('2d')!
        .getImageData(Math.floor((c + 0.5) * cell), Math.floor((r + 0.5) * cell), 1, 1).data;
      return [red, green, blue];
    },
    [kind, row, col] as const,
  );
}

/** A fresh page with the report loaded and `show` sent; `problems` collects page errors. */
async function openReport(show: ReportHostMessage, problems: string[]): Promise<Page> {
  const page = await browser!.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.addInitScript(standIn, THEME);
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { sent: { type: string }[] }).sent.some((m) => m.type === 'ready'));
  await page.evaluate((data) => window.dispatchEvent(new MessageEvent('message', { data })), show);
  return page;
}

test('the report draws a failed layer on the theme-centred scale and its messages pass the host', { skip }, async () => {
  const problems: string[] = [];
  const page = await openReport({ type: 'show', reports: [REPORT], running: false }, problems);
  await page.waitForSelector('canvas[data-kind="difference"]');

  const rendered = (await sent(page)).filter((m) => m.type === 'rendered').at(-1);
  assert.deepEqual(rendered, { type: 'rendered', selection: { file: FILE, layer: 'Dense', input: 'W' }, heatmaps: 3, slice: '[:, :]' });
  const sizes = await page.$$eval('canvas.heatmap', (cs) => cs.map((c) => [c.clientWidth, c.clientHeight]));
  assert.deepEqual(sizes, Array(3).fill([COLS * 28, ROWS * 28]));

  assert.deepEqual(await cellColour(page, 'difference', 0, 0), THEME.background, 'a matching element fades into the background');
  assert.deepEqual(await cellColour(page, 'difference', 1, 2), THEME.red, 'the slip is full red: it sets the scale');
  assert.deepEqual(await cellColour(page, 'analytic', 0, 0), THEME.blue, 'the most negative value is full blue');

  const box = (await page.locator('canvas[data-kind="difference"]').boundingBox())!;
  await page.mouse.move(box.x + 2.5 * 28, box.y + 1.5 * 28);
  assert.match(
    (await page.locator('#hover').textContent()) ?? '',
    /^\[1, 2\]\s+analytic 4\.000e-1\s+numeric -1\.000e-1\s+difference 5\.000e-1$/,
  );
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

  // VS Code switches themes by rewriting the body's class and its variables.
  const light = [250, 250, 250];
  await page.evaluate((rgb) => {
    document.body.style.setProperty('--vscode-editor-background', `rgb(${rgb.join(', ')})`);
    document.body.className = 'vscode-light';
  }, light);
  await page.waitForFunction(
    () => (window as unknown as { sent: { type: string }[] }).sent.filter((m) => m.type === 'rendered').length >= 2,
  );
  assert.deepEqual(await cellColour(page, 'difference', 0, 0), light);

  await page.getByRole('button', { name: 'Go to layer' }).click();
  await page.getByRole('button', { name: 'Re-run check' }).click();
  const known = { hasFile: (f: string) => f === FILE, hasLayer: (f: string, l: string) => f === FILE && l === 'Dense' };
  const messages = await sent(page);
  assert.deepEqual(
    messages.filter((m) => m.type === 'reveal' || m.type === 'rerun'),
    [
      { type: 'reveal', file: FILE, line: 4 },
      { type: 'rerun', file: FILE, layer: 'Dense', mode: 'full' },
    ],
  );
  for (const m of messages) assert.ok(checkReportMessage(m, known).ok, JSON.stringify(m));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the report leads with the layer finding and says what a pass rests on: a looser tolerance, kinks within the slopes', {
  skip,
}, async () => {
  const mixUp = {
    kind: 'mix-up' as const,
    short: 'backward uses W1 where W2 belongs',
    text: 'backward uses W1 where W2 belongs, or W2 where W1 belongs',
  };
  const passFail = {
    kind: 'pass-fail' as const,
    short: 'W2 right, W1 wrong',
    text: 'W2 is right but W1 is wrong: look at the backward of the first layer',
  };
  const failed: LayerReport = { ...REPORT, name: 'Net', findings: [passFail, mixUp], hint: `${passFail.text}. ${mixUp.text}` };
  const relu = { ...REPORT.inputs[0], name: 'x', status: 'passed' as const, maxAbsError: 1e-9, maxRelError: 1e-9, kinkCount: 2, worst: [] };
  const passed: LayerReport = {
    ...REPORT,
    name: 'Relu',
    passed: true,
    inputs: [{ ...relu, analytic: numeric, numeric }],
    tolerance: { atol: 1e-4, rtol: 1e-3, eps: 1e-6 },
    settingsTolerance: { atol: 1e-5, rtol: 1e-3, eps: 1e-6 },
    looserTolerance: { atol: 1e-4 },
  };
  const problems: string[] = [];
  const page = await openReport({ type: 'show', reports: [failed, passed], running: false }, problems);
  await page.waitForSelector('#finding');
  assert.equal(await page.locator('#finding').textContent(), `Finding: ${mixUp.text}`, 'the mix-up outranks the pass/fail finding');
  assert.deepEqual(await page.locator('p.hint').allTextContents(), [`Hint: ${passFail.text}`]);

  await page.selectOption('#layer-picker', { index: 1 });
  await page.waitForSelector('.summary.passed');
  assert.equal(await page.locator('h2').textContent(), "✓ passed at the layer's atol 1e-4 (settings: atol 1e-5): Relu");
  assert.match((await page.locator('section.input p').first().textContent()) ?? '', / · 2 at kinks, within the one-sided slopes$/);
  assert.equal(await page.locator('#finding').count(), 0, 'a passing layer has no finding');
  assert.deepEqual(problems, []);
  await page.close();
});

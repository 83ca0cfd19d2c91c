/**
 * The training panel in a real VS Code (code-server, its Node extension host, Debian's
 * chromium), with the packaged dist/gradlens.vsix installed: open the panel from the
 * command palette, train the GAN on the ring, watch the loss chart and the scatter
 * change, pause, resume, hide and show the panel again, stop; and import a train.py
 * --json log as a run by command. Screenshots go to test-artifacts/panel-*.png, and the
 * import's to docs/images/panel-import.png for the README.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import {
  ARTIFACTS,
  CHROMIUM_ARGS,
  ROOT,
  exampleWorkspace,
  findChromium,
  findCodeServer,
  installVsix,
  startCodeServer,
  tempDir,
  writeUserSettings,
  type CodeServerInstall,
  type RunningCodeServer,
} from '../harness/codeServer';

const VSIX = join(ROOT, 'dist', 'gradlens.vsix');
/**
 * Real-VS-Code tests take this lock so that two of them (node --test runs files in
 * parallel) do not share two cores between two VS Codes and two browsers.
 */
const LOCK = join(ROOT, '.cache', 'tmp', 'real-vscode.lock');

/** The log a cluster run of an exported train.py leaves, imported by the second test. */
const TRAIN_PY_LOG = join(ROOT, 'test', 'fixtures', 'train-py-log.jsonl');
/** The import command with a file argument, as a keybinding (the palette cannot pass one; a test must not meet a native dialog). */
const IMPORT_KEY = 'ctrl+alt+shift+u';

let install: CodeServerInstall;
let extensionsDir: string;
let server: RunningCodeServer | undefined;
let browser: BrowserContext | undefined;
let workbenchPage: Page | undefined;
let holdsLock = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function takeLock(timeoutMs: number): Promise<void> {
  mkdirSync(join(ROOT, '.cache', 'tmp'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      holdsLock = true;
      return;
    } catch {
      // Held: wait, unless its holder is gone (a crashed run leaves the folder behind).
      const pid = Number(existsSync(join(LOCK, 'pid')) ? readFileSync(join(LOCK, 'pid'), 'utf8') : NaN);
      if (Number.isFinite(pid) && !alive(pid)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another real-VS-Code test held ${relative(ROOT, LOCK)} for ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

before(async () => {
  install = findCodeServer();
  findChromium();
  assert.ok(existsSync(VSIX), `${relative(ROOT, VSIX)} is missing: \`npm test\` packages it first (npm run package)`);
  // `npm test` packages right before testing; a plain rebuild since then only earns a note.
  if (statSync(VSIX).mtimeMs < statSync(join(ROOT, 'dist', 'webview', 'panel.js')).mtimeMs) {
    console.log('note: dist/gradlens.vsix is older than dist/webview/panel.js; `npm run package` tests the newest panel');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  await takeLock(600_000);
  extensionsDir = tempDir('extensions-');
  installVsix(install, VSIX, extensionsDir);
  assert.ok(
    readdirSync(extensionsDir).some((name) => name.startsWith('gradlens.gradlens-')),
    `the .vsix did not install into ${extensionsDir}`,
  );
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  if (holdsLock) rmSync(LOCK, { recursive: true, force: true });
});

/** One code-server and one browser for the file's tests (the harness runs one VS Code at a time). */
async function workbench(): Promise<{ page: Page; server: RunningCodeServer }> {
  if (!workbenchPage || !server) {
    const userDataDir = tempDir('user-data-');
    writeUserSettings(userDataDir);
    const logCopy = join(tempDir('logs-'), 'train-py-log.jsonl');
    copyFileSync(TRAIN_PY_LOG, logCopy);
    writeFileSync(
      join(userDataDir, 'User', 'keybindings.json'),
      JSON.stringify([{ key: IMPORT_KEY, command: 'gradlens.importTrainLog', args: logCopy }], null, 2),
    );
    server = await startCodeServer(install, { userDataDir, extensionsDir });
    browser = await chromium.launchPersistentContext(tempDir('chromium-'), {
      executablePath: findChromium(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1500, height: 1100 },
    });
    workbenchPage = browser.pages()[0] ?? (await browser.newPage());
  }
  return { page: workbenchPage, server };
}

/**
 * Runs a command from the palette. Extensions' commands join the palette only once the
 * extension host has scanned them, so a title not listed yet is asked for again.
 */
async function runCommand(page: Page, title: string, { timeoutMs = 60_000, asksForInput = false } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 3000 });
    } catch (err) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw err;
      continue;
    }
    await row.click();
    if (!asksForInput) await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    return;
  }
}

function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').last().frameLocator('#active-frame');
}

async function stepOf(frame: FrameLocator): Promise<number> {
  const text = (await frame.locator('#progress-text').textContent()) ?? '';
  return Number(/[Ss]tep ([\d,]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);
}

async function waitForStepAbove(frame: FrameLocator, step: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await stepOf(frame);
    if (now > step) return now;
    if (Date.now() > deadline) assert.fail(`training did not get past step ${step} within ${timeoutMs / 1000} s (at ${now})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The element's pixels changed between two looks `gapMs` apart: it is being redrawn live. */
async function changes(frame: FrameLocator, selector: string, gapMs: number): Promise<boolean> {
  const before = await frame.locator(selector).first().screenshot();
  await new Promise((r) => setTimeout(r, gapMs));
  const after = await frame.locator(selector).first().screenshot();
  return !before.equals(after);
}

test('UI: the training panel trains the GAN on the ring live, pauses, resumes, survives being hidden (code-server)', {
  timeout: 300_000,
}, async () => {
  const started = Date.now();
  const { page, server } = await workbench();
  await page.goto(server.workbenchUrl(exampleWorkspace()));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `panel-${name}.png`) });
  try {
    await trainGanOnTheRing(page, shot);
  } catch (err) {
    await shot('failure').catch(() => undefined);
    throw new Error(`${(err as Error).message}\ncode-server log (end):\n${server.log().slice(-3000)}`, { cause: err });
  }
  console.log(`panel UI test: ${Date.now() - started} ms with code-server and chromium start`);
});

async function trainGanOnTheRing(page: Page, shot: (name: string) => Promise<unknown>): Promise<void> {
  await runCommand(page, 'View: Close Primary Side Bar');
  await runCommand(page, 'GradLens: Open Training Panel');
  const frame = panelFrame(page);
  await frame.locator('#model option[value="gan"]').waitFor({ state: 'attached', timeout: 60_000 });

  // GAN on the ring, long enough to pause in the middle.
  await frame.locator('#model').selectOption('gan');
  assert.equal(await frame.locator('#dataset').inputValue(), 'ring');
  await frame.locator('#summary-total').waitFor();
  await frame.locator('#length').fill('50000');
  await frame.locator('#start').click();
  await frame.locator('#status', { hasText: 'running' }).waitFor({ timeout: 60_000 });
  await frame.locator('#loss-body canvas').first().waitFor({ timeout: 60_000 });
  await frame.locator('#ring-scatter').waitFor({ timeout: 60_000 });
  const backend = (await frame.locator('#backend').textContent()) ?? '';
  assert.match(backend, /^training on: \S+/);
  assert.doesNotMatch(backend, /—/);
  // The page's worker probed its GPU (SwiftShader here), so auto trains in the host and says why.
  assert.equal(
    backend,
    "training on: fast CPU in the extension host (the page's GPU is SwiftShader, a software renderer: slower than the CPU path)",
  );
  const first = await waitForStepAbove(frame, 20, 60_000);
  assert.ok(await changes(frame, '#loss-chart', 2500), 'the loss chart did not change while training');
  assert.ok(await changes(frame, '#ring-scatter', 2500), 'the ring scatter did not change while training');
  await frame.locator('h1').scrollIntoViewIfNeeded();
  await shot('01-gan-running');
  await frame.locator('#visuals').scrollIntoViewIfNeeded();
  await shot('02-gan-scatter');
  await frame.locator('#config').scrollIntoViewIfNeeded();

  // Pause holds the step count; resume moves it on.
  await frame.locator('#pause').click();
  await frame.locator('#status', { hasText: 'paused' }).waitFor({ timeout: 20_000 });
  await frame.locator('#progress-text', { hasText: 'paused' }).waitFor();
  const held = await stepOf(frame);
  assert.ok(held >= first);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await stepOf(frame), held, 'steps went on while paused');
  assert.ok(await frame.locator('#resume').isEnabled());
  await shot('03-gan-paused');
  await frame.locator('#resume').click();
  await frame.locator('#status', { hasText: 'running' }).waitFor({ timeout: 20_000 });
  const resumed = await waitForStepAbove(frame, held, 30_000);

  // Hidden behind another editor and shown again, the page is rebuilt from the host's
  // event log: same run, curves still there, still moving.
  await runCommand(page, 'File: New Untitled Text File');
  await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor();
  await new Promise((r) => setTimeout(r, 1500));
  await runCommand(page, 'GradLens: Open Training Panel');
  const again = panelFrame(page);
  await again.locator('#status', { hasText: 'running' }).waitFor({ timeout: 30_000 });
  await again.locator('#loss-body canvas').first().waitFor();
  await again.locator('#ring-scatter').waitFor({ timeout: 30_000 });
  const afterShow = await waitForStepAbove(again, resumed, 30_000);
  assert.equal(await again.locator('#model').inputValue(), 'gan', 'the form kept its choices');
  await shot('04-gan-shown-again');

  // Stop: the run is recorded in the history.
  await again.locator('#stop').click();
  await again.locator('#status', { hasText: 'stopped' }).waitFor({ timeout: 30_000 });
  await again.locator('#runs-body tr[data-run]').first().waitFor({ timeout: 10_000 });
  assert.match((await again.locator('#runs-body tr[data-run]').first().textContent()) ?? '', /gan.*ring.*stopped/s);
  // The status can turn to 'stopped' a moment before the run's final step arrives:
  // read the step from the final line, not from the last progress update.
  await again.locator('#progress-text', { hasText: /^Stopped at step/ }).waitFor({ timeout: 30_000 });
  await shot('05-gan-stopped');
  const stoppedAt = await stepOf(again);

  // A reload ends the extension host. VS Code restores the panel (WebviewPanelSerializer)
  // and the host rebuilds it from the run store: the same run, stopped where it stopped.
  await page.reload();
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // VS Code restores both editors but may bring the untitled file to the front: show the panel's tab.
  const panelTab = page.locator('.tabs-container .tab', { hasText: 'GradLens Training' });
  await panelTab.waitFor({ timeout: 60_000 });
  await panelTab.click();
  const restored = panelFrame(page);
  await restored
    .locator('#progress-text', { hasText: `Stopped at step ${stoppedAt.toLocaleString('en-US')} ` })
    .waitFor({ timeout: 90_000 });
  await restored.locator('#loss-chart canvas').first().waitFor();
  await restored.locator('#ring-scatter').waitFor();
  await shot('06-after-reload');

  // "Show Model Summary" takes the course's notation and fills the panel's table.
  await runCommand(page, 'GradLens: Show Model Summary', { asksForInput: true });
  const box = page.locator('.quick-input-widget input');
  await box.fill('INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10');
  await page.keyboard.press('Enter');
  const rows = restored.locator('#summary-table tbody tr');
  await rows.filter({ hasText: '6,410' }).waitFor({ timeout: 30_000 });
  const cells = await rows.evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '').slice(1)),
  );
  assert.deepEqual(cells.slice(1), [
    ['32x32x10', '260'],
    ['16x16x10', '0'],
    ['16x16x10', '2,510'],
    ['8x8x10', '0'],
    ['10', '6,410'],
  ]);
  await restored.locator('#summary').scrollIntoViewIfNeeded();
  await shot('07-model-summary');
  console.log(`panel UI test: reached step ${afterShow} before stopping at ${stoppedAt}`);
  await trainInThePage(restored, shot);
}

/**
 * Forced to the page GPU, the run trains in a Web Worker of the webview (fetched from
 * the extension's folder, started from a blob: URL under the panel's policy) on WebGL2,
 * and the host keeps it in the run history like its own.
 */
async function trainInThePage(frame: FrameLocator, shot: (name: string) => Promise<unknown>): Promise<void> {
  await frame.locator('#config').scrollIntoViewIfNeeded();
  await frame.locator('#trainOn').selectOption('page');
  await frame.locator('#trainOn-hint', { hasText: /page GPU: trains in this page on WebGL2/ }).waitFor({ timeout: 60_000 });
  await frame.locator('#length').fill('12');
  await frame.locator('#start').click();
  await frame.locator('#progress-text', { hasText: 'Completed at step 12 ' }).waitFor({ timeout: 120_000 });
  assert.match((await frame.locator('#backend').textContent()) ?? '', /^training on: WebGL2, ANGLE \(.*SwiftShader/);
  await frame.locator('#runs-body tr[data-run]', { hasText: 'completed' }).first().waitFor({ timeout: 10_000 });
  await frame.locator('h1').scrollIntoViewIfNeeded();
  await shot('08-gan-trained-in-page');
}

test('UI: a train.py --json log imported by command joins the run history and opens with its curves (code-server)', {
  timeout: 240_000,
}, async () => {
  const { page, server } = await workbench();
  await page.goto(server.workbenchUrl(exampleWorkspace()));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  try {
    await importTrainPyLog(page);
  } catch (err) {
    await page.screenshot({ path: join(ARTIFACTS, 'panel-import-failure.png') }).catch(() => undefined);
    throw new Error(`${(err as Error).message}\ncode-server log (end):\n${server.log().slice(-3000)}`, { cause: err });
  }
});

async function importTrainPyLog(page: Page): Promise<void> {
  // From the palette, without a file, the command asks for one (code-server's own file
  // dialog); cancelled, nothing is imported. Once it answers, the keybinding's import can run.
  await runCommand(page, 'GradLens: Import a train.py Log as a Run…', { asksForInput: true });
  await page.locator('.quick-input-widget', { hasText: 'Import the log of train.py --json' }).waitFor({ timeout: 30_000 });
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.locator('.monaco-workbench .part.editor').click();
  await page.keyboard.press('Control+Alt+Shift+KeyU');

  // The command opens the panel, which says what it imported: the fixture's one torch
  // warning line is skipped and said so.
  const frame = panelFrame(page);
  const said = frame.locator('#message', { hasText: 'Imported 30 steps from train-py-log.jsonl (completed)' });
  await said.waitFor({ timeout: 60_000 });
  assert.match(
    (await said.textContent()) ?? '',
    /skipped 1 line that was not events: 2 \(not JSON: "\/usr\/lib\/python3.*It is in the run history as "imported: train-py-log\.jsonl \(PyTorch\)"/,
  );

  // The run is in the history, named for the file, completed, with its test accuracy.
  const row = frame.locator('#runs-body tr[data-run]', { hasText: 'imported: train-py-log.jsonl (PyTorch)' });
  await row.waitFor({ timeout: 60_000 });
  assert.match((await row.textContent()) ?? '', /completed.*testAccuracy/s);
  assert.equal(
    await row.getByRole('button', { name: /PyTorch training script/ }).count(),
    0,
    'an imported run offers no GradLens model to export',
  );

  // Opened like any past run: its 30 steps draw the loss and accuracy curves.
  await row.getByRole('button', { name: /^Open / }).click();
  await frame.locator('#progress-text', { hasText: /^Completed at step 30 / }).waitFor({ timeout: 30_000 });
  assert.match((await frame.locator('#progress-text').textContent()) ?? '', /testAccuracy/);
  await frame.locator('#message', { hasText: 'Showing past run' }).waitFor();
  await frame.locator('#loss-body canvas').first().waitFor();
  await frame.locator('#acc-body canvas').first().waitFor();
  // Overlaid, it also sits beside the shown run as any run does.
  await row.getByRole('button', { name: /^Overlay / }).click();
  await row.locator('button[aria-pressed="true"]', { hasText: 'Overlaid' }).waitFor();
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'panel-import-history.png') });
  // For the README: the curves and the history row in one picture, so a taller window.
  await runCommand(page, 'View: Close Primary Side Bar');
  await page.setViewportSize({ width: 1400, height: 1900 });
  await frame.locator('#charts').scrollIntoViewIfNeeded();
  await frame.locator('#charts').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'docs', 'images', 'panel-import.png') });
}

test('UI: "Export as PyTorch…" asks for a folder and writes train.py there (code-server)', { timeout: 180_000 }, async () => {
  const { page, server } = await workbench();
  await page.goto(server.workbenchUrl(exampleWorkspace()));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const outDir = tempDir('export-');
  try {
    await runCommand(page, 'GradLens: Open Training Panel');
    const frame = panelFrame(page);
    await frame.locator('#model option[value="cnn"]').waitFor({ state: 'attached', timeout: 60_000 });
    await frame.locator('#exportPyTorch').click();
    // code-server's own folder dialog: a quick input that takes a path.
    const dialog = page.locator('.quick-input-widget', { hasText: 'Export the configured cnn as a PyTorch training script' });
    await dialog.waitFor({ timeout: 30_000 });
    // It fills in its starting folder a moment after it opens: wait for that, then replace it.
    const path = dialog.locator('input');
    for (let tries = 0; !(await path.inputValue()).endsWith('/examples/') && tries < 100; tries++)
      await new Promise((r) => setTimeout(r, 100));
    await path.fill(`${outDir}/`);
    await dialog.getByRole('button', { name: 'Export here' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await frame.locator('#message:not(.error)').filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
    const said = (await frame.locator('#message').textContent()) ?? '';
    assert.ok(existsSync(join(outDir, 'train.py')), `no train.py in the chosen folder; the panel said: ${said}`);
    // The notification's action opens the script (from the notification centre: toasts are not shown while the webview has focus).
    await runCommand(page, 'Notifications: Show Notifications');
    await page.locator('.notifications-center').getByRole('button', { name: 'Open train.py' }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: 'train.py' }).waitFor({ timeout: 30_000 });
  } catch (err) {
    await page.screenshot({ path: join(ARTIFACTS, 'panel-export-failure.png') }).catch(() => undefined);
    throw new Error(`${(err as Error).message}\ncode-server log (end):\n${server.log().slice(-3000)}`, { cause: err });
  }
});

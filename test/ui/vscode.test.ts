/**
 * GradLens in a real VS Code (code-server 1.139, its Node extension host, Debian's
 * chromium), with the packaged dist/gradlens.vsix installed into a fresh extensions folder
 * with no node_modules anywhere near it:
 *  1. the integration suite (test/vscode/index.ts) runs inside the extension host;
 *  2. a UI test clicks through the workbench like a user and saves screenshots to
 *     test-artifacts/.
 * Both run in this one file so that two VS Codes never compete for the CPU.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chromium, type BrowserContext, type Page, type FrameLocator } from 'playwright-core';
import {
  ARTIFACTS,
  CHROMIUM_ARGS,
  ROOT,
  exampleWorkspace,
  findChromium,
  fixtureWorkspace,
  findCodeServer,
  installVsix,
  startCodeServer,
  tempDir,
  writeUserSettings,
  type CodeServerInstall,
  type RunningCodeServer,
} from '../harness/codeServer';

const VSIX = join(ROOT, 'dist', 'gradlens.vsix');
const SUITE = join(ROOT, 'out', 'test', 'vscode', 'index.js');

let install: CodeServerInstall;
let extensionsDir: string;
let installedExtension: string;
const running: { server?: RunningCodeServer; browser?: BrowserContext }[] = [];

before(() => {
  install = findCodeServer();
  findChromium();
  assert.ok(existsSync(VSIX), `${relative(ROOT, VSIX)} is missing: \`npm test\` packages it first (npm run package)`);
  assert.ok(existsSync(SUITE), `${relative(ROOT, SUITE)} is missing: run \`npm run build\``);
  mkdirSync(ARTIFACTS, { recursive: true });
  extensionsDir = tempDir('extensions-');
  const started = Date.now();
  installVsix(install, VSIX, extensionsDir);
  const folder = readdirSync(extensionsDir).find((name) => name.startsWith('gradlens.gradlens-'));
  assert.ok(folder, `the .vsix did not install into ${extensionsDir}`);
  installedExtension = join(extensionsDir, folder);
  assert.ok(!existsSync(join(installedExtension, 'node_modules')), 'the installed extension carries a node_modules folder');
  assert.ok(
    readFileSync(join(installedExtension, 'dist', 'extension.js')).equals(readFileSync(join(ROOT, 'dist', 'extension.js'))),
    'dist/gradlens.vsix was not built from this tree (its dist/extension.js differs): run `npm run package`',
  );
  console.log(`installed ${relative(ROOT, VSIX)} (${(statSync(VSIX).size / 1e6).toFixed(2)} MB) in ${Date.now() - started} ms`);
});

/** Each test stops its VS Code before the next starts: two at once would share 2 cores. */
async function stopAll(): Promise<void> {
  for (const r of running.splice(0)) {
    await r.browser?.close().catch(() => undefined);
    await r.server?.stop();
  }
}

after(stopAll);

async function openWorkbench(server: RunningCodeServer, url: string): Promise<{ browser: BrowserContext; page: Page }> {
  const browser = await chromium.launchPersistentContext(tempDir('chromium-'), {
    executablePath: findChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1500, height: 900 },
  });
  running.push({ server, browser });
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return { browser, page };
}

async function startServer(env: Record<string, string> = {}, workspaceTrust = false): Promise<RunningCodeServer> {
  const userDataDir = tempDir('user-data-');
  writeUserSettings(
    userDataDir,
    workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {},
  );
  const server = await startCodeServer(install, { userDataDir, extensionsDir, env, workspaceTrust });
  running.push({ server });
  return server;
}

interface SuiteResults {
  outcomes: { name: string; ok: boolean; ms: number; error?: string }[];
  ms: number;
}

/** Runs test/vscode/index.ts's run() in the extension host of a fresh code-server and returns what it wrote. */
async function runIntegrationSuite(label: string, suite: 'main' | 'restricted' | 'python'): Promise<SuiteResults> {
  const started = Date.now();
  const resultsFile = join(tempDir('results-'), 'results.json');
  const server = await startServer({ GRADLENS_VSCODE_RESULTS: resultsFile, GRADLENS_SUITE: suite }, suite === 'restricted');
  // The Python suite's folder names /usr/bin/python3 in its .vscode/settings.json.
  const workspace = suite === 'python' ? fixtureWorkspace('python-workspace') : exampleWorkspace();
  const remote = (path: string) => `vscode-remote://127.0.0.1:${server.port}${path}`;
  // The installed .vsix is the extension under test: the suite checks what users get.
  const payload = [
    ['extensionDevelopmentPath', remote(installedExtension)],
    ['extensionTestsPath', remote(SUITE.replace(/\.js$/, ''))],
  ];
  const { page } = await openWorkbench(server, server.workbenchUrl(workspace, `&payload=${encodeURIComponent(JSON.stringify(payload))}`));
  const deadline = Date.now() + 240_000;
  while (!existsSync(resultsFile)) {
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(ARTIFACTS, `${label}-timeout.png`) });
      assert.fail(`the ${label} suite wrote no results within 240 s. code-server log:\n${server.log().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 100));
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
  for (const o of results.outcomes) console.log(`  ${o.ok ? 'ok' : 'FAILED'} ${o.name} (${o.ms} ms)${o.error ? `\n${o.error}` : ''}`);
  console.log(
    `${label} suite: ${results.outcomes.length} tests in ${results.ms} ms; with code-server and chromium start ${Date.now() - started} ms`,
  );
  const failed = results.outcomes.filter((o) => !o.ok);
  assert.equal(failed.length, 0, failed.map((f) => `${f.name}: ${f.error}`).join('\n'));
  return results;
}

test('integration suite inside the VS Code extension host (code-server)', { timeout: 300_000 }, async () => {
  try {
    const results = await runIntegrationSuite('integration', 'main');
    assert.ok(results.outcomes.length >= 8, 'the suite ran too few tests');
  } finally {
    await stopAll();
  }
});

test('Restricted Mode: no user code runs, lenses offer Workspace Trust (code-server)', { timeout: 300_000 }, async () => {
  try {
    const results = await runIntegrationSuite('restricted', 'restricted');
    assert.equal(results.outcomes.length, 2);
  } finally {
    await stopAll();
  }
});

test('Python integration suite: .py files, notebook cells, Add @gradcheck tag, checks with gradlens.pythonPath (code-server)', {
  timeout: 300_000,
}, async () => {
  try {
    const results = await runIntegrationSuite('python', 'python');
    assert.ok(results.outcomes.length >= 9, 'the suite ran too few tests');
  } finally {
    await stopAll();
  }
});

/** The wrong two-layer network under wrong/ and its correct twin (the example whose name starts the wrong one's). */
function examplePair(workspace: string): { correct: string; wrong: string } {
  const layerFile = (name: string) => /\.(ts|js|mts|mjs)$/.test(name) && !name.endsWith('.d.ts');
  const stem = (name: string) => name.replace(/\.[^.]+$/, '');
  const wrongs = readdirSync(join(workspace, 'wrong')).filter(layerFile).sort();
  const wrong = wrongs.find((f) => /two/i.test(f)) ?? wrongs[0];
  assert.ok(wrong, 'examples/wrong/ holds no layer file');
  const twins = readdirSync(workspace).filter((f) => layerFile(f) && stem(wrong).startsWith(stem(f)));
  const correct = twins.sort((a, b) => b.length - a.length)[0];
  assert.ok(correct, `no correct twin of wrong/${wrong} in examples/`);
  return { correct, wrong: `wrong/${wrong}` };
}

async function openInExplorer(page: Page, path: string): Promise<void> {
  const parts = path.split('/');
  const explorer = page.locator('.explorer-folders-view');
  if (!(await explorer.isVisible())) await page.keyboard.press('Control+Shift+E');
  await explorer.waitFor();
  for (const [level, name] of parts.entries()) {
    const row = explorer.locator(`.monaco-list-row[aria-level="${level + 1}"]`).filter({ has: page.getByText(name, { exact: true }) });
    await row.first().click();
  }
  await page.locator(`.tabs-container .tab.active[aria-label^="${parts.at(-1)}"]`).waitFor({ timeout: 20_000 });
}

const ENDLESS_LAYER = `/** @gradcheck x:[2] */
export function spinForward(x) {
  for (;;) {}
}
export function spinBackward(dout, cache) {
  return [dout];
}
`;

function lens(page: Page, text: string | RegExp) {
  return page.locator('.monaco-editor .codelens-decoration a', { hasText: text });
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

test('UI: lenses, a passing and a failing check, Test Explorer and the report in the workbench', { timeout: 300_000 }, async () => {
  const started = Date.now();
  const server = await startServer();
  const workspace = exampleWorkspace();
  const { correct, wrong } = examplePair(workspace);
  writeFileSync(join(workspace, 'endless.js'), ENDLESS_LAYER);
  const { page } = await openWorkbench(server, server.workbenchUrl(workspace));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  try {
    await clickThrough(page, shot, correct, wrong);
  } catch (error) {
    await shot('ui-failure');
    throw error;
  } finally {
    await stopAll();
  }
  console.log(`UI test: ${Date.now() - started} ms with code-server and chromium start`);
});

async function clickThrough(page: Page, shot: (name: string) => Promise<Buffer>, correct: string, wrong: string): Promise<void> {
  // A correct layer: lenses appear from the text alone; clicking runs the check.
  await openInExplorer(page, correct);
  await lens(page, 'Check gradients').first().waitFor({ timeout: 60_000 });
  await shot('01-lenses');
  await lens(page, 'Check gradients').first().click();
  await lens(page, /✓ passed · max rel err/)
    .first()
    .waitFor({ timeout: 60_000 });
  await shot('02-correct-passed');

  // The wrong layer: the lens says what is wrong.
  await openInExplorer(page, wrong);
  await lens(page, 'Check gradients').first().waitFor({ timeout: 30_000 });
  const checkButtons = await lens(page, 'Check gradients').count();
  for (let k = 0; k < checkButtons; k++) {
    await lens(page, 'Check gradients').nth(0).click();
    await page.waitForTimeout(200);
    await page
      .locator('.monaco-editor .codelens-decoration', { hasText: 'Checking gradients' })
      .first()
      .waitFor({ state: 'detached', timeout: 60_000 })
      .catch(() => undefined);
    if ((await lens(page, /^✗ /).count()) > 0) break;
  }
  const failure = lens(page, /^✗ .*\bd\S+ wrong/).first();
  await failure.waitFor({ timeout: 60_000 });
  const failureText = (await failure.textContent()) ?? '';
  console.log(`failure lens: ${failureText}`);
  await shot('03-wrong-failed');

  // Problems panel: the diagnosis on the backward's line.
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'GradLens' }).first().waitFor({ timeout: 20_000 });
  await shot('04-problems');

  // Test Explorer: the passed and the failed layers.
  await runCommand(page, 'Testing: Focus on Test Explorer View');
  const testTree = page.locator('.test-explorer');
  await testTree.waitFor({ timeout: 20_000 });
  await testTree.locator('.codicon-testing-failed-icon').first().waitFor({ timeout: 20_000 });
  await testTree.locator('.codicon-testing-passed-icon').first().waitFor({ timeout: 20_000 });
  // Open the failing file and layer down to their inputs: dx, dW1, ... each with its own state.
  const wrongName = wrong.split('/').pop()!;
  await testTree.locator('.monaco-list-row', { hasText: wrongName }).first().click();
  await page.keyboard.press('ArrowRight');
  const layerRow = testTree.locator('.monaco-list-row[aria-level="2"]').first();
  await layerRow.waitFor({ timeout: 10_000 });
  await layerRow.click();
  await page.keyboard.press('ArrowRight');
  await testTree.locator('.monaco-list-row[aria-level="3"] .codicon-testing-failed-icon').first().waitFor({ timeout: 10_000 });
  await shot('05-test-explorer');

  // The report: clicking the outcome lens opens it; its heatmaps are canvases in the webview.
  await page.keyboard.press('Control+Shift+E');
  await failure.click();
  const frame: FrameLocator = page.frameLocator('iframe.webview').last().frameLocator('#active-frame');
  await frame.locator('canvas.heatmap').nth(2).waitFor({ timeout: 60_000 });
  assert.equal(await frame.locator('canvas.heatmap').count(), 3);
  // The page shows the checker's own diagnosis of the first wrong gradient, word for word.
  const cli = spawnSync(
    process.execPath,
    [join(ROOT, 'dist', 'cli.js'), 'check', '--json', join(process.env.GRADLENS_EXAMPLES ?? join(ROOT, 'examples'), wrong)],
    { encoding: 'utf8' },
  );
  const checked = (JSON.parse(cli.stdout) as { layers: { passed: boolean; inputs: { status: string; diagnosis?: string }[] }[] }).layers;
  const expected = checked.find((l) => !l.passed)?.inputs.find((i) => i.status === 'failed')?.diagnosis;
  assert.ok(expected, `gradlens check found no wrong gradient in ${wrong}: ${cli.stdout}${cli.stderr}`);
  const diagnosis = await frame.locator('#diagnosis').textContent();
  console.log(`report diagnosis: ${diagnosis}`);
  assert.equal(diagnosis, `Diagnosis: ${expected}`);
  const size = await frame
    .locator('canvas.heatmap')
    .first()
    .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  assert.ok(size[0] > 0 && size[1] > 0, 'the heatmap canvas is empty');
  await shot('06-report');

  // A layer that never returns: the progress notification's Cancel stops it at once.
  await page.keyboard.press('Control+Shift+E');
  await openInExplorer(page, 'endless.js');
  await lens(page, 'Check gradients').first().click();
  await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Checking gradients' }).first().waitFor({ timeout: 20_000 });
  // Headless, the workbench keeps the progress notification in the notification center rather than a toast.
  await runCommand(page, 'Notifications: Show Notifications');
  const cancel = page.locator('.notification-list-item', { hasText: 'GradLens' }).locator('.monaco-button', { hasText: 'Cancel' });
  await cancel.first().waitFor({ timeout: 20_000 });
  await shot('07-progress');
  const cancelled = Date.now();
  await cancel.first().click();
  await lens(page, 'Check gradients').first().waitFor({ timeout: 10_000 });
  assert.ok(Date.now() - cancelled < 10_000, 'cancelling did not stop the check');
}

test('UI (Python): lenses in a .py file and in notebook cells, clicks that check, Add @gradcheck tag… through its input box', {
  timeout: 300_000,
}, async () => {
  const started = Date.now();
  const server = await startServer();
  const workspace = fixtureWorkspace('python-workspace');
  const { page } = await openWorkbench(server, server.workbenchUrl(workspace));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  try {
    await pythonClickThrough(page, shot);
  } catch (error) {
    await shot('python-ui-failure');
    throw error;
  } finally {
    await stopAll();
  }
  console.log(`Python UI test: ${Date.now() - started} ms with code-server and chromium start`);
});

/** Types the tag into the open "Add @gradcheck tag…" box, after checking that a size left as ? is refused. */
async function answerTagBox(page: Page, prefill: string, typed: string, shot?: () => Promise<Buffer>): Promise<void> {
  const box = page.locator('.quick-input-widget');
  const input = box.locator('input');
  await input.waitFor({ timeout: 20_000 });
  assert.equal(await input.inputValue(), prefill);
  await input.fill(typed.replace(/\d+\]/, '?]'));
  await box
    .getByText(/Replace the \? with a number/)
    .first()
    .waitFor({ timeout: 10_000 });
  await shot?.();
  await input.fill(typed);
  await box
    .getByText(/Replace/)
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 });
  await page.keyboard.press('Enter');
  await box.waitFor({ state: 'hidden', timeout: 10_000 });
}

async function pythonClickThrough(page: Page, shot: (name: string) => Promise<Buffer>): Promise<void> {
  // A .py file: a pair and a layer object, lenses from the text; clicks check with /usr/bin/python3.
  await openInExplorer(page, 'affine.py');
  await lens(page, 'Check gradients').nth(1).waitFor({ timeout: 60_000 });
  await lens(page, 'Check gradients').first().click();
  await lens(page, /✓ passed · max rel err/)
    .first()
    .waitFor({ timeout: 60_000 });
  await lens(page, 'Check gradients').nth(1).click();
  await lens(page, /✓ passed · max rel err/)
    .nth(1)
    .waitFor({ timeout: 60_000 });
  await shot('python-lenses');

  // The same pair with a slip: the lens names the wrong gradient.
  await openInExplorer(page, 'wrong/affine_slip.py');
  await lens(page, 'Check gradients').first().click();
  const failure = lens(page, /^✗ .*\bdw wrong/).first();
  await failure.waitFor({ timeout: 60_000 });
  console.log(`Python failure lens: ${await failure.textContent()}`);
  await shot('python-wrong');

  // An untagged pair: the lens asks for the shapes and writes the tag; then it can be checked.
  await openInExplorer(page, 'untagged.py');
  await lens(page, 'Add @gradcheck tag').first().click();
  await answerTagBox(page, 'x:[?]', 'x:[4,5]', () => shot('python-add-tag'));
  await page.locator('.monaco-editor .view-line', { hasText: '# @gradcheck x:[4,5]' }).first().waitFor({ timeout: 10_000 });
  await lens(page, 'Check gradients').first().click();
  await lens(page, /✓ passed · max rel err/)
    .first()
    .waitFor({ timeout: 60_000 });

  // A notebook: each cell shows the lenses of what it defines; checks run the cells as shown.
  await openInExplorer(page, 'layers.ipynb');
  await lens(page, 'Check gradients').first().waitFor({ timeout: 60_000 });
  await lens(page, 'Add @gradcheck tag').first().waitFor({ timeout: 10_000 });
  await lens(page, 'Check gradients').first().click();
  await lens(page, /✓ passed · max rel err/)
    .first()
    .waitFor({ timeout: 60_000 });
  await shot('notebook-lenses');
  await lens(page, 'Add @gradcheck tag').first().click();
  await answerTagBox(page, 'alpha={} x:[?]', 'x:[4,5] alpha=0.1');
  await lens(page, 'Check gradients').nth(1).waitFor({ timeout: 20_000 });
  await lens(page, 'Check gradients').nth(1).click();
  await lens(page, /✓ passed · max rel err/)
    .nth(1)
    .waitFor({ timeout: 60_000 });
  await shot('notebook-tagged');
}

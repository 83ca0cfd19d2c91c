import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { COMMANDS } from '../../src/extension/lensSpecs';

/** package.json's contributions, checked against the code that implements them. */
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const contributes = manifest.contributes;

test('every GradLens command is contributed, titled and in the GradLens category', () => {
  const contributed = new Map<string, { title: string; category: string }>(
    contributes.commands.map((c: { command: string }) => [c.command, c]),
  );
  for (const id of Object.values(COMMANDS).filter((id) => id.startsWith('gradlens.'))) {
    const c = contributed.get(id);
    assert.ok(c, `${id} is not in contributes.commands`);
    assert.equal(c.category, 'GradLens');
    assert.ok(c.title.length > 0);
  }
});

test('settings have descriptions and defaults the code reads', () => {
  const properties = contributes.configuration.properties as Record<
    string,
    { markdownDescription?: string; description?: string; default: unknown }
  >;
  for (const key of [
    'tolerance.atol',
    'tolerance.rtol',
    'tolerance.eps',
    'defaultMode',
    'sparse.sampleSize',
    'timeLimitSeconds',
    'checkOnSave',
  ]) {
    const p = properties[`gradlens.${key}`];
    assert.ok(p, `gradlens.${key} is not contributed`);
    assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `gradlens.${key} has no description`);
    assert.ok('default' in p);
  }
});

test('the walkthrough pages exist and its command links are real commands', () => {
  const ids = new Set(contributes.commands.map((c: { command: string }) => c.command));
  for (const walkthrough of contributes.walkthroughs) {
    for (const step of walkthrough.steps) {
      if (step.media.markdown) assert.ok(existsSync(step.media.markdown), `${step.media.markdown} is missing`);
      for (const [, command] of (step.description as string).matchAll(/\(command:([\w.]+)/g)) {
        assert.ok(ids.has(command) || command.startsWith('workbench.'), `walkthrough links to unknown command ${command}`);
      }
    }
  }
});

test('restricted workspaces are supported in a limited way, with a reason', () => {
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.match(manifest.capabilities.untrustedWorkspaces.description, /trust/);
});

test('the .vsix keeps sources and tests out and carries the runtime files', () => {
  const rules = readFileSync('.vscodeignore', 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(rules[0], '**', 'everything is excluded unless listed');
  for (const needed of [
    'dist/extension.js',
    'dist/sandboxWorker.js',
    'dist/gradlens.js',
    'dist/node_modules/esbuild-wasm/esbuild.wasm',
    'dist/node_modules/esbuild-wasm/lib/browser.js',
    'examples/**',
    'media/**',
  ]) {
    assert.ok(rules.includes(`!${needed}`), `.vscodeignore does not keep ${needed}`);
  }
  assert.ok(!rules.some((r) => /^!(src|test|out|node_modules)\b/.test(r)));
});

const PYTHON_AND_NOTEBOOKS = /py\|ipynb/;

test('Python files and Jupyter notebooks activate GradLens and get its menus', () => {
  for (const event of ['onLanguage:python', 'onNotebook:jupyter-notebook', 'workspaceContains:**/*.{py,ipynb}']) {
    assert.ok(manifest.activationEvents.includes(event), `missing activation event ${event}`);
  }
  for (const menu of ['commandPalette', 'editor/context', 'explorer/context']) {
    const entries = (contributes.menus[menu] as { command: string; when: string }[]).filter((e) => e.command !== 'gradlens.addTypes');
    assert.ok(entries.length > 0);
    for (const e of entries) assert.match(e.when, PYTHON_AND_NOTEBOOKS, `${menu}: ${e.command}`);
  }
  assert.ok(contributes.menus['editor/context'].some((e: { command: string }) => e.command === 'gradlens.addTag'));
});

test('gradlens.pythonPath: a string, empty by default, per machine, ignored from an untrusted workspace', () => {
  const p = contributes.configuration.properties['gradlens.pythonPath'];
  assert.equal(p.type, 'string');
  assert.equal(p.default, '');
  assert.equal(p.scope, 'machine-overridable');
  assert.match(p.markdownDescription, /interpreter/);
  assert.match(p.markdownDescription, /Python extension/);
  assert.match(p.markdownDescription, /python3/);
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('gradlens.pythonPath'));
});

test("the Python extension's API facade is a runtime dependency (bundled into dist/extension.js)", () => {
  assert.ok(manifest.dependencies['@vscode/python-extension']);
});

test('a training panel left open is restored after a reload: its view type activates GradLens', () => {
  assert.ok(
    manifest.activationEvents.includes('onWebviewPanel:gradlens.training'),
    'missing activation event onWebviewPanel:gradlens.training',
  );
});

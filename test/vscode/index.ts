/**
 * GradLens's integration suite: runs inside VS Code's extension host through the standard
 * run() entry point (@vscode/test-electron, or code-server's smoke-test payload), against
 * the examples workspace. Asserts on what VS Code itself shows: code lenses, Problems,
 * Test Explorer states, the report webview.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { GradLensApi } from '../../src/extension/api';
import type { FileResult } from '../../src/extension/results';
import { EXTENSION_ID, gradlensDiagnostics, lensTitles, setting, waitFor, workspaceRoot } from './helpers';
import { pythonTests, restrictedPythonTests } from './python';
import { runSuite, type SuiteTest } from './runner';

let api: GradLensApi;

async function layerFiles(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles('**/*.{ts,js,mts,mjs}', '**/node_modules/**');
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The deliberately wrong two-layer network (examples/wrong/) and its correct twin: the
 * example outside wrong/ whose name starts the wrong one's (twoLayerNet.js, twoLayerNetSlip.js).
 */
async function examplePair(): Promise<{ correct: vscode.Uri; wrong: vscode.Uri }> {
  const files = await layerFiles();
  const stem = (uri: vscode.Uri) =>
    uri.path
      .split('/')
      .pop()!
      .replace(/\.[^.]+$/, '');
  const wrongs = files.filter((f) => f.path.includes('/wrong/') && !stem(f).startsWith('scratch-'));
  const wrong = wrongs.find((f) => /two/i.test(stem(f))) ?? wrongs[0];
  assert.ok(wrong, 'examples/wrong/ holds no layer file');
  const twins = files.filter((f) => !f.path.includes('/wrong/') && stem(wrong).startsWith(stem(f)));
  const correct = twins.sort((a, b) => stem(b).length - stem(a).length)[0];
  assert.ok(correct, `no correct twin of wrong/${stem(wrong)} in examples/`);
  return { correct, wrong };
}

const tests: SuiteTest[] = [
  {
    name: 'activates and contributes its commands',
    fn: async () => {
      const extension = vscode.extensions.getExtension<GradLensApi>(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is not installed`);
      api = await extension.activate();
      const commands = await vscode.commands.getCommands(true);
      for (const id of [
        'checkFile',
        'checkLayer',
        'fastCheckLayer',
        'checkWorkspace',
        'addTag',
        'showReport',
        'openTrainingPanel',
        'showModelSummary',
        'openExample',
      ]) {
        assert.ok(commands.includes(`gradlens.${id}`), `command gradlens.${id} is not registered`);
      }
      // The harness's copy of the examples names Debian's interpreter in its workspace settings.
      assert.deepEqual(await api.python(), { path: '/usr/bin/python3', source: 'setting' });
    },
  },
  {
    name: 'code lenses above every layer, before anything runs',
    fn: async () => {
      const { correct, wrong } = await examplePair();
      for (const uri of [correct, wrong]) {
        await vscode.window.showTextDocument(uri);
        const titles = await lensTitles(uri);
        const checks = titles.filter((t) => t === '$(beaker) Check gradients').length;
        assert.ok(checks >= 1, `no 'Check gradients' lens in ${uri.path}: ${JSON.stringify(titles)}`);
        assert.equal(titles.filter((t) => t === '$(zap) Fast check').length, checks);
        assert.ok(!titles.some((t) => /passed|wrong/.test(t)), 'an outcome lens before any check ran');
        assert.equal(api.results(uri.fsPath), undefined, 'user code ran without being asked');
      }
    },
  },
  {
    name: 'Test Explorer lists file > layer > input items, and running them checks the layers',
    fn: async () => {
      const { correct, wrong } = await examplePair();
      const wrongLayer = `${wrong.toString()}#`;
      await vscode.commands.executeCommand('testing.runAll');
      const states = await waitFor(
        'test results for both examples',
        () => {
          const now = api.testStates();
          const ids = Object.keys(now);
          const correctIds = ids.filter((id) => id.startsWith(`${correct.toString()}#`));
          const wrongIds = ids.filter((id) => id.startsWith(wrongLayer));
          return correctIds.length > 0 && wrongIds.length > 0 ? now : undefined;
        },
        90_000,
      );
      const ids = api.testItemIds();
      assert.ok(ids.includes(correct.toString()), 'no file item');
      const layerIds = ids.filter((id) => id.startsWith(`${correct.toString()}#`) && !id.slice(correct.toString().length).includes('/'));
      assert.ok(layerIds.length >= 1, 'no layer items');
      assert.ok(
        ids.some((id) => id.startsWith(`${layerIds[0]}/`)),
        'no input items',
      );
      for (const id of layerIds) assert.equal(states[id], 'passed', id);
      assert.ok(Object.entries(states).some(([id, state]) => id.startsWith(wrongLayer) && state === 'failed'));
    },
    timeoutMs: 120_000,
  },
  {
    name: 'Check Gradients in File passes the correct network: lenses, Test Explorer, Problems, status bar',
    fn: async () => {
      const { correct } = await examplePair();
      await vscode.window.showTextDocument(correct);
      await vscode.commands.executeCommand('gradlens.checkFile', correct);
      const result = api.results(correct.fsPath);
      assert.ok(result && result.reports.length > 0, 'no results recorded');
      assert.equal(result.loadError, undefined);
      for (const r of result.reports)
        assert.ok(r.passed, `${r.name} failed: ${JSON.stringify(r.inputs.map((i) => [i.name, i.status, i.diagnosis]))}`);
      const titles = await lensTitles(correct);
      const outcomes = titles.filter((t) => t.startsWith('✓ passed · max rel err '));
      assert.equal(outcomes.length, result.reports.length, JSON.stringify(titles));
      assert.match(outcomes[0], /^✓ passed · max rel err \d\.\de[-+]\d+ · \d+ ms/);
      assert.deepEqual(await gradlensDiagnostics(correct), []);
      const states = api.testStates();
      for (const r of result.reports) assert.equal(states[`${correct.toString()}#${r.name}`], 'passed', `test item of ${r.name}`);
      // The Test Explorer run above also checked the wrong example.
      assert.match(api.statusBarText(), /^\$\((pass|error)\) GradLens: (\d+\/\d+ passed|\d+ of \d+ failed)$/);
    },
  },
  {
    name: 'Check gradients lens on the wrong network: failure with a diagnosis, diff in Test Explorer, Problems on the backward',
    fn: async () => {
      const { wrong } = await examplePair();
      const document = await vscode.workspace.openTextDocument(wrong);
      await vscode.window.showTextDocument(document);
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', wrong, 100)) ?? [];
      const lens = lenses.find((l) => l.command?.title === '$(beaker) Check gradients');
      assert.ok(lens?.command, 'no Check gradients lens');
      // Run exactly what clicking the lens runs.
      await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
      const layer = lens.command.arguments![1] as string;
      const report = api.results(wrong.fsPath)?.reports.find((r) => r.name === layer);
      assert.ok(report, `no report for ${layer}`);
      assert.equal(report.passed, false, `${layer} in wrong/ passed`);
      const failedInput = report.inputs.find((i) => i.status === 'failed');
      assert.ok(failedInput);
      const outcome = (await lensTitles(wrong)).find((t) => t.startsWith('✗ '));
      assert.ok(outcome, 'no failure lens');
      // The two-layer slip's headline is the mix-up finding, then the inputs that are wrong.
      if (/two/i.test(wrong.path.split('/').pop() ?? '')) assert.match(outcome, /^✗ backward uses W1 where W2 belongs/);
      else assert.ok(outcome.startsWith(`✗ d${failedInput.name} wrong`), outcome);
      assert.ok(outcome.includes(`d${failedInput.name}`), outcome);
      const diagnostics = await gradlensDiagnostics(wrong);
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics.map((d) => d.message)));
      assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
      assert.match(diagnostics[0].message, new RegExp(`d${failedInput.name} wrong`));
      if (failedInput.diagnosis) assert.ok(diagnostics[0].message.includes(failedInput.diagnosis));
      // On the backward, where the slip is.
      const backwardLine = diagnostics[0].range.start.line;
      assert.match(document.lineAt(backwardLine).text, /Backward|backward/);
      const states = api.testStates();
      assert.equal(states[`${wrong.toString()}#${layer}`], 'failed');
      assert.equal(states[`${wrong.toString()}#${layer}/${failedInput.name}`], 'failed');
    },
  },
  {
    name: 'Fast Check Layer at Cursor runs fast mode on the layer under the cursor',
    fn: async () => {
      const { correct } = await examplePair();
      const editor = await vscode.window.showTextDocument(correct);
      const first = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', correct, 100))!.find(
        (l) => l.command?.command === 'gradlens.fastCheckLayer',
      )!;
      const line = first.range.start.line + 1;
      editor.selection = new vscode.Selection(line, 0, line, 0);
      await vscode.commands.executeCommand('gradlens.fastCheckLayer');
      const layer = first.command!.arguments![1] as string;
      const report = api.results(correct.fsPath)!.reports.find((r) => r.name === layer)!;
      assert.equal(report.mode, 'fast');
      assert.ok(report.passed);
      assert.ok((await lensTitles(correct)).some((t) => t.startsWith('✓ passed') && t.endsWith('· fast')));
    },
  },
  {
    name: 'gradient report webview draws the analytic, numeric and difference heatmaps',
    fn: async () => {
      const { wrong } = await examplePair();
      const failing = api.results(wrong.fsPath)!.reports.find((r) => !r.passed)!;
      const rendered = new Promise<void>((done) => {
        const sub = api.report.onDidRender((m) => {
          if (m.selection.layer === failing.name && m.heatmaps === 3) {
            sub.dispose();
            done();
          }
        });
      });
      await vscode.commands.executeCommand('gradlens.showReport', wrong, failing.name);
      await rendered;
      assert.ok(api.report.isOpen());
      const last = api.report.lastRendered()!;
      assert.equal(last.selection.file, wrong.fsPath);
      assert.equal(last.selection.input, failing.inputs.find((i) => i.status === 'failed')!.name);
      assert.match(last.slice, /^\[.*:.*\]$/);
    },
    timeoutMs: 30_000,
  },
  {
    name: 'lenses follow edits without running code, and a fixed backward clears Problems',
    fn: async () => {
      const { correct, wrong } = await examplePair();
      const scratch = vscode.Uri.joinPath(
        workspaceRoot(),
        'wrong',
        `scratch-${Date.now()}${wrong.path.slice(wrong.path.lastIndexOf('.'))}`,
      );
      await vscode.workspace.fs.writeFile(scratch, await vscode.workspace.fs.readFile(wrong));
      try {
        const document = await vscode.workspace.openTextDocument(scratch);
        await vscode.window.showTextDocument(document);
        const before = (await lensTitles(scratch)).length;
        await vscode.commands.executeCommand('gradlens.checkFile', scratch);
        assert.equal((await gradlensDiagnostics(scratch)).length, 1);
        // Replace the text with the correct network, unsaved: lenses follow, nothing runs.
        const runsBefore = JSON.stringify(api.results(scratch.fsPath));
        const edit = new vscode.WorkspaceEdit();
        edit.replace(scratch, new vscode.Range(0, 0, document.lineCount, 0), `${readFileSync(correct.fsPath, 'utf8')}\n// edited\n`);
        assert.ok(await vscode.workspace.applyEdit(edit));
        assert.ok(document.isDirty);
        const after = await lensTitles(scratch);
        assert.ok(after.length >= before - 1, JSON.stringify(after));
        assert.equal(JSON.stringify(api.results(scratch.fsPath)), runsBefore, 'editing ran user code');
        // Checking checks what the editor shows (the file is saved first).
        await vscode.commands.executeCommand('gradlens.checkFile', scratch);
        assert.ok(api.results(scratch.fsPath)!.reports.every((r) => r.passed));
        assert.deepEqual(await gradlensDiagnostics(scratch), []);
      } finally {
        // Revert first: closing a dirty editor would ask whether to save.
        await vscode.window.showTextDocument(scratch);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
        await vscode.workspace.fs.delete(scratch);
      }
    },
    timeoutMs: 60_000,
  },
  {
    name: 'check on save (when turned on) runs the saved file and updates its lens',
    fn: async () => {
      const { correct } = await examplePair();
      const copy = vscode.Uri.joinPath(workspaceRoot(), `onSave-${Date.now()}${correct.path.slice(correct.path.lastIndexOf('.'))}`);
      await vscode.workspace.fs.writeFile(copy, await vscode.workspace.fs.readFile(correct));
      await setting('checkOnSave', true);
      try {
        const document = await vscode.workspace.openTextDocument(copy);
        await vscode.window.showTextDocument(document);
        assert.equal(api.results(copy.fsPath), undefined);
        const edit = new vscode.WorkspaceEdit();
        edit.insert(copy, new vscode.Position(document.lineCount, 0), '\n// saved\n');
        await vscode.workspace.applyEdit(edit);
        await document.save();
        await waitFor('a check after saving', () => api.results(copy.fsPath), 30_000);
        assert.ok(api.results(copy.fsPath)!.reports.every((r) => r.passed));
        await waitFor('the outcome lens', async () => ((await lensTitles(copy)).some((t) => t.startsWith('✓ passed')) ? true : undefined));
      } finally {
        await setting('checkOnSave', undefined);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        await vscode.workspace.fs.delete(copy);
      }
    },
    timeoutMs: 45_000,
  },
  {
    name: 'time limit setting stops an endless loop and reports it on the layer',
    fn: async () => {
      const file = vscode.Uri.joinPath(workspaceRoot(), `endless-${Date.now()}.js`);
      const source = [
        '/** @gradcheck x:[2] */',
        'export function spinForward(x) {',
        '  for (;;) {}',
        '}',
        'export function spinBackward(dout, cache) {',
        '  return [dout];',
        '}',
        '',
      ].join('\n');
      await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(source));
      await setting('timeLimitSeconds', 1);
      try {
        const started = Date.now();
        await vscode.commands.executeCommand('gradlens.checkFile', file);
        assert.ok(Date.now() - started < 15_000, 'the time limit did not stop the loop');
        const result = api.results(file.fsPath)!;
        const problem = result.loadError ?? result.reports[0]?.error;
        assert.ok(problem && /time|limit|second/i.test(problem), `expected a time-limit message, got ${JSON.stringify(result)}`);
        assert.equal((await gradlensDiagnostics(file)).length, 1);
      } finally {
        await setting('timeLimitSeconds', undefined);
        await vscode.workspace.fs.delete(file);
      }
    },
    timeoutMs: 30_000,
  },
  {
    name: 'Check Gradients in Workspace checks every example: correct ones pass, wrong ones fail',
    fn: async () => {
      const results = (await vscode.commands.executeCommand<FileResult[]>('gradlens.checkWorkspace')) ?? [];
      assert.ok(results.length >= 2, `only ${results.length} files checked`);
      for (const file of results) {
        const wrong = file.file.includes('/wrong/');
        if (wrong)
          assert.ok(
            file.reports.some((r) => !r.passed),
            `${file.file}: every layer passed`,
          );
        else
          for (const r of file.reports)
            assert.ok(
              r.passed,
              `${file.file}: ${r.name} failed: ${r.error ?? JSON.stringify(r.inputs.map((i) => [i.name, i.status, i.diagnosis]))}${r.nondeterminism ? ` ${r.nondeterminism}` : ''}`,
            );
      }
      assert.match(api.statusBarText(), /GradLens: \d+ of \d+ failed/);
      const ids = api.testItemIds();
      assert.ok(ids.length >= results.length * 2, 'Test Explorer is missing items');
    },
    timeoutMs: 120_000,
  },
  {
    name: 'Open Training Panel and Show Model Summary open the training panel',
    fn: async () => {
      const trainingTabs = () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('gradlens.training'));
      await vscode.commands.executeCommand('gradlens.showModelSummary', 'INPUT 32x32x3, CONV5-10, POOL2, CONV5-10, POOL2, FC-10');
      await waitFor('the training panel', () => (trainingTabs().length === 1 ? true : undefined));
      await vscode.commands.executeCommand('gradlens.openTrainingPanel');
      assert.equal(trainingTabs().length, 1, 'Open Training Panel opened a second panel');
    },
  },
  {
    name: "the editor's TypeScript knows 'gradlens' in the examples: no 'Cannot find module', definitions in the d.ts",
    fn: async () => {
      const mlp = vscode.Uri.joinPath(workspaceRoot(), 'mlp.ts');
      const document = await vscode.workspace.openTextDocument(mlp);
      await vscode.window.showTextDocument(document);
      const at = document.positionAt(document.getText().indexOf("'gradlens'") + 1);
      const target = await waitFor(
        'TypeScript to resolve gradlens',
        async () => {
          const found =
            (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
              'vscode.executeDefinitionProvider',
              mlp,
              at,
            )) ?? [];
          const uri = found.map((d) => ('targetUri' in d ? d.targetUri : d.uri))[0];
          return uri?.path;
        },
        45_000,
      );
      assert.match(target, /\/\.gradlens\/gradlens\.d\.ts$/);
      const hover = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        mlp,
        document.positionAt(document.getText().indexOf('matmul')),
      );
      const text = hover.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.match(text, /matmul\(other: Tensor\): Tensor/, `hover over matmul: ${text}`);
      assert.ok(!vscode.languages.getDiagnostics(mlp).some((d) => /Cannot find module 'gradlens'/.test(d.message)));
    },
    timeoutMs: 60_000,
  },
  {
    name: "Add Types for 'gradlens' Imports: a folder whose tsconfig lacks them gets them, and the error goes",
    fn: async () => {
      const dir = vscode.Uri.joinPath(workspaceRoot(), 'scratch-types');
      const config = vscode.Uri.joinPath(dir, 'tsconfig.json');
      const file = vscode.Uri.joinPath(dir, 'layer.ts');
      const write = (uri: vscode.Uri, text: string) => vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      try {
        await write(
          config,
          '{\n  // a user project\n  "compilerOptions": { "strict": true, "target": "ES2022", "module": "ESNext", "moduleResolution": "bundler" },\n  "include": ["*.ts"]\n}\n',
        );
        await write(
          file,
          "import { layer } from 'gradlens';\nexport const twice = layer({ inputs: { x: [3] }, forward: ({ x }) => x.mul(2), backward: (_i, dout) => ({ x: dout.mul(2) }) });\n",
        );
        await vscode.window.showTextDocument(file);
        const missing = () => vscode.languages.getDiagnostics(file).filter((d) => /Cannot find module 'gradlens'/.test(d.message));
        await waitFor("TypeScript's 'Cannot find module' first", () => missing().length > 0, 45_000);
        await vscode.commands.executeCommand('gradlens.addTypes', file);
        const written = new TextDecoder().decode(await vscode.workspace.fs.readFile(config));
        assert.match(written, /"include": \["\*\.ts", "\.gradlens\/gradlens\.d\.ts"\]/);
        assert.match(written, /\/\/ a user project/, 'the config lost its comment');
        await vscode.workspace.fs.stat(vscode.Uri.joinPath(dir, '.gradlens', 'gradlens.d.ts'));
        await waitFor("the 'Cannot find module' error to go", () => missing().length === 0, 45_000);
        const errors = vscode.languages.getDiagnostics(file).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert.deepEqual(
          errors.map((d) => d.message),
          [],
        );
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.workspace.fs.delete(dir, { recursive: true, useTrash: false });
      }
    },
    timeoutMs: 120_000,
  },
];

/** Run instead of the above in a workspace opened in Restricted Mode (GRADLENS_SUITE=restricted). */
const restrictedTests: SuiteTest[] = [
  {
    name: 'Restricted Mode: lenses say why nothing runs and offer Workspace Trust; commands run no code',
    fn: async () => {
      assert.equal(vscode.workspace.isTrusted, false, 'the workspace was expected to open in Restricted Mode');
      const extension = vscode.extensions.getExtension<GradLensApi>(EXTENSION_ID);
      assert.ok(extension);
      api = await extension.activate();
      const { wrong } = await examplePair();
      await vscode.window.showTextDocument(wrong);
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', wrong, 100)) ?? [];
      assert.ok(lenses.length > 0, 'no lenses in Restricted Mode');
      for (const l of lenses) {
        assert.match(l.command!.title, /Restricted Mode/);
        assert.equal(l.command!.command, 'workbench.trust.manage');
      }
      const checked = await vscode.commands.executeCommand<unknown[]>('gradlens.checkFile', wrong);
      assert.deepEqual(checked, []);
      await vscode.commands.executeCommand('gradlens.checkWorkspace');
      assert.equal(api.results(wrong.fsPath), undefined, 'user code ran in Restricted Mode');
    },
  },
];

/** GRADLENS_SUITE picks the suite: the examples workspace (default), Restricted Mode, or the Python fixtures. */
export function run(): Promise<void> {
  switch (process.env.GRADLENS_SUITE) {
    case 'restricted':
      return runSuite([...restrictedTests, ...restrictedPythonTests]);
    case 'python':
      return runSuite(pythonTests);
    default:
      return runSuite(tests);
  }
}

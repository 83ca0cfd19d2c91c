/**
 * The Python suite (GRADLENS_SUITE=python), run in a copy of test/fixtures/python-workspace,
 * whose .vscode/settings.json names Debian's /usr/bin/python3 as gradlens.pythonPath:
 * lenses in .py files and notebook cells, layer objects, "Add @gradcheck tag…", Test
 * Explorer items, and checks through the Python runtime.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GradLensApi } from '../../src/extension/api';
import { tagLine } from '../../src/layers/tagSuggestion';
import { EXTENSION_ID, clickLens, codeLenses, gradlensDiagnostics, lensTitles, setting, waitFor, workspaceRoot } from './helpers';
import type { SuiteTest } from './runner';

let api: GradLensApi;

const CHECK = '$(beaker) Check gradients';
const FAST = '$(zap) Fast check';
const ADD_TAG = '$(tag) Add @gradcheck tag…';

const file = (path: string) => vscode.Uri.joinPath(workspaceRoot(), path);

async function lensAt(uri: vscode.Uri, title: string, layer?: string): Promise<vscode.CodeLens> {
  const lenses = await codeLenses(uri);
  const lens = lenses.find((l) => l.command!.title === title && (layer === undefined || l.command!.arguments?.[1] === layer));
  assert.ok(
    lens,
    `no '${title}'${layer ? ` for ${layer}` : ''} lens in ${uri.toString()}: ${JSON.stringify(lenses.map((l) => l.command!.title))}`,
  );
  return lens;
}

async function openNotebook(): Promise<vscode.NotebookDocument> {
  const notebook = await vscode.workspace.openNotebookDocument(file('layers.ipynb'));
  await vscode.window.showNotebookDocument(notebook);
  return notebook;
}

function layerOf(uri: vscode.Uri, name: string) {
  return api.results(uri.fsPath)?.reports.find((r) => r.name === name);
}

export const pythonTests: SuiteTest[] = [
  {
    name: 'Python: activates in a folder of .py files and notebooks; the interpreter is gradlens.pythonPath from the workspace settings',
    fn: async () => {
      const extension = vscode.extensions.getExtension<GradLensApi>(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is not installed`);
      api = await extension.activate();
      assert.equal(vscode.extensions.getExtension('ms-python.python'), undefined, 'this suite expects no Python extension');
      assert.deepEqual(await api.python(file('affine.py').toString()), { path: '/usr/bin/python3', source: 'setting' });
    },
  },
  {
    name: 'Python: lenses above a forward/backward pair and a layer object in a .py file, before anything runs',
    fn: async () => {
      const uri = file('affine.py');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const lenses = await codeLenses(uri);
      const checks = lenses.filter((l) => l.command!.title === CHECK);
      assert.deepEqual(
        checks.map((l) => l.command!.arguments?.[1]),
        ['affine', 'ReLU'],
      );
      assert.equal(lenses.filter((l) => l.command!.title === FAST).length, 2);
      // Each sits on its definition's line: the def of the pair, the class of the object.
      assert.match(document.lineAt(checks[0].range.start.line).text, /^def affine_forward\(/);
      assert.match(document.lineAt(checks[1].range.start.line).text, /^class ReLU\b/);
      assert.equal(api.results(uri.fsPath), undefined, 'user code ran without being asked');
    },
  },
  {
    name: 'Python: an untagged pair gets "Add @gradcheck tag…"; with the tag written above it, it gets Check gradients',
    fn: async () => {
      const uri = file('untagged.py');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const lens = await lensAt(uri, ADD_TAG);
      assert.equal(lens.command!.command, 'gradlens.addTag');
      assert.deepEqual(lens.command!.arguments?.map(String), [uri.toString(), 'sigmoid']);
      assert.ok(!(await lensTitles(uri)).includes(CHECK));
      // What the command writes once the input box is accepted (the UI test types into the box itself).
      const line = lens.range.start.line;
      const edit = new vscode.WorkspaceEdit();
      edit.insert(uri, new vscode.Position(line, 0), `${tagLine('python', '', 'x:[4,5]')}\n`);
      assert.ok(await vscode.workspace.applyEdit(edit));
      try {
        const titles = await waitFor('Check gradients on the tagged pair', async () => {
          const now = await lensTitles(uri);
          return now.includes(CHECK) ? now : undefined;
        });
        assert.ok(!titles.includes(ADD_TAG), JSON.stringify(titles));
      } finally {
        const undo = new vscode.WorkspaceEdit();
        undo.delete(uri, new vscode.Range(line, 0, line + 1, 0));
        await vscode.workspace.applyEdit(undo);
        await document.save();
      }
    },
  },
  {
    name: 'Notebook: a cell shows the lenses of the layers it defines, and Add tag above an untagged layer object',
    fn: async () => {
      const notebook = await openNotebook();
      const cell = (k: number) => notebook.cellAt(k).document;
      assert.equal(cell(2).uri.scheme, 'vscode-notebook-cell');
      const check = await lensAt(cell(2).uri, CHECK, 'tanh');
      // The lens checks the notebook, not the cell.
      assert.equal((check.command!.arguments![0] as vscode.Uri).toString(), notebook.uri.toString());
      assert.match(cell(2).lineAt(check.range.start.line).text, /^def tanh_forward\(/);
      const add = await lensAt(cell(3).uri, ADD_TAG);
      assert.equal((add.command!.arguments![0] as vscode.Uri).toString(), cell(3).uri.toString(), 'the tag goes into the cell');
      assert.equal(add.command!.arguments![1], 'LeakyReLU');
      assert.deepEqual(await lensTitles(cell(1).uri), [], 'the imports cell has no layer');
      assert.equal(api.results(notebook.uri.fsPath), undefined, 'user code ran without being asked');
    },
  },
  {
    name: 'Test Explorer lists .py files and the notebook down to their inputs, and skips what a .venv holds',
    fn: async () => {
      await vscode.commands.executeCommand('testing.refreshTests');
      const affine = file('affine.py').toString();
      const notebook = file('layers.ipynb').toString();
      const ids = await waitFor(
        'test items of affine.py and layers.ipynb',
        () => {
          const now = api.testItemIds();
          return now.includes(`${affine}#affine/w`) && now.includes(`${notebook}#tanh/x`) ? now : undefined;
        },
        30_000,
      );
      assert.ok(ids.includes(`${affine}#ReLU/x`), 'no input item for the layer object');
      assert.ok(ids.includes(file('wrong/affine_slip.py').toString()));
      assert.ok(!ids.some((id) => id.includes('.venv') || id.includes('site-packages')), JSON.stringify(ids));
      // While the notebook is open, its layer items lead to the cell that defines them.
      await openNotebook();
      await waitFor("the notebook's layer item pointing into its cell", () =>
        api.testItemUri(`${notebook}#tanh`)?.startsWith('vscode-notebook-cell:'),
      );
    },
    timeoutMs: 45_000,
  },
  // The tests below run user code: they need the Python runtime (checkFile on .py and .ipynb).
  {
    name: 'Python runtime: the Check gradients lens passes the correct pair: ✓ on the lens, Test Explorer passed, no Problems',
    fn: async () => {
      const uri = file('affine.py');
      await vscode.window.showTextDocument(uri);
      await clickLens(await lensAt(uri, CHECK, 'affine'));
      const report = layerOf(uri, 'affine');
      assert.ok(report, `no report: ${JSON.stringify(api.results(uri.fsPath))}`);
      assert.equal(report.error, undefined);
      assert.ok(report.passed, JSON.stringify(report.inputs.map((i) => [i.name, i.status, i.diagnosis])));
      assert.deepEqual(
        report.inputs.map((i) => i.name),
        ['x', 'w', 'b'],
      );
      const outcome = (await lensTitles(uri)).find((t) => t.startsWith('✓ passed · max rel err '));
      assert.ok(outcome, JSON.stringify(await lensTitles(uri)));
      assert.equal(api.testStates()[`${uri.toString()}#affine`], 'passed');
      assert.equal(api.testStates()[`${uri.toString()}#affine/w`], 'passed');
      assert.deepEqual(await gradlensDiagnostics(uri), []);
    },
    timeoutMs: 90_000,
  },
  {
    name: "Python runtime: a layer object's lens checks it through forward and backward",
    fn: async () => {
      const uri = file('affine.py');
      await clickLens(await lensAt(uri, FAST, 'ReLU'));
      const report = layerOf(uri, 'ReLU');
      assert.ok(report?.passed, JSON.stringify(report));
      assert.equal(report.mode, 'fast');
      assert.ok((await lensTitles(uri)).filter((t) => t.startsWith('✓ passed')).length === 2);
    },
    timeoutMs: 60_000,
  },
  {
    name: 'Python runtime: the wrong pair fails: ✗ on the lens with the diagnosis, Problems on the backward, Test Explorer failed',
    fn: async () => {
      const uri = file('wrong/affine_slip.py');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      await clickLens(await lensAt(uri, CHECK, 'affine'));
      const report = layerOf(uri, 'affine');
      assert.equal(report?.passed, false, JSON.stringify(report));
      const outcome = (await lensTitles(uri)).find((t) => t.startsWith('✗ '));
      // The layer-level finding leads (only w is wrong), then the input's own line.
      assert.match(outcome ?? '', /^✗ x, b are right but w is wrong · dw wrong/);
      const diagnostics = await gradlensDiagnostics(uri);
      assert.equal(diagnostics.length, 1);
      assert.match(document.lineAt(diagnostics[0].range.start.line).text, /^def affine_backward\(/);
      assert.match(diagnostics[0].message, /dw wrong/);
      assert.equal(api.testStates()[`${uri.toString()}#affine/w`], 'failed');
      assert.equal(api.testStates()[`${uri.toString()}#affine/x`], 'passed');
    },
    timeoutMs: 60_000,
  },
  {
    name: "Notebook runtime: a cell's lens checks the cells as the editor holds them; results belong to the notebook, Problems to the cell",
    fn: async () => {
      const notebook = await openNotebook();
      const cell = notebook.cellAt(2).document;
      await clickLens(await lensAt(cell.uri, CHECK, 'tanh'));
      assert.ok(layerOf(notebook.uri, 'tanh')?.passed, JSON.stringify(api.results(notebook.uri.fsPath)));
      assert.ok((await lensTitles(cell.uri)).some((t) => t.startsWith('✓ passed')));
      assert.equal(api.testStates()[`${notebook.uri.toString()}#tanh`], 'passed');
      // A slip typed into the cell, unsaved: the check sees it.
      const backward = cell
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('return dout * (1.0 - cache ** 2)'));
      assert.ok(backward > 0);
      const original = cell.lineAt(backward).text;
      const edit = new vscode.WorkspaceEdit();
      edit.replace(cell.uri, cell.lineAt(backward).range, '    return dout * (1.0 + cache ** 2)');
      assert.ok(await vscode.workspace.applyEdit(edit));
      try {
        await clickLens(await lensAt(cell.uri, CHECK, 'tanh'));
        const report = layerOf(notebook.uri, 'tanh');
        assert.equal(report?.passed, false, JSON.stringify(report));
        assert.ok((await lensTitles(cell.uri)).some((t) => t.startsWith('✗ dx wrong')));
        const diagnostics = await gradlensDiagnostics(cell.uri);
        assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
        assert.match(cell.lineAt(diagnostics[0].range.start.line).text, /^def tanh_backward\(/);
        assert.equal(api.testStates()[`${notebook.uri.toString()}#tanh`], 'failed');
      } finally {
        const undo = new vscode.WorkspaceEdit();
        undo.replace(cell.uri, cell.lineAt(backward).range, original);
        await vscode.workspace.applyEdit(undo);
        await notebook.save();
      }
    },
    timeoutMs: 90_000,
  },
  {
    name: 'Notebook runtime: Fast Check Layer at Cursor in a cell checks the layer that cell defines',
    fn: async () => {
      const notebook = await openNotebook();
      const cell = notebook.cellAt(2).document;
      const line = cell
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('np.tanh(x)'));
      await vscode.window.showTextDocument(cell, { selection: new vscode.Range(line, 0, line, 0) });
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), cell.uri.toString());
      await vscode.commands.executeCommand('gradlens.fastCheckLayer');
      const report = layerOf(notebook.uri, 'tanh');
      assert.equal(report?.mode, 'fast', JSON.stringify(report));
      assert.ok(report.passed);
    },
    timeoutMs: 60_000,
  },
  {
    name: 'Python runtime: check on save (when turned on) checks a saved .py file',
    fn: async () => {
      const uri = file('affine.py');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const before = api.results(uri.fsPath);
      await setting('checkOnSave', true);
      try {
        const edit = new vscode.WorkspaceEdit();
        edit.insert(uri, new vscode.Position(document.lineCount, 0), '# saved\n');
        assert.ok(await vscode.workspace.applyEdit(edit));
        await document.save();
        const after = await waitFor(
          'a check after saving',
          () => (api.results(uri.fsPath) !== before ? api.results(uri.fsPath) : undefined),
          30_000,
        );
        assert.deepEqual(
          after.reports.map((r) => [r.name, r.passed]),
          [
            ['affine', true],
            ['ReLU', true],
          ],
        );
      } finally {
        await setting('checkOnSave', undefined);
      }
    },
    timeoutMs: 45_000,
  },
  {
    name: 'Python runtime: Check Gradients in Workspace checks .py files and notebooks, not what a .venv holds',
    fn: async () => {
      const results =
        (await vscode.commands.executeCommand<{ file: string; reports: { name: string; passed: boolean }[] }[]>(
          'gradlens.checkWorkspace',
        )) ?? [];
      const checked = results.map((r) => vscode.workspace.asRelativePath(r.file)).sort();
      assert.deepEqual(checked, ['affine.py', 'layers.ipynb', 'wrong/affine_slip.py']);
      for (const r of results) {
        if (r.file.includes('/wrong/')) assert.ok(r.reports.some((l) => !l.passed));
        else
          assert.ok(
            r.reports.length > 0 && r.reports.every((l) => l.passed),
            `${r.file}: ${JSON.stringify(r.reports.map((l) => [l.name, l.passed]))}`,
          );
      }
    },
    timeoutMs: 120_000,
  },
];

/** Added to the Restricted Mode suite (the examples workspace, untrusted). */
export const restrictedPythonTests: SuiteTest[] = [
  {
    name: 'Restricted Mode, Python: lenses say why nothing runs; Add @gradcheck tag… only edits text, so it stays',
    fn: async () => {
      const uri = vscode.Uri.joinPath(workspaceRoot(), `restricted-${Date.now()}.py`);
      const source = [
        '# @gradcheck x:[2,3]',
        'def double_forward(x):',
        '    return 2 * x, None',
        '',
        '',
        'def double_backward(dout, cache):',
        '    return 2 * dout',
        '',
        '',
        'def halve_forward(x):',
        '    return x / 2, None',
        '',
        '',
        'def halve_backward(dout, cache):',
        '    return dout / 2',
        '',
      ].join('\n');
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(source));
      try {
        await vscode.window.showTextDocument(uri);
        const lenses = await codeLenses(uri);
        assert.deepEqual(
          lenses.map((l) => [l.range.start.line, l.command!.command]),
          [
            [1, 'workbench.trust.manage'],
            [9, 'gradlens.addTag'],
          ],
        );
        assert.match(lenses[0].command!.title, /Restricted Mode/);
        assert.deepEqual(await vscode.commands.executeCommand<unknown[]>('gradlens.checkFile', uri), []);
        const restricted = await vscode.extensions.getExtension<GradLensApi>(EXTENSION_ID)!.activate();
        assert.equal(restricted.results(uri.fsPath), undefined, 'Python ran in Restricted Mode');
        // An untrusted folder does not choose the interpreter: the gradlens.pythonPath in its
        // .vscode/settings.json (the harness writes one) is ignored, and with no Python
        // extension in code-server that leaves python3 on PATH.
        assert.deepEqual(await restricted.python(uri.toString()), { path: 'python3', source: 'path' });
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        await vscode.workspace.fs.delete(uri);
      }
    },
  },
];

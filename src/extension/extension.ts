/**
 * GradLens's entry point: wires the checker's pure modules to VS Code's surfaces (code
 * lenses, commands, Test Explorer, Problems, the report webview, status bar, output), for
 * JavaScript/TypeScript files, Python files and Jupyter notebooks' code cells.
 */
import * as vscode from 'vscode';
import { disposeSandbox } from '../layers/sandbox';
import { registerAddTypes } from './addTypes';
import { CheckRunner } from './checkRunner';
import { GradientLensProvider } from './codeLensProvider';
import { registerCheckCommands } from './commands';
import { GradientProblems } from './diagnostics';
import { LayerIndex, NOTEBOOK_CELL_SCHEME } from './layerIndex';
import { COMMANDS } from './lensSpecs';
import { registerPanelCommands } from './panelCommands';
import { PythonInterpreter } from './pythonInterpreter';
import { ReportPanel } from './reportPanel';
import { ResultStore } from './results';
import { revealLayer } from './reveal';
import { readSettings } from './settings';
import { GradientTests } from './testing';
import type { GradLensApi } from './api';

const SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'javascript' },
  { scheme: 'file', pattern: '**/*.{mts,mjs}' },
  // No scheme: .py files and notebook cells (scheme vscode-notebook-cell) alike.
  { language: 'python' },
  { scheme: 'file', pattern: '**/*.py' },
];

export function activate(context: vscode.ExtensionContext): GradLensApi {
  const output = vscode.window.createOutputChannel('GradLens');
  const store = new ResultStore();
  const index = new LayerIndex();
  const problems = new GradientProblems(index);
  const python = new PythonInterpreter((line) => output.appendLine(line));
  const statusBar = vscode.window.createStatusBarItem('gradlens.status', vscode.StatusBarAlignment.Left, 50);
  statusBar.name = 'GradLens';
  statusBar.command = COMMANDS.showReport;

  let runner: CheckRunner | undefined;
  const tests = new GradientTests(index, async (requests, mode, run, token) => {
    await runner!.run(requests, mode, token, undefined, run);
  });
  runner = new CheckRunner(store, index, tests, problems, output, statusBar, python);
  const checks = runner;
  const report = new ReportPanel(
    context.extensionUri,
    store,
    (file, layer, mode) => void checks.runWithProgress([{ uri: vscode.Uri.file(file), layers: [layer] }], mode),
    (file, line, layer) => void revealLayer(index, file, line, layer),
    (line) => output.appendLine(line),
  );
  const lenses = new GradientLensProvider(index, store, python);
  const settings = () => readSettings((key, fallback) => vscode.workspace.getConfiguration('gradlens').get(key, fallback));
  const checkOnSave = (uri: vscode.Uri, hasLayers: boolean) => {
    if (!settings().checkOnSave || !vscode.workspace.isTrusted) return;
    if (!hasLayers || store.runningIn(uri.fsPath).size > 0) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'GradLens: checking on save' }, (_, token) =>
      checks.run([{ uri }], undefined, token),
    );
  };

  // Test items follow the text of open files and notebooks; nothing runs until asked.
  const syncTests = (document: vscode.TextDocument) => {
    if (document.uri.scheme === NOTEBOOK_CELL_SCHEME) {
      const notebook = index.notebookOf(document);
      if (notebook) syncNotebook(notebook);
    } else if (document.uri.scheme === 'file') {
      tests.updateFile(document.uri, index.of(document)?.all ?? []);
    }
  };
  const syncNotebook = (notebook: vscode.NotebookDocument) => tests.updateFile(notebook.uri, index.ofNotebook(notebook).layers);
  vscode.workspace.textDocuments.forEach(syncTests);
  vscode.workspace.notebookDocuments.forEach(syncNotebook);

  context.subscriptions.push(
    output,
    store,
    problems,
    python,
    statusBar,
    tests,
    report,
    lenses,
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    ...registerCheckCommands(runner, index, report, context.extensionUri),
    ...registerPanelCommands(context),
    ...registerAddTypes(context),
    vscode.workspace.onDidOpenTextDocument(syncTests),
    vscode.workspace.onDidChangeTextDocument((e) => {
      syncTests(e.document);
      // A pair may span cells: an edit in one cell can change another cell's lenses.
      if (e.document.uri.scheme === NOTEBOOK_CELL_SCHEME) lenses.refresh();
    }),
    vscode.workspace.onDidCloseTextDocument((d) => index.forget(d)),
    vscode.workspace.onDidOpenNotebookDocument(syncNotebook),
    vscode.workspace.onDidChangeNotebookDocument((e) => {
      if (e.contentChanges.length === 0) return;
      syncNotebook(e.notebook);
      lenses.refresh();
    }),
    vscode.workspace.onDidCloseNotebookDocument((notebook) => {
      index.forgetNotebook(notebook);
      // Its cells are gone: Problems entries go, and test items point at the file again.
      problems.clear(notebook.uri);
      void index.layersOfUri(notebook.uri).then(
        (layers) => tests.updateFile(notebook.uri, layers),
        () => undefined,
      );
    }),
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (document.uri.scheme === 'file') checkOnSave(document.uri, (index.of(document)?.all.length ?? 0) > 0);
    }),
    vscode.workspace.onDidSaveNotebookDocument((notebook) => checkOnSave(notebook.uri, index.ofNotebook(notebook).layers.length > 0)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
  );

  return {
    results: (file) => store.get(file),
    testStates: () => Object.fromEntries(tests.states),
    testItemIds: () => {
      const ids: string[] = [];
      const walk = (items: vscode.TestItemCollection): void =>
        items.forEach((item) => {
          ids.push(item.id);
          walk(item.children);
        });
      walk(tests.controller.items);
      return ids;
    },
    testItemUri: (id) => {
      let found: vscode.Uri | undefined;
      const walk = (items: vscode.TestItemCollection): void =>
        items.forEach((item) => {
          if (item.id === id) found = item.uri;
          else walk(item.children);
        });
      walk(tests.controller.items);
      return found?.toString();
    },
    python: (resource) => python.resolve(resource === undefined ? undefined : vscode.Uri.parse(resource)),
    statusBarText: () => statusBar.text,
    report: {
      isOpen: () => report.visible,
      lastRendered: () => report.lastRendered,
      onDidRender: report.onDidRender,
    },
  };
}

export function deactivate(): void {
  disposeSandbox();
}

/**
 * GradLens's entry point: wires the checker's pure modules to VS Code's surfaces (code
 * lenses, commands, Test Explorer, Problems, the report webview, status bar, output).
 */
import * as vscode from 'vscode';
import { disposeSandbox } from '../layers/sandbox';
import { registerAddTypes } from './addTypes';
import { CheckRunner } from './checkRunner';
import { GradientLensProvider } from './codeLensProvider';
import { registerCheckCommands } from './commands';
import { LayerIndex } from './layerIndex';
import { COMMANDS } from './lensSpecs';
import { registerPanelCommands } from './panelCommands';
import { ReportPanel } from './reportPanel';
import { ResultStore } from './results';
import { readSettings } from './settings';
import { GradientTests } from './testing';
import type { GradLensApi } from './api';

const SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'javascript' },
  { scheme: 'file', pattern: '**/*.{mts,mjs}' },
];

export function activate(context: vscode.ExtensionContext): GradLensApi {
  const output = vscode.window.createOutputChannel('GradLens');
  const store = new ResultStore();
  const index = new LayerIndex();
  const diagnostics = vscode.languages.createDiagnosticCollection('gradlens');
  const statusBar = vscode.window.createStatusBarItem('gradlens.status', vscode.StatusBarAlignment.Left, 50);
  statusBar.name = 'GradLens';
  statusBar.command = COMMANDS.showReport;

  let runner: CheckRunner | undefined;
  const tests = new GradientTests(index, async (requests, mode, run, token) => {
    await runner!.run(requests, mode, token, undefined, run);
  });
  runner = new CheckRunner(store, index, tests, diagnostics, output, statusBar);
  const checks = runner;
  const report = new ReportPanel(context.extensionUri, store, (file, layer, mode) => {
    void checks.runWithProgress([{ uri: vscode.Uri.file(file), layers: [layer] }], mode);
  });
  const lenses = new GradientLensProvider(index, store);

  // Test items follow the text of open files; nothing runs until asked.
  const syncTests = (document: vscode.TextDocument) => {
    if (document.uri.scheme === 'file') tests.updateFile(document.uri, index.layersOf(document));
  };
  vscode.workspace.textDocuments.forEach(syncTests);

  context.subscriptions.push(
    output,
    store,
    diagnostics,
    statusBar,
    tests,
    report,
    lenses,
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    ...registerCheckCommands(runner, index, report, context.extensionUri),
    ...registerPanelCommands(context),
    ...registerAddTypes(context),
    vscode.workspace.onDidOpenTextDocument(syncTests),
    vscode.workspace.onDidChangeTextDocument((e) => syncTests(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => index.forget(d)),
    vscode.workspace.onDidSaveTextDocument((document) => {
      const settings = readSettings((key, fallback) => vscode.workspace.getConfiguration('gradlens').get(key, fallback));
      if (!settings.checkOnSave || !vscode.workspace.isTrusted) return;
      if (index.layersOf(document).length === 0 || store.runningIn(document.uri.fsPath).size > 0) return;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'GradLens: checking on save' }, (_, token) =>
        checks.run([{ uri: document.uri }], undefined, token),
      );
    }),
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

import * as vscode from 'vscode';
import { checkFile } from '../layers/sandbox';
import { formatReport } from '../gradcheck';
import type { DiscoveredLayer } from '../layers/types';
import type { GradientProblems } from './diagnostics';
import { isNotebookUri, type LayerIndex } from './layerIndex';
import type { PythonInterpreter } from './pythonInterpreter';
import type { ResultStore, FileResult } from './results';
import type { GradientTests } from './testing';
import { checkOptions, readSettings, type CheckMode } from './settings';
import { statusBarText, summarize } from './outcomeText';

/** Files whose layers run in Python, so a check needs an interpreter. */
function isPythonUri(uri: vscode.Uri): boolean {
  return /\.(py|ipynb)$/.test(uri.path);
}

export interface CheckRequest {
  /** The file, or the notebook (never one of its cells). */
  uri: vscode.Uri;
  /** Layer names; every layer of the file when absent. */
  layers?: string[];
}

/**
 * The one path from "check this" to every surface: runs the sandboxed checker (never in a
 * restricted workspace), then feeds the lenses, Test Explorer, Problems, output and status bar.
 */
export class CheckRunner {
  constructor(
    private readonly store: ResultStore,
    private readonly index: LayerIndex,
    private readonly tests: GradientTests,
    private readonly problems: GradientProblems,
    private readonly output: vscode.OutputChannel,
    private readonly statusBar: vscode.StatusBarItem,
    private readonly python: PythonInterpreter,
  ) {}

  /** With a notification that shows progress and offers Cancel. */
  async runWithProgress(requests: CheckRequest[], mode?: CheckMode): Promise<FileResult[]> {
    if (!this.mayRunUserCode()) return [];
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'GradLens', cancellable: true },
      (progress, token) => this.run(requests, mode, token, progress),
    );
  }

  async run(
    requests: CheckRequest[],
    mode: CheckMode | undefined,
    token: vscode.CancellationToken,
    progress?: vscode.Progress<{ message?: string; increment?: number }>,
    testRun?: vscode.TestRun,
  ): Promise<FileResult[]> {
    if (!this.mayRunUserCode()) return [];
    const settings = readSettings((key, fallback) => vscode.workspace.getConfiguration('gradlens').get(key, fallback));
    const results: FileResult[] = [];
    for (const [k, request] of requests.entries()) {
      if (token.isCancellationRequested) break;
      const name = vscode.workspace.asRelativePath(request.uri);
      progress?.report({
        message: `checking ${name}${requests.length > 1 ? ` (${k + 1}/${requests.length})` : ''}`,
        increment: k === 0 ? 0 : 100 / requests.length,
      });
      const result = await this.checkOne(request, checkOptions(settings, mode), token, testRun);
      if (result) results.push(result);
    }
    this.updateStatusBar();
    return results;
  }

  private async checkOne(
    request: CheckRequest,
    options: ReturnType<typeof checkOptions>,
    token: vscode.CancellationToken,
    testRun?: vscode.TestRun,
  ): Promise<FileResult | undefined> {
    const { uri } = request;
    const file = uri.fsPath;
    // What gets checked is what the editor shows, saved or not: a file's buffer, a notebook's cells.
    const notebook = isNotebookUri(uri) ? this.index.openNotebook(uri) : undefined;
    const open = notebook ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open?.isDirty ? open.getText() : undefined;
    const layers = await this.index.layersOfUri(uri);
    if (request.layers === undefined && layers.length === 0) return undefined;
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    this.store.setRunning(
      file,
      request.layers ?? 'all',
      layers.map((l) => l.name),
    );
    const started = Date.now();
    let result: FileResult;
    try {
      const pythonPath = isPythonUri(uri) ? (await this.python.resolve(uri)).path : undefined;
      const checked = await checkFile(file, {
        ...options,
        only: request.layers,
        signal: abort.signal,
        ...(text !== undefined ? { text } : {}),
        ...(notebook ? { notebookCells: this.index.cellsOf(notebook) } : {}),
        ...(pythonPath !== undefined ? { pythonPath } : {}),
        onLog: (line) => this.output.append(line),
      });
      result = { file, reports: checked.layers, loadError: checked.loadError };
    } catch (error) {
      if (token.isCancellationRequested) {
        this.output.appendLine(`${vscode.workspace.asRelativePath(uri)}: cancelled`);
        return undefined;
      }
      result = { file, reports: [], loadError: error instanceof Error ? error.message : String(error) };
    } finally {
      cancel.dispose();
      this.store.clearRunning(file);
    }
    this.publish(uri, result, layers, request.layers !== undefined, testRun, Date.now() - started);
    return this.store.get(file);
  }

  private publish(
    uri: vscode.Uri,
    result: FileResult,
    layers: DiscoveredLayer[],
    partial: boolean,
    testRun: vscode.TestRun | undefined,
    ms: number,
  ): void {
    // A whole-file run replaces everything; a single-layer run keeps the other layers' results.
    const present = new Set(layers.map((l) => l.name));
    this.store.set(result, partial ? present : new Set());
    const merged = this.store.get(result.file)!;
    this.problems.update(uri, merged, layers);
    this.tests.record(uri, result, layers, testRun);
    const name = vscode.workspace.asRelativePath(uri);
    this.output.appendLine(`── ${name} · ${new Date().toLocaleTimeString()} · ${ms} ms`);
    if (result.loadError) this.output.appendLine(`could not load: ${result.loadError}`);
    if (result.reports.length > 0) this.output.appendLine(formatReport(result.reports, { color: false }));
  }

  private updateStatusBar(): void {
    const summary = summarize(this.store.all(), this.store.files().length);
    this.statusBar.text = statusBarText(summary);
    this.statusBar.tooltip = `GradLens: ${summary.passed} passed, ${summary.failed} failed in ${summary.files} file(s). Click for the gradient report.`;
    this.statusBar.show();
  }

  private mayRunUserCode(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window
      .showWarningMessage('GradLens runs your layer code to check it, and this workspace is in Restricted Mode.', 'Manage Workspace Trust')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return false;
  }
}

import * as vscode from 'vscode';
import { warmUp, warmUpPython } from '../layers/sandbox';
import type { PythonInterpreter } from './pythonInterpreter';
import type { LayerIndex } from './layerIndex';
import type { ResultStore } from './results';
import { lensSpecs } from './lensSpecs';

/**
 * Lenses above each layer and each untagged candidate, in files and in notebook cells (a
 * cell shows the lenses of the layers it defines; checks and results belong to its
 * notebook). The decisions live in lensSpecs(), this only adapts them.
 */
export class GradientLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private warmed = false;
  private warmedPython = false;

  constructor(
    private readonly index: LayerIndex,
    private readonly store: ResultStore,
    private readonly python: PythonInterpreter,
  ) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const found = this.index.of(document);
    if (!found || (found.here.length === 0 && found.candidates.length === 0)) return [];
    if (!this.warmed && vscode.workspace.isTrusted && found.here.some((l) => l.language !== 'python')) {
      // Start the sandbox worker and esbuild now (no user code runs), so the first check is quick.
      this.warmed = true;
      warmUp();
    }
    if (!this.warmedPython && vscode.workspace.isTrusted && found.here.some((l) => l.language === 'python')) {
      // The same for Python: start the interpreter (it imports numpy) before the first click.
      this.warmedPython = true;
      void this.python.resolve(found.target).then(
        (resolved) => warmUpPython(resolved.path),
        () => undefined,
      );
    }
    const file = found.target.fsPath;
    const results = new Map((this.store.get(file)?.reports ?? []).map((r) => [r.name, r]));
    const specs = lensSpecs(
      found.here,
      { trusted: vscode.workspace.isTrusted, running: this.store.runningIn(file), results },
      found.candidates,
    );
    return specs.map((spec) => {
      const range = new vscode.Range(spec.line, 0, spec.line, 0);
      const args =
        spec.layer !== undefined ? [found.target, spec.layer] : spec.candidate !== undefined ? [document.uri, spec.candidate] : [];
      return new vscode.CodeLens(range, { title: spec.title, tooltip: spec.tooltip, command: spec.command, arguments: args });
    });
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

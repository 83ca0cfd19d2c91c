import * as vscode from 'vscode';
import { warmUp } from '../layers/sandbox';
import type { LayerIndex } from './layerIndex';
import type { ResultStore } from './results';
import { lensSpecs } from './lensSpecs';

/** Lenses above each layer; the decisions live in lensSpecs(), this only adapts them. */
export class GradientLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private warmed = false;

  constructor(private readonly index: LayerIndex, private readonly store: ResultStore) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const layers = this.index.layersOf(document);
    if (layers.length === 0) return [];
    if (!this.warmed && vscode.workspace.isTrusted) {
      // Start the sandbox worker and esbuild now (no user code runs), so the first check is quick.
      this.warmed = true;
      warmUp();
    }
    const file = document.uri.fsPath;
    const results = new Map((this.store.get(file)?.reports ?? []).map((r) => [r.name, r]));
    const specs = lensSpecs(layers, { trusted: vscode.workspace.isTrusted, running: this.store.runningIn(file), results });
    return specs.map((spec) => {
      const range = new vscode.Range(spec.line, 0, spec.line, 0);
      return new vscode.CodeLens(range, {
        title: spec.title,
        tooltip: spec.tooltip,
        command: spec.command,
        arguments: spec.layer !== undefined ? [document.uri, spec.layer] : [],
      });
    });
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

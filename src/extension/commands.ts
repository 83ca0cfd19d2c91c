import * as vscode from 'vscode';
import type { CheckRunner } from './checkRunner';
import type { LayerIndex } from './layerIndex';
import type { ReportPanel } from './reportPanel';
import { COMMANDS } from './lensSpecs';
import { layerAtLine } from './layerAtCursor';
import { openExample } from './examples';

/**
 * The check commands. A lens passes (uri, layer); from the palette they act on the active
 * editor and its cursor.
 */
export function registerCheckCommands(runner: CheckRunner, index: LayerIndex, report: ReportPanel, extensionUri: vscode.Uri): vscode.Disposable[] {
  const activeUri = (uri?: unknown): vscode.Uri | undefined =>
    uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;

  const layerAtCursor = (): { uri: vscode.Uri; layer: string } | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('GradLens: open a file with a layer first.');
      return undefined;
    }
    const found = layerAtLine(index.layersOf(editor.document), editor.selection.active.line);
    if (!found) {
      void vscode.window.showInformationMessage('GradLens found no checkable layer in this file (a layer() definition or an @gradcheck forward/backward pair).');
      return undefined;
    }
    return { uri: editor.document.uri, layer: found.name };
  };

  const checkLayer = (mode: 'full' | 'fast') => async (uri?: unknown, layer?: unknown) => {
    const target = uri instanceof vscode.Uri && typeof layer === 'string' ? { uri, layer } : layerAtCursor();
    if (!target) return [];
    return runner.runWithProgress([{ uri: target.uri, layers: [target.layer] }], mode);
  };

  return [
    vscode.commands.registerCommand(COMMANDS.checkFile, async (uri?: unknown) => {
      const target = activeUri(uri);
      if (!target) {
        void vscode.window.showInformationMessage('GradLens: open a file with a layer first.');
        return [];
      }
      return runner.runWithProgress([{ uri: target }]);
    }),
    vscode.commands.registerCommand(COMMANDS.checkLayer, checkLayer('full')),
    vscode.commands.registerCommand(COMMANDS.fastCheckLayer, checkLayer('fast')),
    vscode.commands.registerCommand(COMMANDS.checkWorkspace, async () => {
      const files = await vscode.workspace.findFiles('**/*.{ts,js,mts,mjs}', '**/{node_modules,dist,out,.git}/**', 2000);
      const withLayers: vscode.Uri[] = [];
      for (const uri of files) if ((await index.layersOfUri(uri)).length > 0) withLayers.push(uri);
      if (withLayers.length === 0) {
        void vscode.window.showInformationMessage('GradLens found no checkable layers in this workspace.');
        return [];
      }
      return runner.runWithProgress(withLayers.map((uri) => ({ uri })));
    }),
    vscode.commands.registerCommand(COMMANDS.showReport, (uri?: unknown, layer?: unknown) => {
      const selection = uri instanceof vscode.Uri && typeof layer === 'string' ? { file: uri.fsPath, layer } : undefined;
      report.show(selection);
    }),
    vscode.commands.registerCommand(COMMANDS.openExample, () => openExample(extensionUri)),
  ];
}

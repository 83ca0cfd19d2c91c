import * as vscode from 'vscode';
import type { CheckRunner } from './checkRunner';
import type { LayerIndex } from './layerIndex';
import type { ReportPanel } from './reportPanel';
import { COMMANDS } from './lensSpecs';
import { layerAtLine } from './layerAtCursor';
import { openExample } from './examples';
import { addTag } from './addTag';
import { LAYER_FILES_GLOB, MAX_WORKSPACE_FILES, SKIPPED_GLOB } from './workspaceFiles';

/**
 * The check commands. A lens passes (uri, layer), where uri is the file or notebook to
 * check; from the palette, a context menu or a notebook's toolbar they act on the
 * active editor (a cell's notebook) and its cursor.
 */
export function registerCheckCommands(
  runner: CheckRunner,
  index: LayerIndex,
  report: ReportPanel,
  extensionUri: vscode.Uri,
): vscode.Disposable[] {
  const activeTarget = (uri?: unknown): vscode.Uri | undefined => {
    if (uri instanceof vscode.Uri) return targetOf(index, uri);
    // A notebook toolbar passes its editor's context.
    const fromToolbar = (uri as { notebookEditor?: { notebookUri?: unknown } } | undefined)?.notebookEditor?.notebookUri;
    if (fromToolbar instanceof vscode.Uri) return fromToolbar;
    const document = vscode.window.activeTextEditor?.document;
    if (document) return index.of(document)?.target ?? document.uri;
    return vscode.window.activeNotebookEditor?.notebook.uri;
  };

  const layerAtCursor = (): { uri: vscode.Uri; layer: string } | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('GradLens: open a file with a layer first.');
      return undefined;
    }
    const found = index.of(editor.document);
    const layer = found && layerAtLine(found.here, editor.selection.active.line);
    if (!found || !layer) {
      void vscode.window.showInformationMessage(
        found?.candidates.length
          ? 'GradLens: this layer has no @gradcheck tag yet. Use "Add @gradcheck tag…" above it to name its inputs and shapes.'
          : 'GradLens found no checkable layer here (a layer() definition, or a forward/backward pair, loss, layer object or autograd.Function under a @gradcheck tag).',
      );
      return undefined;
    }
    return { uri: found.target, layer: layer.name };
  };

  const checkLayer = (mode: 'full' | 'fast') => async (uri?: unknown, layer?: unknown) => {
    const target = uri instanceof vscode.Uri && typeof layer === 'string' ? { uri: targetOf(index, uri), layer } : layerAtCursor();
    if (!target) return [];
    return runner.runWithProgress([{ uri: target.uri, layers: [target.layer] }], mode);
  };

  return [
    vscode.commands.registerCommand(COMMANDS.checkFile, async (uri?: unknown) => {
      const target = activeTarget(uri);
      if (!target) {
        void vscode.window.showInformationMessage('GradLens: open a file with a layer first.');
        return [];
      }
      return runner.runWithProgress([{ uri: target }]);
    }),
    vscode.commands.registerCommand(COMMANDS.checkLayer, checkLayer('full')),
    vscode.commands.registerCommand(COMMANDS.fastCheckLayer, checkLayer('fast')),
    vscode.commands.registerCommand(COMMANDS.checkWorkspace, async () => {
      const files = await vscode.workspace.findFiles(LAYER_FILES_GLOB, SKIPPED_GLOB, MAX_WORKSPACE_FILES);
      const withLayers: vscode.Uri[] = [];
      for (const uri of files.sort((a, b) => a.path.localeCompare(b.path)))
        if ((await index.layersOfUri(uri)).length > 0) withLayers.push(uri);
      if (withLayers.length === 0) {
        void vscode.window.showInformationMessage('GradLens found no checkable layers in this workspace.');
        return [];
      }
      return runner.runWithProgress(withLayers.map((uri) => ({ uri })));
    }),
    vscode.commands.registerCommand(COMMANDS.showReport, (uri?: unknown, layer?: unknown) => {
      const selection = uri instanceof vscode.Uri && typeof layer === 'string' ? { file: targetOf(index, uri).fsPath, layer } : undefined;
      report.show(selection);
    }),
    vscode.commands.registerCommand(COMMANDS.openExample, () => openExample(extensionUri)),
    vscode.commands.registerCommand(COMMANDS.addTag, (uri?: unknown, candidate?: unknown) =>
      addTag(index, uri instanceof vscode.Uri ? uri : undefined, typeof candidate === 'string' ? candidate : undefined),
    ),
  ];
}

/** What a URI given to a command checks: a cell's notebook, else the file itself. */
function targetOf(index: LayerIndex, uri: vscode.Uri): vscode.Uri {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return (document && index.of(document)?.target) ?? uri;
}

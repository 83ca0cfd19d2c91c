import * as vscode from 'vscode';
import { isNotebookUri, type LayerIndex } from './layerIndex';

/**
 * The report's "Go to layer": the line in a file, or, for a notebook, the notebook opened
 * at the cell that defines the layer (a report's line counts within that cell).
 */
export async function revealLayer(index: LayerIndex, file: string, line: number, layerName?: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  if (!isNotebookUri(uri)) {
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(line, 0, line, 0) });
    return;
  }
  const notebook = index.openNotebook(uri) ?? (await vscode.workspace.openNotebookDocument(uri));
  const layer = layerName === undefined ? undefined : index.ofNotebook(notebook).layers.find((l) => l.name === layerName);
  const cell = layer?.cell;
  const range = cell === undefined ? undefined : new vscode.NotebookRange(cell, cell + 1);
  const editor = await vscode.window.showNotebookDocument(notebook, {
    viewColumn: vscode.ViewColumn.One,
    ...(range ? { selections: [range] } : {}),
  });
  if (cell === undefined || !range) return;
  editor.revealRange(range, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  await vscode.window.showTextDocument(notebook.cellAt(cell).document, {
    viewColumn: editor.viewColumn,
    selection: new vscode.Range(layer!.line, 0, layer!.line, 0),
  });
}

import * as vscode from 'vscode';
import { discoverCandidatesIn, discoverLayersIn, isCheckablePath } from '../layers/languages';
import { discoverNotebookCandidates, discoverNotebookLayers } from '../layers/python/notebook';
import type { DiscoveredLayer, TagCandidate } from '../layers/types';

/** The URI scheme of a notebook cell's text document. */
export const NOTEBOOK_CELL_SCHEME = 'vscode-notebook-cell';

export function isNotebookUri(uri: vscode.Uri): boolean {
  return uri.path.endsWith('.ipynb');
}

/** What one editor document shows, and where its checks go. */
export interface DocumentLayers {
  /** The file a check runs and its results are kept under: the document's own file, or a cell's notebook. */
  target: vscode.Uri;
  /** Every layer of the target (for a notebook, of all its code cells). */
  all: DiscoveredLayer[];
  /** The layers defined in this document (for a cell, in that cell), lines counted in it. */
  here: DiscoveredLayer[];
  /** Untagged layer look-alikes in this document. */
  candidates: TagCandidate[];
}

interface Found {
  layers: DiscoveredLayer[];
  candidates: TagCandidate[];
}

const NOTHING: Found = { layers: [], candidates: [] };

/**
 * Layers found in open documents and notebooks, cached per version: finding them reads the
 * text only, never runs it, so lenses and test items follow every keystroke safely. A
 * notebook is read as a whole (a pair may span cells), and each cell shows its own part.
 */
export class LayerIndex {
  private readonly cache = new Map<string, { version: string; found: Found }>();

  of(document: vscode.TextDocument): DocumentLayers | undefined {
    if (document.uri.scheme === NOTEBOOK_CELL_SCHEME) {
      const notebook = this.notebookOf(document);
      if (!notebook) return undefined;
      const key = document.uri.toString();
      const cell = notebook.getCells().find((c) => c.document.uri.toString() === key)?.index;
      const found = this.ofNotebook(notebook);
      return {
        target: notebook.uri,
        all: found.layers,
        here: found.layers.filter((l) => l.cell === cell),
        candidates: found.candidates.filter((c) => c.cell === cell),
      };
    }
    const path = document.uri.fsPath;
    // A notebook opened as plain text is JSON: its lines are not the cells' lines.
    if (document.uri.scheme !== 'file' || !isCheckablePath(path) || isNotebookUri(document.uri)) return undefined;
    const found = this.cached(document.uri.toString(), String(document.version), () => safeDiscover(path, document.getText()));
    return { target: document.uri, all: found.layers, here: found.layers, candidates: found.candidates };
  }

  /** Every layer of a notebook's code cells, as the editor holds them. */
  ofNotebook(notebook: vscode.NotebookDocument): Found {
    if (!isNotebookUri(notebook.uri)) return NOTHING;
    const code = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    const version = `${notebook.version}:${code.map((c) => `${c.index}.${c.document.version}`).join(',')}`;
    return this.cached(notebook.uri.toString(), version, () => {
      const cells = this.cellsOf(notebook);
      if (!cells.some((c) => mayHoldLayers(c.source))) return NOTHING;
      try {
        return { layers: discoverNotebookLayers(cells), candidates: discoverNotebookCandidates(cells) };
      } catch {
        return NOTHING;
      }
    });
  }

  /** A notebook's code cells, each with its index among all cells (what checkFile takes). */
  cellsOf(notebook: vscode.NotebookDocument): { index: number; source: string }[] {
    return notebook
      .getCells()
      .filter((c) => c.kind === vscode.NotebookCellKind.Code)
      .map((c) => ({ index: c.index, source: c.document.getText() }));
  }

  /** The open notebook a cell document belongs to. */
  notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
    const key = document.uri.toString();
    return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === key));
  }

  openNotebook(uri: vscode.Uri): vscode.NotebookDocument | undefined {
    return vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString());
  }

  /** The text document of a notebook's cell, when the notebook is open. */
  cellDocument(notebookUri: vscode.Uri, cell: number): vscode.TextDocument | undefined {
    const notebook = this.openNotebook(notebookUri);
    return notebook && cell >= 0 && cell < notebook.cellCount ? notebook.cellAt(cell).document : undefined;
  }

  /** Every layer of a file or notebook: the editor's state when it is open, else the file on disk. */
  async layersOfUri(uri: vscode.Uri): Promise<DiscoveredLayer[]> {
    const notebook = this.openNotebook(uri);
    if (notebook) return this.ofNotebook(notebook).layers;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const found = open ? this.of(open) : undefined;
    if (found) return found.all;
    if (!isCheckablePath(uri.fsPath)) return [];
    const bytes = await vscode.workspace.fs.readFile(uri);
    return safeDiscover(uri.fsPath, new TextDecoder().decode(bytes)).layers;
  }

  /** Where a layer is written: its lines in the file, or in its cell when its notebook is open. */
  locationOf(target: vscode.Uri, layer: DiscoveredLayer): vscode.Location {
    if (isNotebookUri(target)) {
      const cell = layer.cell === undefined ? undefined : this.cellDocument(target, layer.cell);
      if (!cell) return new vscode.Location(target, new vscode.Position(0, 0));
      return new vscode.Location(cell.uri, new vscode.Range(layer.line, 0, layer.endLine, 0));
    }
    return new vscode.Location(target, new vscode.Range(layer.line, 0, layer.endLine, 0));
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }

  forgetNotebook(notebook: vscode.NotebookDocument): void {
    this.cache.delete(notebook.uri.toString());
  }

  private cached(key: string, version: string, discover: () => Found): Found {
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.found;
    const found = discover();
    this.cache.set(key, { version, found });
    return found;
  }
}

/** A cheap test first: most source files in a workspace define no layer and nothing like one. */
function mayHoldLayers(text: string): boolean {
  return /layer\s*\(|@gradcheck|forward|backward|loss/i.test(text);
}

function safeDiscover(path: string, text: string): Found {
  if (!mayHoldLayers(text)) return NOTHING;
  try {
    return { layers: discoverLayersIn(path, text), candidates: discoverCandidatesIn(path, text) };
  } catch {
    return NOTHING;
  }
}

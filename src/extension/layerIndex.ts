import * as vscode from 'vscode';
import { discoverLayers } from '../layers/discover';
import type { DiscoveredLayer } from '../layers/types';
import { isCheckablePath } from './layerAtCursor';

/**
 * Layers found in open documents, cached per document version: finding them reads the
 * text only, never runs it, so lenses and test items follow every keystroke safely.
 */
export class LayerIndex {
  private readonly cache = new Map<string, { version: number; layers: DiscoveredLayer[] }>();

  layersOf(document: vscode.TextDocument): DiscoveredLayer[] {
    if (document.uri.scheme !== 'file' || !isCheckablePath(document.uri.fsPath)) return [];
    const key = document.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === document.version) return hit.layers;
    const layers = safeDiscover(document.getText());
    this.cache.set(key, { version: document.version, layers });
    return layers;
  }

  /** For files that are not open: reads them from disk. */
  async layersOfUri(uri: vscode.Uri): Promise<DiscoveredLayer[]> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return this.layersOf(open);
    if (!isCheckablePath(uri.fsPath)) return [];
    const bytes = await vscode.workspace.fs.readFile(uri);
    return safeDiscover(new TextDecoder().decode(bytes));
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }
}

function safeDiscover(text: string): DiscoveredLayer[] {
  // A cheap test first: most source files in a workspace define no layer.
  if (!/\blayer\s*\(|@gradcheck/.test(text)) return [];
  try {
    return discoverLayers(text);
  } catch {
    return [];
  }
}

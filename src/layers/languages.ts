/**
 * Which reader a file's layers are found with, by its extension: JavaScript and
 * TypeScript sources, Python files, and notebooks (whose text is the .ipynb JSON).
 * Text in, layers out; nothing runs.
 */
import { discoverCandidates, discoverLayers } from './discover';
import { discoverPythonCandidates, discoverPythonLayers } from './python/discover';
import { discoverNotebookCandidates, discoverNotebookLayers, notebookCodeCells } from './python/notebook';
import type { DiscoveredLayer, TagCandidate } from './types';

export type SourceKind = 'javascript' | 'python' | 'notebook';

const JAVASCRIPT = /\.(ts|mts|js|mjs)$/i;

export function sourceKindOf(file: string): SourceKind | undefined {
  if (/\.d\.m?ts$/i.test(file)) return undefined;
  if (JAVASCRIPT.test(file)) return 'javascript';
  if (/\.py$/i.test(file)) return 'python';
  if (/\.ipynb$/i.test(file)) return 'notebook';
  return undefined;
}

export function isCheckablePath(file: string): boolean {
  return sourceKindOf(file) !== undefined;
}

/** The layers of a file's text; a notebook that cannot be read has none. */
export function discoverLayersIn(file: string, text: string): DiscoveredLayer[] {
  switch (sourceKindOf(file)) {
    case 'javascript':
      return discoverLayers(text);
    case 'python':
      return discoverPythonLayers(text);
    case 'notebook':
      return discoverNotebookLayers(notebookCodeCells(text));
    default:
      return [];
  }
}

/** Untagged layer-like code in a file's text, for "Add @gradcheck tag…". */
export function discoverCandidatesIn(file: string, text: string): TagCandidate[] {
  switch (sourceKindOf(file)) {
    case 'javascript':
      return discoverCandidates(text);
    case 'python':
      return discoverPythonCandidates(text);
    case 'notebook':
      return discoverNotebookCandidates(notebookCodeCells(text));
    default:
      return [];
  }
}

/**
 * Which reader a file's layers are found with, by its extension: JavaScript and
 * TypeScript sources, Python files, and notebooks (whose text is the .ipynb JSON).
 * Text in, layers out; nothing runs.
 */
import { discoverCandidates, discoverLayers } from './javascript/discover';
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

/** Each kind's readers: the layers in a file's text, and its untagged layer-like code. */
const READERS: Record<SourceKind, { layers(text: string): DiscoveredLayer[]; candidates(text: string): TagCandidate[] }> = {
  javascript: { layers: discoverLayers, candidates: discoverCandidates },
  python: { layers: discoverPythonLayers, candidates: discoverPythonCandidates },
  notebook: {
    layers: (text) => discoverNotebookLayers(notebookCodeCells(text)),
    candidates: (text) => discoverNotebookCandidates(notebookCodeCells(text)),
  },
};

/** The layers of a file's text; a notebook that cannot be read has none. */
export function discoverLayersIn(file: string, text: string): DiscoveredLayer[] {
  const kind = sourceKindOf(file);
  return kind ? READERS[kind].layers(text) : [];
}

/** Untagged layer-like code in a file's text, for "Add @gradcheck tag…". */
export function discoverCandidatesIn(file: string, text: string): TagCandidate[] {
  const kind = sourceKindOf(file);
  return kind ? READERS[kind].candidates(text) : [];
}

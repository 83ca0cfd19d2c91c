/** Which files a check of files and folders covers. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { discoverCandidatesIn, discoverLayersIn, isCheckablePath } from './languages';
import type { TagCandidate } from './types';

/** Folders never searched: dependencies, build output, virtual environments, hidden folders. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'out', 'build', 'venv', 'site-packages', '__pycache__']);

function hasLayers(file: string): boolean {
  try {
    return discoverLayersIn(file, readFileSync(file, 'utf8')).length > 0;
  } catch {
    return false;
  }
}

/** The .ts/.mts/.js/.mjs, .py and .ipynb files below `dir` that `keep` accepts, sorted by name. */
function walk(dir: string, found: string[], keep: (file: string) => boolean): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) walk(p, found, keep);
    } else if (entry.isFile() && isCheckablePath(entry.name) && keep(p)) {
      found.push(p);
    }
  }
}

/**
 * Files named directly are taken as they are; folders are searched recursively for
 * .ts/.mts/.js/.mjs, .py and .ipynb files in which at least one layer is found.
 */
export function collectLayerFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      missing.push(p);
      continue;
    }
    if (isDir) walk(p, files, hasLayers);
    else files.push(p);
  }
  return { files: [...new Set(files.map((f) => path.resolve(f)))], missing };
}

/**
 * Untagged layer-like code in the files and folders named (folders searched as above):
 * what a tag would make checkable. A file that cannot be read has none.
 */
export function collectUntagged(paths: string[]): { file: string; candidate: TagCandidate }[] {
  const files: string[] = [];
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) walk(p, files, () => true);
      else files.push(p);
    } catch {
      // A missing path: collectLayerFiles reports it.
    }
  }
  return [...new Set(files.map((f) => path.resolve(f)))].flatMap((file) => {
    try {
      return discoverCandidatesIn(file, readFileSync(file, 'utf8')).map((candidate) => ({ file, candidate }));
    } catch {
      return [];
    }
  });
}

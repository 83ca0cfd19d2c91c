/**
 * Which workspace files Check Gradients in Workspace and the Test Explorer read for layers,
 * and which folders they skip: installed packages and build output hold layer look-alikes
 * (a venv's site-packages has thousands of `forward`s) that are not the user's to check.
 */
export const LAYER_FILES_GLOB = '**/*.{ts,js,mts,mjs,py,ipynb}';

export const SKIPPED_FOLDERS = [
  'node_modules',
  'dist',
  'out',
  '.git',
  '.venv',
  'venv',
  'site-packages',
  '__pycache__',
  '.ipynb_checkpoints',
];

export const SKIPPED_GLOB = `**/{${SKIPPED_FOLDERS.join(',')}}/**`;

/** Enough for any one project; a bound so that a huge folder cannot stall the extension host. */
export const MAX_WORKSPACE_FILES = 2000;

/** Whether a path (with '/' separators) lies in a skipped folder. */
export function inSkippedFolder(path: string): boolean {
  return path
    .split(/[\\/]/)
    .slice(0, -1)
    .some((part) => SKIPPED_FOLDERS.includes(part));
}

/**
 * When the interpreter in use cannot import a module a file needs, whether another Python
 * on this machine can: the usual cause is two of them (a venv or pyenv shim first on PATH,
 * the system's own with the packages), and naming the one that works is the fix. Asked only
 * after an import failed; each probe asks `importlib.util.find_spec`, which imports nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where a Python usually is, by name on PATH or at a fixed place. */
const CANDIDATES = ['python3', 'python', '/usr/bin/python3', '/usr/local/bin/python3', '/opt/homebrew/bin/python3'];
const PROBE_MS = 10_000;
const FIND_SPEC = 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)';

function canImport(python: string, module: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ['-c', FIND_SPEC, module], { timeout: PROBE_MS, windowsHide: true }, (err) => resolve(!err));
  });
}

/** The first other usual Python that can import `module`, or undefined. Never rejects. */
export async function interpreterWith(module: string, besides: string): Promise<string | undefined> {
  if (!/^[A-Za-z_][\w.]*$/.test(module)) return undefined;
  const others = CANDIDATES.filter((p) => p !== besides && (!p.startsWith('/') || existsSync(p)));
  const found = await Promise.all(others.map((p) => canImport(p, module)));
  return others.find((_, i) => found[i]);
}

/**
 * Which Python interpreter runs a .py file's or a notebook's layers, in this order: the
 * `gradlens.pythonPath` setting; else the interpreter the Python extension has selected
 * for the file (when that extension is installed); else `python3` on PATH. Pure: the VS
 * Code side (pythonInterpreter.ts) only gathers the inputs, so the order is tested in Node.
 */

export const DEFAULT_PYTHON = 'python3';

export type PythonSource = 'setting' | 'python-extension' | 'path';

export interface ResolvedPython {
  /** What to spawn: an absolute path, or a name looked up on PATH. */
  path: string;
  source: PythonSource;
}

export interface PythonInputs {
  /** The `gradlens.pythonPath` setting as read (any type: settings files are hand-edited). */
  setting: unknown;
  /** The Python extension's active interpreter for the file, when it is installed and has one. */
  activeInterpreter?: string;
  /** The file's workspace folder, for `${workspaceFolder}` in the setting. */
  workspaceFolder?: string;
  /** The user's home folder, for a leading `~` in the setting. */
  home?: string;
}

/** The setting with `${workspaceFolder}` and a leading `~` filled in; undefined when it is unset. */
export function expandSetting(setting: unknown, workspaceFolder?: string, home?: string): string | undefined {
  if (typeof setting !== 'string' || setting.trim() === '') return undefined;
  let path = setting.trim();
  // biome-ignore lint/suspicious/noTemplateCurlyInString: VS Code's own ${workspaceFolder} variable, written in the setting as text
  if (workspaceFolder !== undefined) path = path.replaceAll('${workspaceFolder}', workspaceFolder);
  if (home !== undefined && (path === '~' || path.startsWith('~/'))) path = home + path.slice(1);
  return path;
}

export function resolvePythonPath(inputs: PythonInputs): ResolvedPython {
  const fromSetting = expandSetting(inputs.setting, inputs.workspaceFolder, inputs.home);
  if (fromSetting !== undefined) return { path: fromSetting, source: 'setting' };
  const active = inputs.activeInterpreter?.trim();
  if (active) return { path: active, source: 'python-extension' };
  return { path: DEFAULT_PYTHON, source: 'path' };
}

/** For the output channel: the interpreter and where it came from. */
export function describePython(python: ResolvedPython): string {
  const from = {
    setting: 'the gradlens.pythonPath setting',
    'python-extension': "the Python extension's selected interpreter",
    path: 'PATH; set gradlens.pythonPath to choose another',
  }[python.source];
  return `Python: ${python.path} (from ${from})`;
}

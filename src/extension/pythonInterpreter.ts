import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { PVSC_EXTENSION_ID, PythonExtension } from '@vscode/python-extension';
import { describePython, resolvePythonPath, type ResolvedPython } from './pythonPath';

/** A Python extension that has not answered by then is passed over (it may still be activating). */
const PYTHON_EXTENSION_WAIT_MS = 10_000;

/**
 * Gathers what pythonPath.ts decides from: the setting, and the Python extension's
 * selected interpreter when ms-python.python is installed. Everything about that
 * extension is guarded: it may be missing, disabled, slow to activate or throw. Each
 * time the interpreter differs from the last one, `log` says which and why.
 */
export class PythonInterpreter implements vscode.Disposable {
  private api: Promise<PythonExtension | undefined> | undefined;
  private watching: vscode.Disposable | undefined;
  private lastLogged: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: (line: string) => void) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('gradlens.pythonPath') && this.lastLogged !== undefined) void this.resolve();
      }),
      // Installed, enabled or removed while running: ask again next time.
      vscode.extensions.onDidChange(() => {
        this.api = undefined;
      }),
    );
  }

  async resolve(resource?: vscode.Uri): Promise<ResolvedPython> {
    const setting = vscode.workspace.getConfiguration('gradlens', resource).get<unknown>('pythonPath', '');
    const folder = resource ? vscode.workspace.getWorkspaceFolder(resource) : vscode.workspace.workspaceFolders?.[0];
    const inputs = { setting, workspaceFolder: folder?.uri.fsPath, home: homedir() };
    const fromSetting = resolvePythonPath(inputs);
    const python =
      fromSetting.source === 'setting'
        ? fromSetting
        : resolvePythonPath({ ...inputs, activeInterpreter: await this.activeInterpreter(resource) });
    const described = describePython(python);
    if (described !== this.lastLogged) this.log(described);
    this.lastLogged = described;
    return python;
  }

  private async activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
    if (!vscode.extensions.getExtension(PVSC_EXTENSION_ID)) return undefined;
    try {
      const api = await this.pythonApi();
      if (!api) return undefined;
      const active = api.environments.getActiveEnvironmentPath(resource);
      // The active path may name an environment's folder rather than its interpreter.
      const resolved = await withTimeout(api.environments.resolveEnvironment(active));
      return resolved?.executable.uri?.fsPath ?? active.path;
    } catch {
      return undefined;
    }
  }

  private pythonApi(): Promise<PythonExtension | undefined> {
    this.api ??= withTimeout(PythonExtension.api())
      .then((api) => {
        if (api) {
          this.watching?.dispose();
          this.watching = api.environments.onDidChangeActiveEnvironmentPath(() => void this.resolve());
        }
        return api;
      })
      .catch(() => undefined);
    const pending = this.api;
    // A failed or slow attempt is not remembered: the extension may be ready next time.
    void pending.then((api) => {
      if (!api && this.api === pending) this.api = undefined;
    });
    return pending;
  }

  dispose(): void {
    this.watching?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((done) => {
    timer = setTimeout(() => done(undefined), PYTHON_EXTENSION_WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

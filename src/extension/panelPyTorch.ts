/**
 * The panel's hand-off to PyTorch, both ways: "Export as PyTorch" writes a training
 * script for a config (exportPyTorch does the writing; this asks where and says what it
 * did), and "Import a train.py log…" reads the script's --json log back as a run in the
 * history (importLog does the reading; this picks the file and stores the run).
 */
import { basename, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { exportPyTorch } from '../training/export';
import type { TrainConfig } from '../training/events';
import { importSummary, parseTrainLog, saveImportedRun } from '../training/importLog';
import type { RunStore } from '../training/runStore';

export type Report = (level: 'info' | 'error', message: string) => void;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Asks for a folder and exports `config` there; `what` names it in the dialog and messages ("run 2026…", "the configured model"). */
export async function exportAsPyTorch(config: TrainConfig, what: string, report: Report): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Export here',
    title: `Export ${what} as a PyTorch training script`,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const folder = picked?.[0];
  if (!folder) return;
  let result: Awaited<ReturnType<typeof exportPyTorch>>;
  try {
    result = await exportPyTorch(config, folder.fsPath);
  } catch (err) {
    const text = `Could not export ${what} as PyTorch to ${folder.fsPath}: ${message(err)}`;
    report('error', text);
    void vscode.window.showErrorMessage(`GradLens: ${text}`);
    return;
  }
  report('info', result.summary);
  const script = result.files.find((f) => basename(f) === 'train.py') ?? 'train.py';
  const choice = await vscode.window.showInformationMessage(`GradLens: ${result.summary}`, 'Open train.py');
  if (choice === 'Open train.py') {
    await vscode.window.showTextDocument(vscode.Uri.file(isAbsolute(script) ? script : join(result.dir, script)));
  }
}

/** What the import command accepts: a Uri (menus, tests), a path (keybindings' args), or nothing (ask). */
export function logUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg.trim()) return vscode.Uri.file(arg.trim());
  return undefined;
}

/**
 * Reads a train.py --json log (asking for it when `uri` is missing) and stores it as a
 * new run; returns its id, or undefined when nothing was imported (cancelled, or refused
 * with a message that names the line).
 */
export async function importTrainLog(store: RunStore, uri: vscode.Uri | undefined, report: Report): Promise<string | undefined> {
  const target =
    uri ??
    (
      await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        openLabel: 'Import',
        title: 'Import the log of train.py --json as a run',
        filters: { 'train.py --json logs': ['jsonl', 'json', 'log', 'txt', 'out'], 'All files': ['*'] },
      })
    )?.[0];
  if (!target) return undefined;
  const name = basename(target.path);
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    const run = parseTrainLog(text, name);
    const writer = saveImportedRun(store, run);
    const summary = importSummary(run, name);
    report('info', `${summary} It is in the run history as "${run.label}".`);
    void vscode.window.showInformationMessage(`GradLens: ${summary}`);
    return writer.id;
  } catch (err) {
    const text = `Could not import ${name}: ${message(err)}`;
    report('error', text);
    void vscode.window.showErrorMessage(`GradLens: ${text}`);
    return undefined;
  }
}

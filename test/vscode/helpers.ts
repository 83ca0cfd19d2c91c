/** What the integration suites share: reading lenses and Problems, waiting, settings. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'gradlens.gradlens';

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite needs a workspace folder open');
  return folder.uri;
}

export async function codeLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.filter((l) => l.command);
}

export async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  return (await codeLenses(uri)).map((l) => l.command!.title);
}

/** Runs exactly what clicking the lens runs. */
export async function clickLens(lens: vscode.CodeLens): Promise<unknown> {
  return vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
}

export async function gradlensDiagnostics(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'GradLens');
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('gradlens').update(key, value, vscode.ConfigurationTarget.Workspace);
}

/**
 * "GradLens: Add Types for 'gradlens' Imports": `gradlens` exists only when GradLens runs a
 * layer file, so the editor's TypeScript cannot find it ("Cannot find module 'gradlens'", no
 * completions). The command copies the shipped types (dist/gradlens.d.ts) into the workspace
 * and lists them in the tsconfig/jsconfig TypeScript uses for the file (writing a jsconfig
 * when there is none). It is offered once per workspace when a file importing `gradlens`
 * opens and TypeScript cannot resolve the import; copies already made are kept up to date.
 */
import * as vscode from 'vscode';
import { addTypesToConfig, CONFIG_NAMES, gradlensSpecifierOffset, newJsConfig, TYPES_PATH } from './typesConfig';

export const ADD_TYPES_COMMAND = 'gradlens.addTypes';
const DISMISSED_KEY = 'gradlens.addTypes.dismissed';

export function registerAddTypes(context: vscode.ExtensionContext): vscode.Disposable[] {
  const shipped = vscode.Uri.joinPath(context.extensionUri, 'dist', 'gradlens.d.ts');
  const asked = new Set<string>();
  const offer = (document: vscode.TextDocument) => void offerTypes(context, shipped, document, asked).catch(() => undefined);
  void refreshCopies(shipped).catch(() => undefined);
  vscode.workspace.textDocuments.forEach(offer);
  return [
    vscode.commands.registerCommand(ADD_TYPES_COMMAND, (uri?: vscode.Uri) =>
      addTypes(shipped, uri ?? vscode.window.activeTextEditor?.document.uri),
    ),
    vscode.workspace.onDidOpenTextDocument(offer),
  ];
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The config TypeScript would use for `file`: the nearest tsconfig.json or jsconfig.json up to the workspace folder. */
async function findConfig(file: vscode.Uri, folder: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined> {
  let dir = vscode.Uri.joinPath(file, '..');
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = vscode.Uri.joinPath(dir, name);
      if (await exists(candidate)) return candidate;
    }
    if (dir.path === folder.uri.path || !dir.path.startsWith(folder.uri.path)) return undefined;
    dir = vscode.Uri.joinPath(dir, '..');
  }
}

export async function addTypes(shipped: vscode.Uri, file: vscode.Uri | undefined): Promise<void> {
  const folder = file ? vscode.workspace.getWorkspaceFolder(file) : vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage("GradLens: open a folder first: the types of 'gradlens' are added to a workspace folder.");
    return;
  }
  // From the palette with no file open, the folder's own config is the one to use.
  const config = await findConfig(file ?? vscode.Uri.joinPath(folder.uri, 'any'), folder);
  const base = config ? vscode.Uri.joinPath(config, '..') : folder.uri;
  const types = vscode.Uri.joinPath(base, ...TYPES_PATH.split('/'));
  await vscode.workspace.fs.writeFile(types, await vscode.workspace.fs.readFile(shipped));
  const where = vscode.workspace.asRelativePath(types);
  if (!config) {
    const created = vscode.Uri.joinPath(folder.uri, 'jsconfig.json');
    await vscode.workspace.fs.writeFile(created, new TextEncoder().encode(newJsConfig()));
    void vscode.window.showInformationMessage(
      `GradLens: wrote the types of 'gradlens' to ${where} and a jsconfig.json that includes them.`,
    );
    return;
  }
  const edit = addTypesToConfig(new TextDecoder().decode(await vscode.workspace.fs.readFile(config)));
  const configName = vscode.workspace.asRelativePath(config);
  if (edit.kind === 'edited') await vscode.workspace.fs.writeFile(config, new TextEncoder().encode(edit.text));
  if (edit.kind === 'manual') {
    const open = await vscode.window.showWarningMessage(
      `GradLens: wrote the types of 'gradlens' to ${where}, but did not edit ${configName}: ${edit.reason}. Add "${TYPES_PATH}" to its "files" or "include".`,
      'Open Config',
    );
    if (open) await vscode.window.showTextDocument(config);
    return;
  }
  void vscode.window.showInformationMessage(
    edit.kind === 'edited'
      ? `GradLens: wrote the types of 'gradlens' to ${where} and listed them in ${configName} ("${edit.listedIn}").`
      : `GradLens: updated the types of 'gradlens' in ${where} (already listed in ${configName}).`,
  );
}

/** Whether the command already set up the config `file` uses (its copy exists and the config lists it). */
async function typesListed(file: vscode.Uri, folder: vscode.WorkspaceFolder): Promise<boolean> {
  const config = await findConfig(file, folder);
  if (!config || !(await exists(vscode.Uri.joinPath(config, '..', ...TYPES_PATH.split('/'))))) return false;
  return addTypesToConfig(new TextDecoder().decode(await vscode.workspace.fs.readFile(config))).kind === 'unchanged';
}

/** Copies made by an earlier version of the extension get this version's types. */
async function refreshCopies(shipped: vscode.Uri): Promise<void> {
  const current = await vscode.workspace.fs.readFile(shipped);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const copy = vscode.Uri.joinPath(folder.uri, ...TYPES_PATH.split('/'));
    if (!(await exists(copy))) continue;
    const old = await vscode.workspace.fs.readFile(copy);
    if (Buffer.compare(old, current) !== 0) await vscode.workspace.fs.writeFile(copy, current);
  }
}

/** Asks once per workspace folder (per session, or never again if told) when TypeScript cannot resolve a file's `gradlens` import. */
async function offerTypes(
  context: vscode.ExtensionContext,
  shipped: vscode.Uri,
  document: vscode.TextDocument,
  asked: Set<string>,
): Promise<void> {
  if (document.uri.scheme !== 'file' || !['typescript', 'javascript'].includes(document.languageId)) return;
  const offset = gradlensSpecifierOffset(document.getText());
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  if (offset === undefined || !folder || asked.has(folder.uri.toString())) return;
  if (context.workspaceState.get<boolean>(DISMISSED_KEY)) return;
  // Without VS Code's TypeScript there is no one to ask, and nothing the types would help.
  const typescript = vscode.extensions.getExtension('vscode.typescript-language-features');
  if (!typescript) return;
  await typescript.activate();
  if (await typesListed(document.uri, folder)) return;
  // Until TypeScript has loaded the project, a syntax-only server may answer with nothing:
  // only a lookup that still finds nothing seconds later means the types are missing.
  for (const waitMs of [0, 3_000, 10_000]) {
    await new Promise((r) => setTimeout(r, waitMs));
    const definitions = await vscode.commands.executeCommand<unknown[]>(
      'vscode.executeDefinitionProvider',
      document.uri,
      document.positionAt(offset),
    );
    if (definitions && definitions.length > 0) return; // resolved: the types are there
  }
  if (asked.has(folder.uri.toString())) return; // another file of the folder asked meanwhile
  asked.add(folder.uri.toString());
  const choice = await vscode.window.showInformationMessage(
    `GradLens: the editor cannot find the types of 'gradlens' imported by ${vscode.workspace.asRelativePath(document.uri)}. Add them to this workspace?`,
    'Add Types',
    "Don't Ask Again",
  );
  if (choice === 'Add Types') await addTypes(shipped, document.uri);
  else if (choice === "Don't Ask Again") await context.workspaceState.update(DISMISSED_KEY, true);
}

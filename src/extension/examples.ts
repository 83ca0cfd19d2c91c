import * as vscode from 'vscode';
import { isCheckablePath } from '../layers/languages';

/**
 * The walkthrough's "open the examples": the example layers ship inside the extension
 * (examples/), so a first-time user can check a correct and a wrong backward right away.
 */
export async function openExample(extensionUri: vscode.Uri): Promise<vscode.TextEditor | undefined> {
  const root = vscode.Uri.joinPath(extensionUri, 'examples');
  const files = await listExamples(root);
  if (files.length === 0) {
    void vscode.window.showErrorMessage('GradLens: no examples found in this installation.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: uri.path.slice(root.path.length + 1), uri })),
    { title: 'GradLens: Open Example', placeHolder: 'Files under wrong/ hold a deliberate slip in the backward' },
  );
  if (!picked) return undefined;
  return vscode.window.showTextDocument(picked.uri);
}

async function listExamples(dir: vscode.Uri): Promise<vscode.Uri[]> {
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    return [];
  }
  const found: vscode.Uri[] = [];
  for (const [name, type] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    const uri = vscode.Uri.joinPath(dir, name);
    if (type === vscode.FileType.Directory) found.push(...(await listExamples(uri)));
    else if (isCheckablePath(name)) found.push(uri);
  }
  return found;
}

import * as vscode from 'vscode';
import type { TagCandidate } from '../layers/types';
import type { LayerIndex } from './layerIndex';
import { tagLine, tagPrefill } from '../layers/tagSuggestion';
import { TAG_PROMPT, firstPlaceholder, tagTextProblem } from './tagText';

/**
 * "Add @gradcheck tag…": one input box, prefilled from the candidate's signature and
 * checked as the user types, then the tag line written above the candidate (in a notebook,
 * into its cell). Only text changes, so it is offered in Restricted Mode too. Resolves to
 * whether a tag was written.
 */
export async function addTag(index: LayerIndex, uri?: vscode.Uri, name?: string): Promise<boolean> {
  const document = uri ? await openDocument(uri) : vscode.window.activeTextEditor?.document;
  const candidates = document ? (index.of(document)?.candidates ?? []) : [];
  const candidate = name !== undefined ? candidates.find((c) => c.name === name) : candidateAtCursor(candidates);
  if (!document || !candidate) {
    void vscode.window.showInformationMessage(
      'GradLens: no untagged layer here. "Add @gradcheck tag…" is for a forward/backward pair, loss, layer object or autograd.Function without a tag.',
    );
    return false;
  }
  const value = tagPrefill(candidate.params);
  const text = await vscode.window.showInputBox({
    title: `GradLens: @gradcheck tag for ${candidate.name}`,
    prompt: TAG_PROMPT,
    value,
    valueSelection: firstPlaceholder(value),
    placeHolder: 'x:[4,5] w:[5,3] b:[3]',
    ignoreFocusOut: true,
    validateInput: (typed) => tagTextProblem(typed, candidate.language),
  });
  if (text === undefined) return false;
  // The text may have changed while the box was open: place the tag where the candidate is now.
  const now = index.of(document)?.candidates.find((c) => c.name === candidate.name) ?? candidate;
  const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, new vscode.Position(now.insertLine, 0), tagLine(now.language, now.indent, text) + eol);
  return vscode.workspace.applyEdit(edit);
}

async function openDocument(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open;
  try {
    return await vscode.workspace.openTextDocument(uri);
  } catch {
    return undefined;
  }
}

/** From the palette: the candidate the cursor is in or below, else the first. */
function candidateAtCursor(candidates: TagCandidate[]): TagCandidate | undefined {
  const line = vscode.window.activeTextEditor?.selection.active.line ?? 0;
  const above = candidates.filter((c) => c.line <= line).sort((a, b) => b.line - a.line)[0];
  return above ?? candidates[0];
}

/**
 * "GradLens: Show Model Summary": which model (a name such as cnn:seed, or the course's
 * layer notation picked up from the editor or typed), its table written to an output
 * channel; the session then shows it in the panel too. The parsing is panelSummary.ts.
 */
import * as vscode from 'vscode';
import { looksLikeNotation } from '../../training/notation';
import { formatSummary, type ModelSummary } from '../../training/summary';
import { summaryOf } from '../panelSummary';

const NOTATION_EXAMPLE = 'INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10';

async function askForModel(): Promise<string | undefined> {
  // Notation selected in the editor, or on the cursor's line, is taken as it is.
  const editor = vscode.window.activeTextEditor;
  if (editor) {
    const selected = editor.selection.isEmpty ? '' : editor.document.getText(editor.selection).trim();
    const line = editor.document.lineAt(editor.selection.active.line).text.replace(/^[\s/*#'"`]+|[\s'"`;,]+$/g, '');
    const found = [selected, line].find((t) => looksLikeNotation(t));
    if (found) return found;
  }
  return vscode.window.showInputBox({
    title: 'GradLens: Show Model Summary',
    prompt: 'A model (cnn, gan, attention; a preset as cnn:seed) or layers in the course notation: INPUT HxWxD, CONVf-n, POOLk, FC-n',
    value: NOTATION_EXAMPLE,
  });
}

export class ModelSummaryCommand implements vscode.Disposable {
  private output: vscode.OutputChannel | undefined;

  /** The summary of `input` (or of what the editor or a prompt gives), written out; undefined when cancelled or refused. */
  async run(input: string | undefined): Promise<ModelSummary | undefined> {
    const text = input?.trim() || (await askForModel());
    if (!text) return undefined;
    let summary: ModelSummary;
    try {
      summary = summaryOf(text);
    } catch (err) {
      void vscode.window.showErrorMessage(`GradLens: ${(err as Error).message}`);
      return undefined;
    }
    this.output ??= vscode.window.createOutputChannel('GradLens Model Summary');
    this.output.appendLine(formatSummary(summary));
    this.output.appendLine('');
    return summary;
  }

  dispose(): void {
    this.output?.dispose();
  }
}

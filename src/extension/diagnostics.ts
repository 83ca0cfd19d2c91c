import * as vscode from 'vscode';
import type { LayerReport } from '../gradcheck/types';
import type { DiscoveredLayer } from '../layers/types';
import type { FileResult } from './results';
import { isNotebookUri, type LayerIndex } from './layerIndex';
import { diagnosticMessage } from './outcomeText';

interface Place {
  uri: vscode.Uri;
  /** 0-based. */
  line: number;
  document?: vscode.TextDocument;
}

/**
 * Problems-panel entries for a checked file: one on each failing layer's backward line
 * (where the slip is), none for passing layers, so a pass clears what a failure left. A
 * notebook's entries go on the cells that define its layers, so each file or notebook
 * remembers which documents hold its entries and clears them on the next run.
 */
export class GradientProblems implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('gradlens');
  private readonly placedIn = new Map<string, vscode.Uri[]>();

  constructor(private readonly index: LayerIndex) {}

  update(target: vscode.Uri, result: FileResult, layers: DiscoveredLayer[]): void {
    const byDocument = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    const add = (place: Place, message: string) => {
      const key = place.uri.toString();
      const entry = byDocument.get(key) ?? { uri: place.uri, diagnostics: [] };
      byDocument.set(key, entry);
      entry.diagnostics.push(toDiagnostic(place, message));
    };
    if (result.loadError) add(this.place(target, undefined, layers[0]), `GradLens could not load this file: ${result.loadError}`);
    for (const report of result.reports) {
      const message = diagnosticMessage(report);
      if (message)
        add(
          this.place(
            target,
            report,
            layers.find((l) => l.name === report.name),
          ),
          message,
        );
    }
    this.clear(target);
    // The file itself always gets its (possibly empty) list, so a pass shows as a cleared file.
    if (!byDocument.has(target.toString())) this.collection.set(target, []);
    for (const { uri, diagnostics } of byDocument.values()) this.collection.set(uri, diagnostics);
    this.placedIn.set(target.toString(), [target, ...[...byDocument.values()].map((e) => e.uri)]);
  }

  /** Removes a file's or notebook's entries (a closed notebook's cells no longer exist). */
  clear(target: vscode.Uri): void {
    for (const uri of this.placedIn.get(target.toString()) ?? []) this.collection.delete(uri);
    this.placedIn.delete(target.toString());
  }

  private place(target: vscode.Uri, report: LayerReport | undefined, layer: DiscoveredLayer | undefined): Place {
    if (isNotebookUri(target)) {
      const cell = layer?.cell !== undefined ? this.index.cellDocument(target, layer.cell) : undefined;
      if (!cell || !layer) return { uri: target, line: 0 };
      // The backward's line when it is in the same cell as the definition, else the definition's.
      const backward = layer.backwardLine;
      const line = backward !== undefined && backward >= layer.line && backward <= layer.endLine ? backward : layer.line;
      return { uri: cell.uri, line, document: cell };
    }
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    // Reports count lines from 1, discovery from 0.
    const line =
      report?.backwardLine !== undefined
        ? report.backwardLine - 1
        : (layer?.backwardLine ?? (report?.line !== undefined ? report.line - 1 : (layer?.line ?? 0)));
    return { uri: target, line, document };
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function toDiagnostic({ line, document }: Place, message: string): vscode.Diagnostic {
  const safeLine = Math.max(0, document ? Math.min(line, document.lineCount - 1) : line);
  const range = document
    ? document
        .lineAt(safeLine)
        .range.with({ start: new vscode.Position(safeLine, document.lineAt(safeLine).firstNonWhitespaceCharacterIndex) })
    : new vscode.Range(safeLine, 0, safeLine, 1000);
  const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
  diagnostic.source = 'GradLens';
  diagnostic.code = 'gradient-check';
  return diagnostic;
}

import * as vscode from 'vscode';
import type { DiscoveredLayer } from '../layers/types';
import type { FileResult } from './results';
import { diagnosticMessage } from './outcomeText';

/**
 * Problems-panel entries for a file: one on each failing layer's backward line (where the
 * slip is), none for passing layers, so a pass clears what a failure left.
 */
export function updateDiagnostics(
  collection: vscode.DiagnosticCollection,
  uri: vscode.Uri,
  result: FileResult,
  layers: DiscoveredLayer[],
  document?: vscode.TextDocument,
): void {
  const diagnostics: vscode.Diagnostic[] = [];
  if (result.loadError) {
    diagnostics.push(toDiagnostic(0, `GradLens could not load this file: ${result.loadError}`, document));
  }
  for (const report of result.reports) {
    const message = diagnosticMessage(report);
    if (!message) continue;
    const found = layers.find((l) => l.name === report.name);
    // Reports count lines from 1, discovery from 0.
    const line = report.backwardLine !== undefined ? report.backwardLine - 1 : found?.backwardLine ?? (report.line !== undefined ? report.line - 1 : found?.line ?? 0);
    diagnostics.push(toDiagnostic(line, message, document));
  }
  collection.set(uri, diagnostics);
}

function toDiagnostic(line: number, message: string, document?: vscode.TextDocument): vscode.Diagnostic {
  const safeLine = Math.max(0, document ? Math.min(line, document.lineCount - 1) : line);
  const range = document
    ? document.lineAt(safeLine).range.with({ start: new vscode.Position(safeLine, document.lineAt(safeLine).firstNonWhitespaceCharacterIndex) })
    : new vscode.Range(safeLine, 0, safeLine, 1000);
  const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
  diagnostic.source = 'GradLens';
  diagnostic.code = 'gradient-check';
  return diagnostic;
}

import type * as vscode from 'vscode';
import type { ReportWebviewMessage } from '../reportProtocol';
import type { ResolvedPython } from './pythonPath';
import type { FileResult } from './results';

/**
 * What activate() returns: a read-only view of what the extension last showed, for the
 * integration suite (VS Code offers no API to read another extension's test results).
 */
export interface GradLensApi {
  results(file: string): FileResult | undefined;
  /** Latest reported state per test item id. */
  testStates(): Record<string, string>;
  testItemIds(): string[];
  /** The URI a test item points at (a notebook's layer items point into their cells). */
  testItemUri(id: string): string | undefined;
  /** The interpreter a check of this file or notebook (a URI's string) would run. */
  python(resource?: string): Promise<ResolvedPython>;
  statusBarText(): string;
  report: {
    isOpen(): boolean;
    lastRendered(): Extract<ReportWebviewMessage, { type: 'rendered' }> | undefined;
    onDidRender: vscode.Event<Extract<ReportWebviewMessage, { type: 'rendered' }>>;
  };
}

import * as vscode from 'vscode';
import type { LayerReport } from '../gradcheck/types';

export interface FileResult {
  file: string;
  reports: LayerReport[];
  /** The file itself could not be bundled or loaded (syntax error, missing import...). */
  loadError?: string;
}

/** The last result of every file checked this session, and which layers are running now. */
export class ResultStore implements vscode.Disposable {
  private readonly byFile = new Map<string, FileResult>();
  private readonly running = new Map<string, Set<string>>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the file's path whenever its results or running layers change. */
  readonly onDidChange = this.changed.event;

  /**
   * Keeps earlier reports of layers that this run did not check (a single-layer run), as
   * long as the file still has them (`present`: the names found in its text now).
   */
  set(result: FileResult, present: ReadonlySet<string>): void {
    const previous = this.byFile.get(result.file);
    const checked = new Set(result.reports.map((r) => r.name));
    const kept = result.loadError ? [] : (previous?.reports ?? []).filter((r) => !checked.has(r.name) && present.has(r.name));
    this.byFile.set(result.file, { ...result, reports: [...kept, ...result.reports].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) });
    this.changed.fire(result.file);
  }

  get(file: string): FileResult | undefined {
    return this.byFile.get(file);
  }

  report(file: string, layer: string): LayerReport | undefined {
    return this.byFile.get(file)?.reports.find((r) => r.name === layer);
  }

  all(): LayerReport[] {
    return [...this.byFile.values()].flatMap((f) => f.reports);
  }

  files(): FileResult[] {
    return [...this.byFile.values()];
  }

  setRunning(file: string, layers: string[] | 'all', names: string[]): void {
    this.running.set(file, new Set(layers === 'all' ? names : layers));
    this.changed.fire(file);
  }

  clearRunning(file: string): void {
    this.running.delete(file);
    this.changed.fire(file);
  }

  runningIn(file: string): ReadonlySet<string> {
    return this.running.get(file) ?? new Set();
  }

  isRunning(): boolean {
    return [...this.running.values()].some((s) => s.size > 0);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

import * as vscode from 'vscode';
import type { DiscoveredLayer } from '../layers/types';
import type { InputReport, LayerReport } from '../gradcheck/types';
import type { FileResult } from './results';
import type { LayerIndex } from './layerIndex';
import { looserPassText } from '../gradcheck/looserTolerance';
import { conventionLabel, diffTexts, inputFinding, testFailureMessage } from './outcomeText';
import { LAYER_FILES_GLOB, MAX_WORKSPACE_FILES, SKIPPED_GLOB } from './workspaceFiles';

export type TestState = 'passed' | 'failed' | 'errored' | 'skipped';

/** What a run of the checker needs from Test Explorer: which files and layers, and where to report. */
export type TestRunHandler = (
  requests: { uri: vscode.Uri; layers?: string[] }[],
  mode: 'full' | 'fast',
  run: vscode.TestRun,
  token: vscode.CancellationToken,
) => Promise<void>;

/**
 * Test Explorer: one item per file (or notebook), per layer and per input, filled from the
 * text (no code runs to list them). Every check, wherever it was started, reports its
 * outcome here. A notebook's layer items point into their cells while it is open.
 */
export class GradientTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('gradlens', 'GradLens gradient checks');
  /** The latest state reported for each item id, so the integration suite can read it. */
  readonly states = new Map<string, TestState>();

  constructor(
    private readonly index: LayerIndex,
    runChecks: TestRunHandler,
  ) {
    const makeHandler = (mode: 'full' | 'fast') => async (request: vscode.TestRunRequest, token: vscode.CancellationToken) => {
      const run = this.controller.createTestRun(request);
      try {
        await runChecks(this.requestsFor(request), mode, run, token);
      } finally {
        run.end();
      }
    };
    this.controller.createRunProfile('Check gradients', vscode.TestRunProfileKind.Run, makeHandler('full'), true);
    this.controller.createRunProfile('Fast check', vscode.TestRunProfileKind.Run, makeHandler('fast'), false);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverWorkspace();
    };
    this.controller.refreshHandler = () => this.discoverWorkspace();
  }

  static fileId(uri: vscode.Uri): string {
    return uri.toString();
  }

  static layerId(uri: vscode.Uri, layer: string): string {
    return `${uri.toString()}#${layer}`;
  }

  static inputId(uri: vscode.Uri, layer: string, input: string): string {
    return `${uri.toString()}#${layer}/${input}`;
  }

  async discoverWorkspace(): Promise<void> {
    const files = await vscode.workspace.findFiles(LAYER_FILES_GLOB, SKIPPED_GLOB, MAX_WORKSPACE_FILES);
    for (const uri of files) this.updateFile(uri, await this.index.layersOfUri(uri));
  }

  /** Mirrors the layers found in a file's text; a file with none leaves the tree. */
  updateFile(uri: vscode.Uri, layers: DiscoveredLayer[]): vscode.TestItem | undefined {
    const id = GradientTests.fileId(uri);
    if (layers.length === 0) {
      this.controller.items.delete(id);
      return undefined;
    }
    let fileItem = this.controller.items.get(id);
    if (!fileItem) {
      fileItem = this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri), uri);
      this.controller.items.add(fileItem);
    }
    const layerItems = layers.map((layer) => {
      const at = this.index.locationOf(uri, layer);
      const layerItem = this.item(fileItem!.children, GradientTests.layerId(uri, layer.name), layer.name, at.uri);
      layerItem.range = at.range;
      layerItem.description = conventionLabel(layer.convention);
      this.setInputs(layerItem, uri, layer.name, layer.inputNames, new vscode.Location(at.uri, at.range.start));
      return layerItem;
    });
    fileItem.children.replace(layerItems);
    return fileItem;
  }

  /** The item with this id, made anew when it must point into another document (a notebook opened or closed). */
  private item(siblings: vscode.TestItemCollection, id: string, label: string, uri: vscode.Uri): vscode.TestItem {
    const existing = siblings.get(id);
    if (existing && existing.uri?.toString() === uri.toString()) return existing;
    return this.controller.createTestItem(id, label, uri);
  }

  private setInputs(layerItem: vscode.TestItem, file: vscode.Uri, layer: string, names: string[], at: vscode.Location): void {
    const items = names.map((name) => {
      const item = this.item(layerItem.children, GradientTests.inputId(file, layer, name), `d${name}`, at.uri);
      item.range = at.range;
      return item;
    });
    layerItem.children.replace(items);
  }

  private requestsFor(request: vscode.TestRunRequest): { uri: vscode.Uri; layers?: string[] }[] {
    const roots: vscode.TestItem[] = [];
    if (request.include) roots.push(...request.include);
    else this.controller.items.forEach((item) => roots.push(item));
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const byFile = new Map<string, { uri: vscode.Uri; layers?: Set<string> }>();
    for (const item of roots) {
      // The file item's URI is what gets checked: a notebook's layer items point into cells.
      let fileItem = item;
      while (fileItem.parent) fileItem = fileItem.parent;
      if (!fileItem.uri || excluded.has(item.id)) continue;
      const key = fileItem.uri.toString();
      const entry = byFile.get(key) ?? { uri: fileItem.uri, layers: new Set<string>() };
      byFile.set(key, entry);
      const layer = this.layerNameOf(item);
      if (layer === undefined)
        entry.layers = undefined; // the whole file
      else entry.layers?.add(layer);
    }
    return [...byFile.values()].map((e) => ({ uri: e.uri, layers: e.layers ? [...e.layers] : undefined }));
  }

  /** undefined for a file item; an input item runs its whole layer (one check covers every input). */
  private layerNameOf(item: vscode.TestItem): string | undefined {
    const hash = item.id.indexOf('#');
    if (hash < 0) return undefined;
    const rest = item.id.slice(hash + 1);
    const slash = rest.lastIndexOf('/');
    return item.parent?.parent ? rest.slice(0, slash) : rest;
  }

  /** Reports a file's results into `run`, or into a run of its own when a lens or command started the check. */
  record(uri: vscode.Uri, result: FileResult, layers: DiscoveredLayer[], run?: vscode.TestRun): void {
    const fileItem = this.updateFile(uri, layers);
    if (!fileItem) return;
    const ownRun = run ?? this.controller.createTestRun(new vscode.TestRunRequest([fileItem]), 'GradLens check', false);
    if (result.loadError) {
      const message = new vscode.TestMessage(`GradLens could not load ${vscode.workspace.asRelativePath(uri)}: ${result.loadError}`);
      fileItem.children.forEach((layerItem) => this.mark(ownRun, layerItem, 'errored', message));
    }
    for (const report of result.reports) {
      const layerItem = fileItem.children.get(GradientTests.layerId(uri, report.name));
      if (layerItem) this.recordLayer(ownRun, uri, layerItem, report);
    }
    if (!run) ownRun.end();
  }

  private recordLayer(run: vscode.TestRun, uri: vscode.Uri, layerItem: vscode.TestItem, report: LayerReport): void {
    const location =
      layerItem.uri && layerItem.range
        ? new vscode.Location(layerItem.uri, layerItem.range.start)
        : new vscode.Location(uri, new vscode.Position(Math.max(0, (report.line ?? 1) - 1), 0));
    // Input items follow the report: a layer whose inputs were not readable from the text gets them now.
    if (report.inputs.length > 0)
      this.setInputs(
        layerItem,
        uri,
        report.name,
        report.inputs.map((i) => i.name),
        location,
      );
    run.started(layerItem);
    if (report.error) {
      const message = new vscode.TestMessage(report.error);
      message.location = location;
      this.mark(run, layerItem, 'errored', message, report.timeMs);
      layerItem.children.forEach((child) => run.skipped(child));
      return;
    }
    for (const input of report.inputs) {
      const item = layerItem.children.get(GradientTests.inputId(uri, report.name, input.name));
      if (item) this.recordInput(run, item, input, location);
    }
    if (report.passed) {
      const looser = looserPassText(report);
      if (looser) run.appendOutput(`${report.name}: ${looser}\r\n`, location, layerItem);
      this.mark(run, layerItem, 'passed', undefined, report.timeMs);
    } else {
      const message = new vscode.TestMessage(testFailureMessage(report));
      message.location = location;
      this.mark(run, layerItem, 'failed', message, report.timeMs);
    }
  }

  private recordInput(run: vscode.TestRun, item: vscode.TestItem, input: InputReport, location: vscode.Location): void {
    run.started(item);
    if (input.status === 'passed') {
      this.mark(run, item, 'passed');
      return;
    }
    if (input.status === 'not-checked' || input.status === 'kink') {
      run.appendOutput(`${inputFinding(input)}\r\n`, location, item);
      this.mark(run, item, 'skipped');
      return;
    }
    const texts = diffTexts(input);
    const finding = `${inputFinding(input)}\nExpected: numeric (central differences); actual: your backward.`;
    const message = texts ? vscode.TestMessage.diff(finding, texts.expected, texts.actual) : new vscode.TestMessage(finding);
    message.location = location;
    this.mark(run, item, 'failed', message);
  }

  private mark(run: vscode.TestRun, item: vscode.TestItem, state: TestState, message?: vscode.TestMessage, ms?: number): void {
    this.states.set(item.id, state);
    if (state === 'passed') run.passed(item, ms);
    else if (state === 'failed') run.failed(item, message ?? new vscode.TestMessage('failed'), ms);
    else if (state === 'errored') run.errored(item, message ?? new vscode.TestMessage('error'), ms);
    else run.skipped(item);
  }

  dispose(): void {
    this.controller.dispose();
  }
}

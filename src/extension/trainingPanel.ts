/**
 * The training panel's host: opens the webview (webview/panel, bundled to
 * dist/webview/panel.js), runs the trainer in a worker thread (dist/trainWorker.js) so
 * VS Code never waits on it, relays the trainer's events to the page, and answers the
 * page's requests (start/pause/resume/stop, summaries, run history, export as CSV, JSON
 * or a PyTorch script, import of a train.py log).
 *
 * Surviving hide, close and reload:
 * - The job belongs to this module, not to the panel: hiding or closing the panel does
 *   not stop it. Its events go into a bounded PanelEventLog, and a page that (re)opens
 *   is rebuilt from that log. So the panel does not need retainContextWhenHidden (which
 *   would keep a whole page alive in the background); a hidden page is simply rebuilt.
 * - A VS Code reload ends the extension host and with it the worker, so a job cannot
 *   outlive it. The page is restored by a WebviewPanelSerializer, and its picture is
 *   rebuilt from the run store: the metrics that were appended as the run went, plus the
 *   run's 'started' event and latest samples kept in workspace state.
 *
 * Where a job trains (the `gradlens.training.trainOn` setting, overridable in the panel):
 * the page probes its GPU and either asks the host to train ('start': the worker thread
 * below, on the fast CPU backend) or trains itself on gpu.js in a Web Worker of the page
 * ('pageStarted', then 'pageEvent' and 'pageRecord'), in which case this module keeps
 * the run record and relays the events exactly as for its own worker (PageTrainingJob).
 * A page job lives as long as the page: the panel then keeps its page when hidden
 * (retainContextWhenHidden, unless the setting says host), and closing or reloading it
 * ends the job, recorded as failed with the reason.
 *
 * Wiring (in activate): push registerTrainingPanel(context) into context.subscriptions
 * (it registers the serializer for the 'gradlens.training' view type, which package.json
 * names in "onWebviewPanel:gradlens.training"), and bind the commands to
 * showTrainingPanel(context), showModelSummary(context, input?) and importTrainLogToPanel(context, arg?).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { modelSummary } from '../training/models/catalog';
import { looksLikeNotation } from '../training/notation';
import { RunStore } from '../training/runStore';
import { formatSummary } from '../training/summary';
import type { ModelSummary } from '../training/summary';
import type { AttentionEvent, SamplesEvent, StartedEvent, TrainConfig, TrainEvent, WorkerRequest } from '../training/events';
import { parseWebviewMessage, ProtocolError } from '../protocol';
import { TRAINING_PLACES } from '../protocol';
import type { HostMessage, JobState, Placement, TrainingPlace, WebviewMessage } from '../protocol';
import { PageTrainingJob } from './panelPageJob';
import { panelChoices } from './panelChoices';
import { PanelEventLog } from './panelEventLog';
import { panelHtml } from './panelHtml';
import { summaryOf } from './panelSummary';
import { configOfRun, eventsFromRun, runLabel, runList, runListItem } from './panelRunHistory';
import { exportAsPyTorch, importTrainLog, logUriOf } from './panelPyTorch';

export const TRAINING_VIEW_TYPE = 'gradlens.training';
const LAST_RUN_KEY = 'gradlens.training.lastRun';
const DATA_DIR_KEY = 'gradlens.training.dataDir';

/** What a reload needs to redraw the last run beside its metrics file. */
interface LastRunMemory {
  runId: string | null;
  started: StartedEvent;
  samples?: SamplesEvent;
  attention?: AttentionEvent;
  placement?: Placement | null;
}

/** The `gradlens.training.trainOn` setting, read fresh each time. */
function trainOnSetting(): TrainingPlace {
  const v = vscode.workspace.getConfiguration('gradlens').get<string>('training.trainOn', 'auto');
  return (TRAINING_PLACES as readonly string[]).includes(v) ? (v as TrainingPlace) : 'auto';
}

class TrainingJob {
  private readonly worker: Worker;
  state: JobState = 'running';
  runId: string | null = null;
  private ended = false;

  constructor(workerFile: string, config: TrainConfig, runsDir: string, private readonly onEvent: (e: TrainEvent) => void, private readonly onEnd: () => void) {
    this.worker = new Worker(workerFile);
    this.worker.on('message', (e: TrainEvent) => this.receive(e));
    this.worker.on('error', (err) => this.finish({ type: 'error', message: `the training worker failed: ${err.message}` }));
    this.worker.on('exit', (code) => {
      if (!this.ended) this.finish({ type: 'error', message: `the training worker stopped unexpectedly (exit code ${code})` });
    });
    this.send({ type: 'start', config, runsDir });
  }

  private receive(e: TrainEvent): void {
    if (this.ended) return;
    if (e.type === 'started') this.runId = e.runId;
    if (e.type === 'state') this.state = e.state;
    if (e.type === 'done' || e.type === 'error') {
      this.finish(e);
      return;
    }
    this.onEvent(e);
  }

  private finish(last: TrainEvent): void {
    if (this.ended) return;
    this.ended = true;
    this.state = 'idle';
    this.onEvent(last);
    void this.worker.terminate();
    this.onEnd();
  }

  send(request: WorkerRequest): void {
    if (!this.ended) this.worker.postMessage(request);
  }

  get active(): boolean {
    return !this.ended;
  }

  dispose(): void {
    if (this.ended) return;
    this.ended = true;
    void this.worker.terminate();
  }
}

/** The one training session of this window: its panel (if open), job (if any) and event log. */
class TrainingSession implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private job: TrainingJob | PageTrainingJob | undefined;
  /** Where the current (or last) job trains, and why. */
  private placement: Placement | null = null;
  private readonly log = new PanelEventLog();
  private memory: LastRunMemory | undefined;
  private output: vscode.OutputChannel | undefined;
  /** A summary asked for by command before the page was ready to show it. */
  private pendingSummary: ModelSummary | undefined;
  /** What an import by command said before the panel was open to say it. */
  private pendingNotice: { level: 'info' | 'error'; message: string } | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.memory = context.workspaceState.get<LastRunMemory>(LAST_RUN_KEY);
    this.placement = this.memory?.placement ?? null;
  }

  private get store(): RunStore {
    const base = this.context.storageUri ?? this.context.globalStorageUri;
    return new RunStore(join(base.fsPath, 'runs'));
  }

  private get webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, 'GradLens Training', vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(panel);
    return panel;
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // A host job's page is rebuilt from the event log when shown again, so it need not be
    // kept; a job training in the page would die with it, so where the page may train
    // (setting auto or page) the page is kept while hidden.
    return { enableScripts: true, localResourceRoots: [this.webviewRoot], retainContextWhenHidden: trainOnSetting() !== 'host' };
  }

  /** Take over a panel: a new one, or one VS Code restored after a reload. */
  attach(panel: vscode.WebviewPanel): void {
    this.abandonPageJob('the panel was reloaded');
    this.panel?.dispose();
    this.panel = panel;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'gradlens.png');
    const asset = (name: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, name)).toString();
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(18).toString('base64url'),
      scriptUri: asset('panel.js'),
      workerUri: asset('trainWorker.js'),
      styleUris: [asset('panel.css')],
    });
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((raw) => this.receive(raw)),
      panel.onDidDispose(() => this.panelClosed(panel)),
    ];
  }

  private panelClosed(panel: vscode.WebviewPanel): void {
    if (this.panel !== panel) return;
    this.panel = undefined;
    this.panelDisposables.forEach((d) => d.dispose());
    this.panelDisposables = [];
    this.abandonPageJob('the panel was closed');
    if (this.job?.active) {
      void vscode.window
        .showInformationMessage('GradLens: training goes on in the background. Reopen the panel to watch it.', 'Open Panel', 'Stop Training')
        .then((choice) => {
          if (choice === 'Open Panel') this.show();
          if (choice === 'Stop Training') this.job?.send({ type: 'stop' });
        });
    }
  }

  /** A job training in the page cannot outlive it. */
  private abandonPageJob(why: string): void {
    if (this.job instanceof PageTrainingJob && this.job.active) this.job.abandon(why);
  }

  private post(message: HostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private notice(level: 'info' | 'error', message: string): void {
    this.post({ type: 'notice', level, message });
  }

  private jobState(): JobState {
    return this.job?.active ? this.job.state : 'idle';
  }

  private activeIds(): Set<string> {
    return new Set(this.job?.active && this.job.runId ? [this.job.runId] : []);
  }

  private listRuns() {
    try {
      return runList(this.store.list(this.activeIds()));
    } catch (err) {
      this.notice('error', `Could not read the run history: ${(err as Error).message}`);
      return [];
    }
  }

  private receive(raw: unknown): void {
    let message: WebviewMessage;
    try {
      message = parseWebviewMessage(raw);
    } catch (err) {
      if (err instanceof ProtocolError) this.notice('error', `GradLens ignored a panel message: ${err.message}`);
      return;
    }
    this.handle(message).catch((err: unknown) => this.notice('error', err instanceof Error ? err.message : String(err)));
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // A page saying 'ready' is a fresh page: a job it was training went with the old one.
        this.abandonPageJob('the page was reloaded');
        this.post({
          type: 'init',
          choices: panelChoices(),
          runs: this.listRuns(),
          dataDir: this.context.workspaceState.get<string>(DATA_DIR_KEY) ?? null,
          job: this.jobState(),
          trainOn: trainOnSetting(),
          placement: this.placement,
        });
        this.post({ type: 'replay', events: this.replayEvents() });
        if (this.pendingSummary) this.post({ type: 'summary', summary: this.pendingSummary, source: 'command' });
        this.pendingSummary = undefined;
        if (this.pendingNotice) this.post({ type: 'notice', ...this.pendingNotice });
        this.pendingNotice = undefined;
        break;
      case 'start':
        this.start(message.config, message.placement ?? null);
        break;
      case 'pageStarted':
        this.startInPage(message.placement);
        break;
      case 'pageEvent':
        if (this.job instanceof PageTrainingJob) this.job.receive(message.event);
        break;
      case 'pageRecord':
        if (!(this.job instanceof PageTrainingJob)) throw new Error('the page sent a run record, but no job trains in the page');
        this.job.record(message.record);
        break;
      case 'pause':
      case 'resume':
      case 'stop':
        if (!this.job?.active) this.notice('error', `Nothing to ${message.type}: no training job is running.`);
        else this.job.send({ type: message.type });
        break;
      case 'pickDataDir': {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true, canSelectFiles: false, canSelectMany: false,
          openLabel: 'Use this folder', title: 'Folder with MNIST / Fashion-MNIST IDX files or CIFAR-10 binary batches',
        });
        const dir = picked?.[0]?.fsPath ?? null;
        if (dir) await this.context.workspaceState.update(DATA_DIR_KEY, dir);
        this.post({ type: 'dataDir', dir });
        break;
      }
      case 'requestSummary': {
        const { model, preset, dataset, causal } = message;
        try {
          this.post({ type: 'summary', summary: modelSummary({ model, preset, dataset, causal }), source: 'form' });
        } catch (err) {
          this.notice('error', `No summary for this choice: ${(err as Error).message}`);
        }
        break;
      }
      case 'overlayRun':
      case 'openRun': {
        const run = this.store.open(message.id, this.activeIds());
        const events = eventsFromRun(run);
        if (message.type === 'overlayRun') this.post({ type: 'overlay', run: { id: run.id, label: runLabel(runListItem(run)), events } });
        else {
          const started = this.memory?.runId === run.id ? [this.memory.started] : [];
          this.post({ type: 'opened', id: run.id, events: [...started, ...events] });
        }
        break;
      }
      case 'exportRun': {
        const text = message.format === 'csv' ? this.store.exportCsv(message.id) : this.store.exportJson(message.id);
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const name = `${message.id}.${message.format}`;
        const target = await vscode.window.showSaveDialog({
          defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
          filters: message.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
          title: `Export run ${message.id}`,
        });
        if (!target) return;
        await writeFile(target.fsPath, text);
        this.notice('info', `Exported run ${message.id} to ${target.fsPath}`);
        break;
      }
      case 'exportPyTorch': {
        const report = (level: 'info' | 'error', text: string) => this.notice(level, text);
        if ('run' in message.source) {
          const id = message.source.run;
          await exportAsPyTorch(configOfRun(this.store.open(id, this.activeIds())), `run ${id}`, report);
        } else {
          await exportAsPyTorch(message.source.config, `the configured ${message.source.config.model}`, report);
        }
        break;
      }
      case 'importTrainLog':
        await this.importLog(undefined);
        break;
      case 'refreshRuns':
        this.post({ type: 'runs', runs: this.listRuns() });
        break;
    }
  }

  /** Imports a train.py --json log as a new run and shows it in the history; returns its id. */
  async importLog(uri: vscode.Uri | undefined): Promise<string | undefined> {
    // A page that opens after the import hears of it once it is ready.
    const id = await importTrainLog(this.store, uri, (level, message) => {
      if (this.panel) this.notice(level, message);
      else this.pendingNotice = { level, message };
    });
    if (id) this.post({ type: 'runs', runs: this.listRuns() });
    return id;
  }

  /**
   * The current job's events; after a reload (nothing in memory) the last run's, from
   * the run store, so the panel comes back showing what it showed.
   */
  private replayEvents(): TrainEvent[] {
    if (!this.log.isEmpty) return this.log.replay();
    const memory = this.memory;
    if (!memory) return [];
    const extras = [memory.samples, memory.attention].filter((e): e is SamplesEvent | AttentionEvent => !!e);
    if (!memory.runId) return [memory.started, ...extras];
    try {
      const recorded = eventsFromRun(this.store.open(memory.runId, this.activeIds()));
      return [memory.started, ...recorded.filter((e) => e.type !== 'done' && e.type !== 'error' && e.type !== 'log'), ...extras,
        ...recorded.filter((e) => e.type === 'done' || e.type === 'error' || e.type === 'log')];
    } catch {
      return []; // the run was deleted; start clean
    }
  }

  private start(config: TrainConfig, placement: Placement | null): void {
    if (this.job?.active) {
      this.notice('error', 'A training job is already running: stop it first.');
      return;
    }
    const workerFile = join(this.context.extensionPath, 'dist', 'trainWorker.js');
    this.log.clear();
    this.memory = undefined;
    this.placement = placement ?? { where: 'host', label: 'fast CPU in the extension host', reason: 'the page did not say where to train' };
    this.job = new TrainingJob(workerFile, config, this.store.root, (e) => this.relay(e), () => this.jobEnded());
    this.post({ type: 'job', state: 'running', placement: this.placement });
  }

  /** The page trains this job itself; the host keeps its record and relays its events. */
  private startInPage(placement: Placement): void {
    if (this.job?.active) {
      // The page checks before starting; a second job means the page and host disagree, so stop the newcomer.
      this.post({ type: 'pageControl', request: 'stop' });
      this.notice('error', 'A training job is already running: stop it first.');
      return;
    }
    this.log.clear();
    this.memory = undefined;
    this.placement = placement;
    this.job = new PageTrainingJob(
      { create: (config, label) => this.store.create(config, label) },
      (e) => this.relay(e),
      () => this.jobEnded(),
      (request) => this.post({ type: 'pageControl', request }),
    );
    this.post({ type: 'job', state: 'running', placement });
  }

  private relay(event: TrainEvent): void {
    this.log.push(event);
    if (event.type === 'started') this.remember({ runId: event.runId, started: event, placement: this.placement });
    if (event.type === 'samples' && this.memory) this.memory.samples = event;
    if (event.type === 'attention' && this.memory) this.memory.attention = event;
    this.post({ type: 'event', event });
    if (event.type === 'state') this.post({ type: 'job', state: this.jobState() });
  }

  private jobEnded(): void {
    // Latest samples are kept only at the end: one write per run, not one per second.
    if (this.memory) void this.context.workspaceState.update(LAST_RUN_KEY, this.memory);
    this.post({ type: 'job', state: 'idle' });
    this.post({ type: 'runs', runs: this.listRuns() });
  }

  private remember(memory: LastRunMemory): void {
    this.memory = memory;
    void this.context.workspaceState.update(LAST_RUN_KEY, memory);
  }

  async summary(input: string | undefined): Promise<void> {
    const text = input?.trim() || (await askForModel());
    if (!text) return;
    let summary: ModelSummary;
    try {
      summary = summaryOf(text);
    } catch (err) {
      void vscode.window.showErrorMessage(`GradLens: ${(err as Error).message}`);
      return;
    }
    this.output ??= vscode.window.createOutputChannel('GradLens Model Summary');
    this.output.appendLine(formatSummary(summary));
    this.output.appendLine('');
    // An open page gets it now; a page that is just opening says 'ready' first and gets it after its init.
    if (this.panel) {
      this.show();
      this.post({ type: 'summary', summary, source: 'command' });
    } else {
      this.pendingSummary = summary;
      this.show();
    }
  }

  dispose(): void {
    this.job?.dispose();
    this.panel?.dispose();
    this.output?.dispose();
  }
}

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

let session: TrainingSession | undefined;

function sessionFor(context: vscode.ExtensionContext): TrainingSession {
  if (!session) {
    const created = new TrainingSession(context);
    session = created;
    context.subscriptions.push(created, { dispose: () => { if (session === created) session = undefined; } });
  }
  return session;
}

/** Opens the training panel, or brings it to the front. */
export function showTrainingPanel(context: vscode.ExtensionContext): void {
  sessionFor(context).show();
}

/**
 * "GradLens: Show Model Summary": `input` is a model name (cnn, gan, attention, cnn:seed)
 * or course notation; without it, notation under the cursor or typed into a prompt.
 * The table appears in the training panel and, as text, in an output channel.
 */
export async function showModelSummary(context: vscode.ExtensionContext, input?: string): Promise<void> {
  await sessionFor(context).summary(input);
}

/**
 * "GradLens: Import a train.py Log…": `arg` is the log's Uri or path (a test, a
 * keybinding's args); without it, a file picker. Opens the panel, where the run is listed.
 * Returns the new run's id.
 */
export async function importTrainLogToPanel(context: vscode.ExtensionContext, arg?: unknown): Promise<string | undefined> {
  const session = sessionFor(context);
  const id = await session.importLog(logUriOf(arg));
  if (id) session.show();
  return id;
}

/** Restores the panel after a reload. Call once from activate and keep the disposable. */
export function registerTrainingPanel(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
      sessionFor(context).attach(panel);
    },
  });
}

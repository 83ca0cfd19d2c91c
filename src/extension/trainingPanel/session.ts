/**
 * The one training session of a window: its panel (if open), its job (if any, in the
 * host or in the page) and the event log a page is rebuilt from. What the page's
 * messages do is messages.ts; how a job runs is job.ts and its two kinds.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RunStore } from '../../training/runStore';
import type { ModelSummary } from '../../training/summary';
import type { AttentionEvent, SamplesEvent, StartedEvent, TrainConfig, TrainEvent } from '../../training/events';
import {
  type HostMessage,
  type JobState,
  type MeasuredSpeeds,
  type Placement,
  type RunListItem,
  TRAINING_PLACES,
  type TrainingPlace,
} from '../../trainingPanelProtocol';
import { panelChoices } from '../panelChoices';
import { PanelEventLog } from '../panelEventLog';
import { panelHtml } from '../panelHtml';
import { makeNonce } from '../webviewHtml';
import { eventsFromRun, runList } from '../panelRunHistory';
import { importTrainLog } from '../panelPyTorch';
import { HostTrainingJob } from './hostJob';
import type { PanelJob } from './job';
import { type PanelSession, receivePanelMessage } from './messages';
import { ModelSummaryCommand } from './modelSummary';
import { PageTrainingJob } from './pageJob';
import { withMeasuredSpeed } from './speeds';

export const TRAINING_VIEW_TYPE = 'gradlens.training';
const LAST_RUN_KEY = 'gradlens.training.lastRun';
const DATA_DIR_KEY = 'gradlens.training.dataDir';
const SPEEDS_KEY = 'gradlens.training.speeds';

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

const isEnding = (e: TrainEvent): boolean => e.type === 'done' || e.type === 'error' || e.type === 'log';

export class TrainingSession implements PanelSession, vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private current: PanelJob | undefined;
  /** What the current (or last) job was asked to train, and where it trains and why. */
  private jobConfig: TrainConfig | null = null;
  private placement: Placement | null = null;
  private readonly log = new PanelEventLog();
  private memory: LastRunMemory | undefined;
  private readonly summaries = new ModelSummaryCommand();
  /** A summary asked for by command before the page was ready to show it. */
  private pendingSummary: ModelSummary | undefined;
  /** What an import by command said before the panel was open to say it. */
  private pendingNotice: { level: 'info' | 'error'; message: string } | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.memory = context.workspaceState.get<LastRunMemory>(LAST_RUN_KEY);
    this.placement = this.memory?.placement ?? null;
  }

  get store(): RunStore {
    const base = this.context.storageUri ?? this.context.globalStorageUri;
    return new RunStore(join(base.fsPath, 'runs'));
  }

  private get webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  get job(): PanelJob | undefined {
    return this.current;
  }

  private get speeds(): MeasuredSpeeds {
    return this.context.workspaceState.get<MeasuredSpeeds>(SPEEDS_KEY) ?? {};
  }

  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      TRAINING_VIEW_TYPE,
      'GradLens Training',
      vscode.ViewColumn.Active,
      this.webviewOptions(),
    );
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
    this.job?.pageGone('the panel was reloaded');
    this.panel?.dispose();
    this.panel = panel;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'gradlens.png');
    const asset = (name: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, name)).toString();
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asset('panel.js'),
      workerUri: asset('trainWorker.js'),
      styleUris: [asset('panel.css')],
    });
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((raw) => receivePanelMessage(this, raw)),
      panel.onDidDispose(() => this.panelClosed(panel)),
    ];
  }

  private panelClosed(panel: vscode.WebviewPanel): void {
    if (this.panel !== panel) return;
    this.panel = undefined;
    this.panelDisposables.forEach((d) => d.dispose());
    this.panelDisposables = [];
    this.job?.pageGone('the panel was closed');
    if (this.job?.active) {
      void vscode.window
        .showInformationMessage(
          'GradLens: training goes on in the background. Reopen the panel to watch it.',
          'Open Panel',
          'Stop Training',
        )
        .then((choice) => {
          if (choice === 'Open Panel') this.show();
          if (choice === 'Stop Training') this.job?.send({ type: 'stop' });
        });
    }
  }

  post(message: HostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  notice(level: 'info' | 'error', message: string): void {
    this.post({ type: 'notice', level, message });
  }

  private jobState(): JobState {
    return this.job?.active ? this.job.state : 'idle';
  }

  activeIds(): Set<string> {
    return new Set(this.job?.active && this.job.runId ? [this.job.runId] : []);
  }

  listRuns(): RunListItem[] {
    try {
      return runList(this.store.list(this.activeIds()));
    } catch (err) {
      this.notice('error', `Could not read the run history: ${(err as Error).message}`);
      return [];
    }
  }

  greet(): void {
    // A page saying 'ready' is a fresh page: a job it was training went with the old one.
    this.job?.pageGone('the page was reloaded');
    this.post({
      type: 'init',
      choices: panelChoices(),
      runs: this.listRuns(),
      dataDir: this.context.workspaceState.get<string>(DATA_DIR_KEY) ?? null,
      job: this.jobState(),
      trainOn: trainOnSetting(),
      placement: this.placement,
      speeds: this.speeds,
    });
    this.post({ type: 'replay', events: this.replayEvents() });
    if (this.pendingSummary) this.post({ type: 'summary', summary: this.pendingSummary, source: 'command' });
    this.pendingSummary = undefined;
    if (this.pendingNotice) this.post({ type: 'notice', ...this.pendingNotice });
    this.pendingNotice = undefined;
  }

  async rememberDataDir(dir: string): Promise<void> {
    await this.context.workspaceState.update(DATA_DIR_KEY, dir);
  }

  openedEvents(runId: string, recorded: TrainEvent[]): TrainEvent[] {
    return this.memory?.runId === runId ? [this.memory.started, ...recorded] : recorded;
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
      return [memory.started, ...recorded.filter((e) => !isEnding(e)), ...extras, ...recorded.filter(isEnding)];
    } catch {
      return []; // the run was deleted; start clean
    }
  }

  /** Whether a new job may start; says why not on the page. */
  private canStart(): boolean {
    if (!this.job?.active) return true;
    this.notice('error', 'A training job is already running: stop it first.');
    return false;
  }

  private begin(config: TrainConfig, placement: Placement, job: (relay: (e: TrainEvent) => void, ended: () => void) => PanelJob): void {
    this.log.clear();
    this.memory = undefined;
    this.jobConfig = config;
    this.placement = placement;
    this.current = job(
      (e) => this.relay(e),
      () => this.jobEnded(),
    );
    this.post({ type: 'job', state: 'running', placement });
  }

  startInHost(config: TrainConfig, placement: Placement | null): void {
    if (!this.canStart()) return;
    const workerFile = join(this.context.extensionPath, 'dist', 'trainWorker.js');
    const where = placement ?? { where: 'host', label: 'fast CPU in the extension host', reason: 'the page did not say where to train' };
    this.begin(config, where, (relay, ended) => new HostTrainingJob(workerFile, config, this.store.root, relay, ended));
  }

  /** The page trains this job itself; the host keeps its record and relays its events. */
  startInPage(config: TrainConfig, placement: Placement): void {
    // The page checks before starting; a second job means the page and host disagree, so stop the newcomer.
    if (!this.canStart()) {
      this.post({ type: 'pageControl', request: 'stop' });
      return;
    }
    const store = this.store;
    this.begin(
      config,
      placement,
      (relay, ended) =>
        new PageTrainingJob({ create: (c, label) => store.create(c, label) }, relay, ended, (request) =>
          this.post({ type: 'pageControl', request }),
        ),
    );
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
    const speeds =
      this.jobConfig && this.placement ? withMeasuredSpeed(this.speeds, this.jobConfig, this.placement.where, this.log.replay()) : null;
    if (speeds) {
      void this.context.workspaceState.update(SPEEDS_KEY, speeds);
      this.post({ type: 'speeds', speeds });
    }
  }

  private remember(memory: LastRunMemory): void {
    this.memory = memory;
    void this.context.workspaceState.update(LAST_RUN_KEY, memory);
  }

  /** The summary command: its table in the output channel, and in the panel. */
  async summary(input: string | undefined): Promise<void> {
    const summary = await this.summaries.run(input);
    if (!summary) return;
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
    this.summaries.dispose();
  }
}

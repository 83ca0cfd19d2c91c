/**
 * What each message from the training panel's page does. The page is less trusted than
 * the host, so a message is checked (parseWebviewMessage) before anything happens, and
 * a malformed one is answered with a notice naming the fault. The session's state and
 * the jobs' lifecycle are the session's (session.ts); this file only acts on requests.
 */
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { modelSummary } from '../../training/models/catalog';
import type { RunStore } from '../../training/runStore';
import type { TrainConfig, TrainEvent } from '../../training/events';
import {
  type ExportFormat,
  type HostMessage,
  type Placement,
  ProtocolError,
  parseWebviewMessage,
  type RunListItem,
  type WebviewMessage,
} from '../../trainingPanelProtocol';
import { exportAsPyTorch } from '../panelPyTorch';
import { configOfRun, eventsFromRun, runLabel, runListItem } from '../panelRunHistory';
import type { PanelJob } from './job';

/** What the handler needs of the panel's session. */
export interface PanelSession {
  readonly store: RunStore;
  readonly job: PanelJob | undefined;
  post(message: HostMessage): void;
  notice(level: 'info' | 'error', message: string): void;
  /** Runs that a live job is still writing (the store reports them as running). */
  activeIds(): Set<string>;
  listRuns(): RunListItem[];
  /** A fresh page said 'ready': tell it everything it shows. */
  greet(): void;
  startInHost(config: TrainConfig, placement: Placement | null): void;
  startInPage(config: TrainConfig, placement: Placement): void;
  /** A past run's recorded events, led by its 'started' event where the session remembers it. */
  openedEvents(runId: string, recorded: TrainEvent[]): TrainEvent[];
  rememberDataDir(dir: string): Promise<void>;
  importLog(uri: undefined): Promise<string | undefined>;
}

/** Checks and handles one message; faults in it or in its handling become notices on the page. */
export function receivePanelMessage(session: PanelSession, raw: unknown): void {
  let message: WebviewMessage;
  try {
    message = parseWebviewMessage(raw);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    session.notice('error', `GradLens ignored a panel message: ${err.message}`);
    // A refused last event must still end the run, or the job would wait for it forever.
    const event = (raw as { type?: unknown; event?: { type?: unknown } } | null)?.event;
    if (
      (raw as { type?: unknown } | null)?.type === 'pageEvent' &&
      (event?.type === 'done' || event?.type === 'error') &&
      session.job?.active
    ) {
      try {
        session.job.receive({ type: 'error', message: `the page ended the run with an event GradLens could not read: ${err.message}` });
      } catch {
        // a job training in the host takes no events from the page: nothing of its to end
      }
    }
    return;
  }
  handle(session, message).catch((err: unknown) => session.notice('error', err instanceof Error ? err.message : String(err)));
}

/** The job a report from the page is about: only one training in the page accepts it, the others say why not. */
function reportedJob(session: PanelSession, what: string): PanelJob {
  if (!session.job) throw new Error(`the page sent ${what}, but no job trains in the page`);
  return session.job;
}

async function handle(session: PanelSession, message: WebviewMessage): Promise<void> {
  switch (message.type) {
    case 'ready':
      session.greet();
      break;
    case 'start':
      session.startInHost(message.config, message.placement ?? null);
      break;
    case 'pageStarted':
      session.startInPage(message.config, message.placement);
      break;
    case 'pageEvent':
      reportedJob(session, `a '${message.event.type}' event`).receive(message.event);
      break;
    case 'pageRecord':
      reportedJob(session, 'a run record').record(message.record);
      break;
    case 'pause':
    case 'resume':
    case 'stop':
      if (!session.job?.active) session.notice('error', `Nothing to ${message.type}: no training job is running.`);
      else session.job.send({ type: message.type });
      break;
    case 'pickDataDir': {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        openLabel: 'Use this folder',
        title: 'Folder with MNIST / Fashion-MNIST IDX files or CIFAR-10 binary batches',
      });
      const dir = picked?.[0]?.fsPath ?? null;
      if (dir) await session.rememberDataDir(dir);
      session.post({ type: 'dataDir', dir });
      break;
    }
    case 'requestSummary': {
      const { model, preset, dataset, causal } = message;
      try {
        session.post({ type: 'summary', summary: modelSummary({ model, preset, dataset, causal }), source: 'form' });
      } catch (err) {
        session.notice('error', `No summary for this choice: ${(err as Error).message}`);
      }
      break;
    }
    case 'overlayRun':
    case 'openRun': {
      const run = session.store.open(message.id, session.activeIds());
      const events = eventsFromRun(run);
      if (message.type === 'overlayRun') session.post({ type: 'overlay', run: { id: run.id, label: runLabel(runListItem(run)), events } });
      else session.post({ type: 'opened', id: run.id, events: session.openedEvents(run.id, events) });
      break;
    }
    case 'exportRun':
      await exportRun(session, message.id, message.format);
      break;
    case 'exportPyTorch': {
      const report = (level: 'info' | 'error', text: string) => session.notice(level, text);
      if ('run' in message.source) {
        const id = message.source.run;
        await exportAsPyTorch(configOfRun(session.store.open(id, session.activeIds())), `run ${id}`, report);
      } else {
        await exportAsPyTorch(message.source.config, `the configured ${message.source.config.model}`, report);
      }
      break;
    }
    case 'importTrainLog':
      await session.importLog(undefined);
      break;
    case 'refreshRuns':
      session.post({ type: 'runs', runs: session.listRuns() });
      break;
  }
}

async function exportRun(session: PanelSession, id: string, format: ExportFormat): Promise<void> {
  const text = format === 'csv' ? session.store.exportCsv(id) : session.store.exportJson(id);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, `${id}.${format}`) : undefined,
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    title: `Export run ${id}`,
  });
  if (!target) return;
  await writeFile(target.fsPath, text);
  session.notice('info', `Exported run ${id} to ${target.fsPath}`);
}

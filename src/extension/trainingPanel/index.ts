/**
 * The training panel's host: opens the webview (webview/panel, bundled to
 * dist/webview/panel.js), runs training jobs so VS Code never waits on them, relays
 * their events to the page, and answers the page's requests (start/pause/resume/stop,
 * summaries, run history, export as CSV, JSON or a PyTorch script, import of a train.py
 * log). The parts: session.ts (the panel and its one job at a time), messages.ts (what
 * each page message does), job.ts with hostJob.ts and pageJob.ts (a job in a worker
 * thread of the host, or in the page), modelSummary.ts (the summary command), speeds.ts
 * (how fast each place trained, for "Train on: auto").
 *
 * Surviving hide, close and reload:
 * - The job belongs to the session, not to the panel: hiding or closing the panel does
 *   not stop a job in the host. Its events go into a bounded PanelEventLog, and a page
 *   that (re)opens is rebuilt from that log. So a host job's page need not be kept alive
 *   in the background (retainContextWhenHidden); a hidden page is simply rebuilt.
 * - A job in the page lives as long as the page: the panel then keeps its page when
 *   hidden (retainContextWhenHidden, unless the setting says host), and closing or
 *   reloading it ends the job, recorded as failed with the reason.
 * - A VS Code reload ends the extension host and with it every job. The page is restored
 *   by a WebviewPanelSerializer, and its picture is rebuilt from the run store: the
 *   metrics appended as the run went, plus the run's 'started' event and latest samples
 *   kept in workspace state.
 *
 * Restoring after a reload: VS Code asks for the panel back by firing the activation
 * event "onWebviewPanel:gradlens.training", which wakes only extensions that declare it;
 * package.json declares it, so a panel left open comes back even in a window where no
 * TypeScript, JavaScript or Python file has been opened yet.
 *
 * Wiring (in activate): push registerTrainingPanel(context) into context.subscriptions,
 * and bind the commands to showTrainingPanel(context), showModelSummary(context, input?)
 * and importTrainLogToPanel(context, arg?) (panelCommands.ts does both).
 */
import * as vscode from 'vscode';
import { logUriOf } from '../panelPyTorch';
import { TRAINING_VIEW_TYPE, TrainingSession } from './session';

export { TRAINING_VIEW_TYPE };

let session: TrainingSession | undefined;

function sessionFor(context: vscode.ExtensionContext): TrainingSession {
  if (!session) {
    const created = new TrainingSession(context);
    session = created;
    context.subscriptions.push(created, {
      dispose: () => {
        if (session === created) session = undefined;
      },
    });
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

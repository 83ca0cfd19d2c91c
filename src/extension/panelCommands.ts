import * as vscode from 'vscode';
import { COMMANDS } from './lensSpecs';
import { importTrainLogToPanel, registerTrainingPanel, showModelSummary, showTrainingPanel } from './trainingPanel';

/** Not a lens, so not in lensSpecs' COMMANDS; package.json names it too. */
export const IMPORT_TRAIN_LOG = 'gradlens.importTrainLog';

/** The training side's commands; what they open lives in trainingPanel/. */
export function registerPanelCommands(context: vscode.ExtensionContext): vscode.Disposable[] {
  return [
    registerTrainingPanel(context),
    vscode.commands.registerCommand(COMMANDS.openTrainingPanel, () => showTrainingPanel(context)),
    // A lens or a test may pass the model or notation; from the palette there is no argument.
    vscode.commands.registerCommand(COMMANDS.showModelSummary, (input?: unknown) =>
      showModelSummary(context, typeof input === 'string' ? input : undefined),
    ),
    vscode.commands.registerCommand(IMPORT_TRAIN_LOG, (log?: unknown) => importTrainLogToPanel(context, log)),
  ];
}

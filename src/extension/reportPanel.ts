import * as vscode from 'vscode';
import type { ReportHostMessage, ReportSelection, ReportWebviewMessage } from '../reportProtocol';
import { checkReportMessage, type KnownResults } from './reportMessages';
import type { ResultStore } from './results';
import { contentSecurityPolicy, makeNonce } from './webviewHtml';

type Rendered = Extract<ReportWebviewMessage, { type: 'rendered' }>;

/**
 * Hosts the gradient report webview (webview/report/, bundled to dist/webview/report.js).
 * One panel, reused; it follows the result store while open.
 */
export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private selection: ReportSelection | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** What the page last said it drew (tests read this through the extension's API). */
  lastRendered: Rendered | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<Rendered>();
  readonly onDidRender = this.renderedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: ResultStore,
    private readonly rerun: (file: string, layer: string, mode: 'full' | 'fast') => void,
    /** "Go to layer": `line` is 0-based, within the layer's cell for a notebook. */
    private readonly reveal: (file: string, line: number, layer?: string) => void,
    /** Where refused page messages are reported (the output channel). */
    private readonly log: (line: string) => void,
  ) {
    this.disposables.push(store.onDidChange(() => this.post()));
  }

  get visible(): boolean {
    return this.panel !== undefined;
  }

  show(selection?: ReportSelection): void {
    if (selection) this.selection = selection;
    if (this.panel) {
      this.panel.reveal(undefined, true);
      this.post();
      return;
    }
    const webviewRoot = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel('gradlens.report', 'Gradient Report', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [webviewRoot],
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'gradlens.png');
    panel.webview.html = this.html(panel.webview, webviewRoot);
    panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw), undefined, this.disposables);
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
    }, undefined, this.disposables);
    this.panel = panel;
  }

  private receive(raw: unknown): void {
    const checked = checkReportMessage(raw, this.known);
    if (!checked.ok) {
      this.log(`Gradient report: ignored a message from the page (${checked.reason}).`);
      return;
    }
    const message = checked.message;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post();
        break;
      case 'rerun':
        this.selection = { file: message.file, layer: message.layer };
        this.rerun(message.file, message.layer, message.mode);
        break;
      case 'reveal':
        this.reveal(message.file, message.line, this.selection?.file === message.file ? this.selection.layer : undefined);
        break;
      case 'rendered':
        this.selection = message.selection;
        this.lastRendered = message;
        this.renderedEmitter.fire(message);
        break;
    }
  }

  private readonly known: KnownResults = {
    hasFile: (file) => this.store.get(file) !== undefined,
    hasLayer: (file, layer) => this.store.report(file, layer) !== undefined,
  };

  private post(): void {
    if (!this.panel || !this.ready) return;
    const message: ReportHostMessage = {
      type: 'show',
      reports: this.store.all(),
      selected: this.selection,
      running: this.store.isRunning(),
    };
    void this.panel.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, root: vscode.Uri): string {
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'report.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'report.css'));
    const csp = contentSecurityPolicy(webview.cspSource, nonce);
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Gradient Report</title>
</head>
<body>
<main id="root"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    this.renderedEmitter.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

import * as vscode from 'vscode';
import type { ReportHostMessage, ReportRendered, ReportSelection } from '../reportProtocol';
import { type ReportHost, receiveReportMessage } from './reportMessages';
import type { ResultStore } from './results';
import { makeNonce, webviewPage } from './webviewHtml';

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
  lastRendered: ReportRendered | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<ReportRendered>();
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
    const panel = vscode.window.createWebviewPanel(
      'gradlens.report',
      'Gradient Report',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        localResourceRoots: [webviewRoot],
        retainContextWhenHidden: true,
      },
    );
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'gradlens.png');
    panel.webview.html = this.html(panel.webview, webviewRoot);
    panel.webview.onDidReceiveMessage((raw: unknown) => receiveReportMessage(raw, this.host), undefined, this.disposables);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        this.ready = false;
      },
      undefined,
      this.disposables,
    );
    this.panel = panel;
  }

  /** Every page message passes through receiveReportMessage's shape and permission checks first. */
  private readonly host: ReportHost = {
    // Asked of the reports themselves, the paths the page was shown, not of the store's keys.
    hasFile: (file) => this.store.all().some((r) => r.file === file),
    hasLayer: (file, layer) => this.store.all().some((r) => r.file === file && r.name === layer),
    ready: () => {
      this.ready = true;
      this.post();
    },
    rerun: (file, layer, mode) => {
      this.selection = { file, layer };
      this.rerun(file, layer, mode);
    },
    reveal: (file, line) => this.reveal(file, line, this.selection?.file === file ? this.selection.layer : undefined),
    rendered: (message) => {
      this.selection = message.selection;
      this.lastRendered = message;
      this.renderedEmitter.fire(message);
    },
    refused: (reason) => this.log(`Gradient report: ignored a message from the page (${reason}).`),
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
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
    return webviewPage({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      title: 'Gradient Report',
      scriptUri: asset('report.js'),
      styleUris: [asset('report.css')],
      body: '<main id="root"></main>',
    });
  }

  dispose(): void {
    this.panel?.dispose();
    this.renderedEmitter.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

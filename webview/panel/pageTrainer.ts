/**
 * The page's side of in-page training: starts the training worker (dist/webview/
 * trainWorker.js), asks it for its GPU probe, and passes a run's events and record to
 * the host, which relays the events back like those of its own worker; so the page's
 * state and charts see one stream whichever side trains, and the host keeps the run.
 *
 * VS Code serves the extension's files from another origin than the page's, and workers
 * must be same-origin: the bundle is fetched and started from a blob: URL (the panel's
 * policy allows exactly that; see panelHtml.ts).
 */
import type { PageControl, Placement, WebviewMessage } from '../../src/trainingPanelProtocol';
import type { TrainConfig } from '../../src/training/events';
import type { FromWorker, GpuProbe, ToWorker } from './pageWorkerProtocol';

/** How long the worker may take to load and probe before the page gives up on it. */
const PROBE_TIMEOUT_MS = 30_000;

export class PageTrainer {
  private worker: Promise<Worker> | null = null;
  private probing: Promise<GpuProbe> | null = null;
  private running = false;
  private probeWaiters: { resolve(p: GpuProbe): void; reject(e: Error): void }[] = [];

  constructor(
    private readonly workerUri: string | null,
    private readonly toHost: (m: WebviewMessage) => void,
  ) {}

  /** Whether this page can train at all (it was given a worker to run). */
  get available(): boolean {
    return this.workerUri !== null && typeof Worker === 'function';
  }

  get busy(): boolean {
    return this.running;
  }

  private async spawn(): Promise<Worker> {
    if (!this.workerUri) throw new Error('the panel was opened without an in-page trainer');
    if (typeof Worker !== 'function') throw new Error('this page has no Web Workers');
    const response = await fetch(this.workerUri);
    if (!response.ok) throw new Error(`could not load the training worker (${response.status} ${response.statusText})`);
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/javascript' }));
    const worker = new Worker(url);
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.fromWorker(e.data);
    worker.onerror = (e) => this.workerFailed(e.message || 'the training worker failed to start');
    return worker;
  }

  private send(m: ToWorker): void {
    void this.worker?.then((w) => w.postMessage(m));
  }

  /** The worker's GPU probe (asked once; later calls get the same answer). */
  probe(): Promise<GpuProbe> {
    this.probing ??= new Promise<GpuProbe>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the training worker did not answer within ${PROBE_TIMEOUT_MS / 1000} s`)),
        PROBE_TIMEOUT_MS,
      );
      this.probeWaiters.push({
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.worker ??= this.spawn();
      this.worker.then(
        (w) => w.postMessage({ type: 'probe' } satisfies ToWorker),
        (err: Error) => this.workerFailed(err.message),
      );
    });
    return this.probing;
  }

  /** Tells the host the page trains this job, then starts it in the worker. */
  start(config: TrainConfig, placement: Placement): void {
    if (this.running) throw new Error('a run is already training in this page');
    this.running = true;
    this.toHost({ type: 'pageStarted', config, placement });
    this.send({ type: 'start', config });
  }

  control(request: PageControl): void {
    if (this.running) this.send({ type: 'control', request });
  }

  private fromWorker(m: FromWorker): void {
    switch (m.type) {
      case 'probed':
        this.probeWaiters.splice(0).forEach((w) => w.resolve(m.probe));
        break;
      case 'event':
        if (this.running) this.toHost({ type: 'pageEvent', event: m.event });
        break;
      case 'record':
        if (this.running) this.toHost({ type: 'pageRecord', record: m.record });
        break;
      case 'finished':
        this.running = false;
        break;
      case 'failed':
        this.workerFailed(m.message);
        break;
    }
  }

  /** A failure outside the loop: pending probes fail, and a run in progress ends with an error. */
  private workerFailed(message: string): void {
    this.probeWaiters.splice(0).forEach((w) => w.reject(new Error(message)));
    if (this.running) {
      this.running = false;
      this.toHost({ type: 'pageEvent', event: { type: 'error', message: `in-page training failed: ${message}` } });
    }
  }
}

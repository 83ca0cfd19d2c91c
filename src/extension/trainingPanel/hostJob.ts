/**
 * A job that trains in a worker thread of the extension host (dist/trainWorker.js, on
 * the fast CPU backend), so VS Code never waits on it. It outlives the panel's page: a
 * closed or reloaded page is rebuilt from the session's event log.
 */
import { Worker } from 'node:worker_threads';
import type { PageControl } from '../../trainingPanelProtocol';
import type { TrainConfig, TrainEvent, WorkerRequest } from '../../training/events';
import { JobLifecycle, type PanelJob } from './job';

const NOT_IN_PAGE = 'the page reported on a run of its own, but the current job trains in the extension host';

export class HostTrainingJob extends JobLifecycle implements PanelJob {
  private readonly worker: Worker;

  constructor(workerFile: string, config: TrainConfig, runsDir: string, onEvent: (e: TrainEvent) => void, onEnd: () => void) {
    super(onEvent, onEnd);
    this.worker = new Worker(workerFile);
    this.worker.on('message', (e: TrainEvent) => this.deliver(e));
    this.worker.on('error', (err) => this.end({ type: 'error', message: `the training worker failed: ${err.message}` }));
    // After 'done' the job has ended and this is ignored; before it, the worker died.
    this.worker.on('exit', (code) => this.end({ type: 'error', message: `the training worker stopped unexpectedly (exit code ${code})` }));
    this.post({ type: 'start', config, runsDir });
  }

  private post(request: WorkerRequest): void {
    if (this.active) this.worker.postMessage(request);
  }

  send(request: { type: PageControl }): void {
    this.post(request);
  }

  receive(): void {
    throw new Error(NOT_IN_PAGE);
  }

  record(): void {
    throw new Error(NOT_IN_PAGE);
  }

  pageGone(): void {
    // The worker keeps training; the page is rebuilt from the log when it comes back.
  }

  dispose(): void {
    this.end(null);
  }

  protected release(): void {
    void this.worker.terminate();
  }
}

/**
 * A training job as the panel's host sees it, wherever it trains: a worker thread of
 * the extension host (HostTrainingJob) or the panel's page (PageTrainingJob). The session
 * talks to either through PanelJob alone; both run the one lifecycle below, so a job's
 * events reach the log and the page in order until its 'done' or 'error', which ends it
 * exactly once. No vscode import: tested in plain Node.
 */
import type { JobState, PageControl, PageRecordOp } from '../../trainingPanelProtocol';
import type { TrainEvent } from '../../training/events';

export interface PanelJob {
  readonly state: JobState;
  readonly runId: string | null;
  readonly active: boolean;
  /** Pause, resume or stop; the run obeys at its next step boundary. */
  send(request: { type: PageControl }): void;
  /** An event the page reports; only a job training in the page accepts one. */
  receive(event: TrainEvent): void;
  /** An operation on the run record the page keeps through the host; likewise. */
  record(op: PageRecordOp): void;
  /** The page went away (closed or reloaded): a job training in it ends, one in the host goes on. */
  pageGone(why: string): void;
  /** The extension is shutting down. */
  dispose(): void;
}

export abstract class JobLifecycle {
  state: JobState = 'running';
  runId: string | null = null;
  private ended = false;

  constructor(
    private readonly onEvent: (e: TrainEvent) => void,
    private readonly onEnd: () => void,
  ) {}

  get active(): boolean {
    return !this.ended;
  }

  /** One event of the run: 'started' names the run, 'state' moves the job, 'done' or 'error' ends it. */
  protected deliver(e: TrainEvent): void {
    if (this.ended) return;
    if (e.type === 'started') this.runId = e.runId;
    if (e.type === 'state') this.state = e.state;
    if (e.type === 'done' || e.type === 'error') {
      this.end(e);
      return;
    }
    this.onEvent(e);
  }

  /**
   * Ends the job once: what it holds is released, and `last` is relayed as its final
   * event. Without one (the extension is shutting down) nobody is told: there is no one left.
   */
  protected end(last: TrainEvent | null): void {
    if (this.ended) return;
    this.ended = true;
    this.state = 'idle';
    this.release();
    if (last) {
      this.onEvent(last);
      this.onEnd();
    }
  }

  /** Frees what the job holds (a worker thread); called once, when it ends. */
  protected abstract release(): void;
}

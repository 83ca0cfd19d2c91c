/**
 * A training job that runs in the panel's page (gpu.js in a Web Worker there), as the
 * host sees it. The page sends the loop's events and its run record over the webview
 * bridge; this keeps the record in the run store, so a run trained in the page is kept
 * like one trained in the host, and passes the events on to the same log and relay.
 *
 * The page names its record with a token of its own (the loop needs a run id at once,
 * before the host could answer); this swaps the token for the run store's id in every
 * event, so the page, the log and the run history all see the real id.
 *
 * Free of the vscode module, so it is tested in plain Node.
 */
import type { PageControl, PageRecordOp } from '../../trainingPanelProtocol';
import type { TrainEvent } from '../../training/events';
import type { RunRecorder } from '../../training/loop';
import { JobLifecycle, type PanelJob } from './job';

/** What the job needs of a run store: RunStore.create. */
export interface RecordStore {
  create(config: Record<string, unknown>, label: string): RunRecorder;
}

export class PageTrainingJob extends JobLifecycle implements PanelJob {
  private token: string | null = null;
  private writer: RunRecorder | null = null;
  private finished = false;

  constructor(
    private readonly store: RecordStore,
    onEvent: (e: TrainEvent) => void,
    onEnd: () => void,
    /** Passes a control on to the page. */
    private readonly control: (request: PageControl) => void,
  ) {
    super(onEvent, onEnd);
  }

  /** One event from the page, in the order the loop emitted it. */
  receive(event: TrainEvent): void {
    this.deliver(this.withRunId(event));
  }

  /** One operation on the run record; a record this job did not open is refused. */
  record(op: PageRecordOp): void {
    if (op.op === 'create') {
      if (this.writer) throw new Error('the page opened a second run record for one job');
      this.token = op.token;
      this.writer = this.store.create(op.config, op.label);
      return;
    }
    if (!this.writer || op.token !== this.token) throw new Error(`the page wrote to run record '${op.token}', which this job did not open`);
    switch (op.op) {
      case 'append':
        this.writer.append(op.row);
        return;
      case 'weights':
        this.writer.saveWeights(op.entries);
        return;
      case 'finish':
        this.finished = true;
        this.writer.finish(op.status, op.metrics, op.error);
        return;
    }
  }

  send(request: { type: PageControl }): void {
    if (this.active) this.control(request.type);
  }

  /**
   * The page went away mid-run (the panel was closed, VS Code reloaded it): the job
   * ends with it. Its record is closed as failed, saying why, and the panel is told.
   */
  pageGone(why: string): void {
    if (!this.active) return;
    const message = `training in the panel's page ended: ${why}`;
    if (this.writer && !this.finished) this.writer.finish('failed', {}, message);
    this.finished = true;
    this.end({ type: 'error', message });
  }

  dispose(): void {
    this.pageGone('the extension was shut down');
  }

  protected release(): void {
    // Nothing is held here: the page's worker belongs to the page.
  }

  private withRunId(e: TrainEvent): TrainEvent {
    const id = this.writer?.id ?? null;
    if ((e.type === 'started' || e.type === 'done') && this.token !== null && e.runId === this.token) return { ...e, runId: id };
    return e;
  }
}

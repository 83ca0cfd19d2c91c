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
import type { PageControl, PageRecordOp } from '../protocol';
import type { JobState } from '../protocol';
import type { TrainEvent } from '../training/events';
import type { RunResult, WeightEntry } from '../training/runStore';

/** What the job needs of a run store: RunStore.create. */
export interface RecordStore {
  create(config: Record<string, unknown>, label: string): {
    readonly id: string;
    append(row: Record<string, unknown>): void;
    saveWeights(entries: WeightEntry[]): void;
    finish(status: RunResult['status'], metrics: Record<string, unknown>, error?: string): void;
  };
}

type Writer = ReturnType<RecordStore['create']>;

export class PageTrainingJob {
  state: JobState = 'running';
  runId: string | null = null;
  private ended = false;
  private token: string | null = null;
  private writer: Writer | null = null;
  private finished = false;

  constructor(
    private readonly store: RecordStore,
    private readonly onEvent: (e: TrainEvent) => void,
    private readonly onEnd: () => void,
    /** Passes a control on to the page. */
    private readonly control: (request: PageControl) => void,
  ) {}

  get active(): boolean {
    return !this.ended;
  }

  /** One event from the page, in the order the loop emitted it. */
  receive(event: TrainEvent): void {
    if (this.ended) return;
    const e = this.withRunId(event);
    if (e.type === 'started') this.runId = e.runId;
    if (e.type === 'state') this.state = e.state;
    if (e.type === 'done' || e.type === 'error') {
      this.finish(e);
      return;
    }
    this.onEvent(e);
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
    if (!this.ended) this.control(request.type);
  }

  /**
   * The page went away mid-run (the panel was closed, VS Code reloaded it): the job
   * ends with it. Its record is closed as failed, saying why, and the panel is told.
   */
  abandon(why: string): void {
    if (this.ended) return;
    const message = `training in the panel's page ended: ${why}`;
    if (this.writer && !this.finished) this.writer.finish('failed', {}, message);
    this.finished = true;
    this.finish({ type: 'error', message });
  }

  dispose(): void {
    this.abandon('the extension was shut down');
  }

  private withRunId(e: TrainEvent): TrainEvent {
    const id = this.writer?.id ?? null;
    if ((e.type === 'started' || e.type === 'done') && this.token !== null && e.runId === this.token) return { ...e, runId: id };
    return e;
  }

  private finish(last: TrainEvent): void {
    if (this.ended) return;
    this.ended = true;
    this.state = 'idle';
    this.onEvent(last);
    this.onEnd();
  }
}

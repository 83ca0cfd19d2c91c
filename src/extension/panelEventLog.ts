/**
 * The host's memory of the current training job, so the panel can be closed, hidden or
 * reloaded and come back to the same picture: the page is rebuilt from replay().
 *
 * Bounded, because a run may last hours: step events are kept in full up to a limit and
 * then thinned (every other old one dropped, the newest kept), while samples and
 * attention maps, which are large and only shown as "latest", keep just the newest one.
 * No vscode import: tested in plain Node.
 */
import type { TrainEvent } from '../training/events';

interface Entry {
  seq: number;
  event: TrainEvent;
}

export interface EventLogLimits {
  maxSteps: number;
  maxLogs: number;
}

export class PanelEventLog {
  private seq = 0;
  private started: Entry | null = null;
  private steps: Entry[] = [];
  private epochs: Entry[] = [];
  private latest = new Map<'samples' | 'attention' | 'state', Entry>();
  private logs: Entry[] = [];
  private end: Entry | null = null;
  private readonly limits: EventLogLimits;

  constructor(limits: Partial<EventLogLimits> = {}) {
    this.limits = { maxSteps: 4000, maxLogs: 50, ...limits };
    if (this.limits.maxSteps < 2) throw new RangeError(`PanelEventLog: maxSteps must be at least 2, got ${this.limits.maxSteps}`);
  }

  /** Forget everything: a new job is starting. */
  clear(): void {
    this.started = null;
    this.steps = [];
    this.epochs = [];
    this.latest.clear();
    this.logs = [];
    this.end = null;
  }

  push(event: TrainEvent): void {
    const entry = { seq: this.seq++, event };
    switch (event.type) {
      case 'started': {
        // Logs that came before 'started' (e.g. the backend note) belong to this run.
        const logs = this.logs;
        this.clear();
        this.logs = logs;
        this.started = entry;
        break;
      }
      case 'step':
        this.steps.push(entry);
        if (this.steps.length > this.limits.maxSteps) this.thinSteps();
        break;
      case 'epoch':
        this.epochs.push(entry);
        break;
      case 'samples':
      case 'attention':
      case 'state':
        this.latest.set(event.type, entry);
        break;
      case 'log':
        this.logs.push(entry);
        if (this.logs.length > this.limits.maxLogs) this.logs.shift();
        break;
      case 'done':
      case 'error':
        this.end = entry;
        break;
    }
  }

  /** Halve the older half's density; the newest quarter stays complete so the live edge is exact. */
  private thinSteps(): void {
    const keepWhole = Math.floor(this.steps.length / 4);
    const older = this.steps.slice(0, this.steps.length - keepWhole);
    const thinned = older.filter((_, i) => i % 2 === 0 || i === older.length - 1);
    this.steps = [...thinned, ...this.steps.slice(this.steps.length - keepWhole)];
  }

  /** What to send a page that (re)opens: the job's events, compacted, in their original order. */
  replay(): TrainEvent[] {
    const entries: Entry[] = [
      ...(this.started ? [this.started] : []),
      ...this.steps,
      ...this.epochs,
      ...this.latest.values(),
      ...this.logs,
      ...(this.end ? [this.end] : []),
    ];
    return entries.sort((a, b) => a.seq - b.seq).map((e) => e.event);
  }

  get stepCount(): number {
    return this.steps.length;
  }

  get isEmpty(): boolean {
    return this.seq === 0 || (!this.started && !this.end && this.logs.length === 0);
  }
}

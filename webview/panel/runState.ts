/**
 * Everything the panel shows about one run, folded from the trainer's events. The same
 * fold serves live events, the replay after the page was hidden or reloaded, and past
 * runs reopened from the run store, so all three look the same. No DOM here: tested in Node.
 */
import type {
  AttentionEvent,
  DatasetDescription,
  DoneEvent,
  EpochEvent,
  ResolvedConfig,
  SamplesPayload,
  TrainEvent,
} from '../../src/training/events';
import type { ModelSummary } from '../../src/training/summary';

/** 'interrupted': the run's record ends without an outcome (VS Code was closed or reloaded mid-run). */
export type RunStatus = 'idle' | 'running' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'error' | 'interrupted';

export interface RunView {
  runId: string | null;
  config: ResolvedConfig | null;
  backend: { name: string; description: string } | null;
  dataset: DatasetDescription | null;
  summary: ModelSummary | null;
  status: RunStatus;
  totalSteps: number;
  stepsPerEpoch: number;
  step: number;
  epoch: number;
  elapsedMs: number;
  etaMs: number | null;
  /** One entry per step event received. */
  steps: number[];
  loss: number[];
  throughput: number[];
  /** Per-step model metrics (accuracy, lossG, dReal, dFake...), aligned with `steps`; null where a step lacked one. */
  metrics: Record<string, (number | null)[]>;
  epochs: EpochEvent[];
  /** Latest samples of each kind (a GAN run has only 'gan'). */
  samples: SamplesPayload | null;
  attention: AttentionEvent | null;
  done: DoneEvent | null;
  error: string | null;
  logs: string[];
}

export function emptyRun(): RunView {
  return {
    runId: null,
    config: null,
    backend: null,
    dataset: null,
    summary: null,
    status: 'idle',
    totalSteps: 0,
    stepsPerEpoch: 0,
    step: 0,
    epoch: 0,
    elapsedMs: 0,
    etaMs: null,
    steps: [],
    loss: [],
    throughput: [],
    metrics: {},
    epochs: [],
    samples: null,
    attention: null,
    done: null,
    error: null,
    logs: [],
  };
}

const MAX_LOGS = 50;

/** Folds one event into the view (in place, for speed on long runs) and returns it. */
export function applyEvent(view: RunView, event: TrainEvent): RunView {
  switch (event.type) {
    case 'started': {
      Object.assign(view, emptyRun(), {
        runId: event.runId,
        config: event.config,
        backend: event.backend,
        dataset: event.dataset,
        summary: event.summary,
        status: 'running',
        totalSteps: event.totalSteps,
        stepsPerEpoch: event.stepsPerEpoch,
        logs: view.logs,
      });
      break;
    }
    case 'step': {
      // A replay may overlap what the page already holds; steps only move forward.
      const last = view.steps[view.steps.length - 1];
      if (last !== undefined && event.step <= last) break;
      const n = view.steps.length;
      view.steps.push(event.step);
      view.loss.push(event.loss);
      view.throughput.push(event.throughput);
      for (const k of Object.keys(event.metrics)) {
        if (!view.metrics[k]) view.metrics[k] = new Array(n).fill(null);
      }
      for (const [k, col] of Object.entries(view.metrics)) col.push(event.metrics[k] ?? null);
      const { step, totalSteps, epoch, elapsedMs, etaMs } = event;
      Object.assign(view, { step, totalSteps, epoch, elapsedMs, etaMs });
      if (view.status === 'idle') view.status = 'running';
      break;
    }
    case 'epoch': {
      if (view.epochs.some((e) => e.epoch === event.epoch)) break;
      view.epochs.push(event);
      break;
    }
    // The latest of each of these replaces the one before.
    case 'samples':
      view.samples = event.samples;
      break;
    case 'attention':
      view.attention = event;
      break;
    case 'state':
      view.status = event.state;
      break;
    case 'done': {
      const { step, epoch, elapsedMs } = event;
      Object.assign(view, { done: event, status: event.reason, step, epoch, elapsedMs, etaMs: 0 });
      if (event.runId) view.runId = event.runId;
      break;
    }
    case 'error':
      Object.assign(view, { error: event.message, status: 'error' });
      break;
    case 'log':
      view.logs.push(event.message);
      if (view.logs.length > MAX_LOGS) view.logs.splice(0, view.logs.length - MAX_LOGS);
      break;
  }
  return view;
}

export function foldEvents(events: Iterable<TrainEvent>, view: RunView = emptyRun()): RunView {
  for (const e of events) applyEvent(view, e);
  return view;
}

export function isActive(status: RunStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'stopping';
}

/**
 * A record replayed while no job runs cannot still be running: if it has no outcome it
 * was cut short. (Live events never pass through here.)
 */
export function settleRecorded(view: RunView): RunView {
  if (isActive(view.status) || (view.status === 'idle' && view.steps.length > 0)) view.status = 'interrupted';
  return view;
}

/** An epoch-level metric as (step, value) points, e.g. valAccuracy at each epoch's end. */
export function epochSeries(view: RunView, key: string): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const e of view.epochs) {
    const v = e.metrics[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      x.push(e.step);
      y.push(v);
    }
  }
  return { x, y };
}

/** Fraction done in [0, 1]. */
export function progressOf(view: RunView): number {
  if (view.totalSteps <= 0) return 0;
  return Math.min(1, view.step / view.totalSteps);
}

/**
 * Past runs for the panel: the run store's records turned into history rows and back
 * into trainer events, so a reopened or overlaid run is drawn by the same code as a live
 * one. Plain functions over runStore types: tested in Node.
 */
import type { DoneEvent, EpochEvent, StepEvent, TrainEvent } from '../training/events';
import type { MetricRow, RunData, RunSummary } from '../training/runStore';
import type { RunListItem } from '../trainingPanelProtocol';
import { parseTrainConfig } from '../trainingPanelProtocol';
import type { TrainConfig } from '../training/events';

const STEP_FIELDS = new Set(['type', 'step', 'totalSteps', 'epoch', 'loss', 'throughput', 'elapsedMs', 'etaMs']);
const EPOCH_FIELDS = new Set(['type', 'epoch', 'step', 'durationMs']);
const DONE_FIELDS = new Set(['type', 'reason', 'step', 'elapsedMs', 'epoch']);

/** The figure a history row shows, in order of preference. */
const HEADLINES = ['testAccuracy', 'sequenceAccuracy', 'valAccuracy', 'modesCovered', 'loss'];

function numbersExcept(row: MetricRow, skip: Set<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row)) if (!skip.has(k) && typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

const n = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

export function runListItem(run: RunSummary): RunListItem {
  const item: RunListItem = {
    id: run.id,
    createdAt: run.createdAt,
    status: run.status,
    model: String(run.config.model ?? '?'),
    preset: String(run.config.preset ?? ''),
    dataset: String(run.config.dataset ?? ''),
  };
  if (typeof run.config.label === 'string' && run.config.label) item.label = run.config.label;
  const metrics = run.result?.metrics ?? {};
  for (const name of HEADLINES) {
    const v = metrics[name];
    if (typeof v === 'number' && Number.isFinite(v)) {
      item.headline = { name, value: v };
      break;
    }
  }
  return item;
}

/** Newest first, as a history list reads. */
export function runList(runs: RunSummary[]): RunListItem[] {
  return runs.map(runListItem).reverse();
}

/**
 * The recorded rows as step / epoch / done events. Rows of other kinds or without a
 * step number are skipped: the file may come from an older or newer GradLens.
 */
export function eventsFromRows(rows: MetricRow[], runId: string | null): TrainEvent[] {
  const events: TrainEvent[] = [];
  for (const row of rows) {
    if (typeof row.step !== 'number') continue;
    if (row.type === 'step' && typeof row.loss === 'number') {
      const ev: StepEvent = {
        type: 'step',
        step: row.step,
        totalSteps: n(row.totalSteps, row.step),
        epoch: n(row.epoch),
        loss: row.loss,
        metrics: numbersExcept(row, STEP_FIELDS),
        throughput: n(row.throughput),
        elapsedMs: n(row.elapsedMs),
        etaMs: n(row.etaMs),
      };
      events.push(ev);
    } else if (row.type === 'epoch') {
      const ev: EpochEvent = {
        type: 'epoch',
        epoch: n(row.epoch),
        step: row.step,
        durationMs: n(row.durationMs),
        metrics: numbersExcept(row, EPOCH_FIELDS),
      };
      events.push(ev);
    } else if (row.type === 'done' && (row.reason === 'completed' || row.reason === 'stopped')) {
      const ev: DoneEvent = {
        type: 'done',
        reason: row.reason,
        step: row.step,
        epoch: n(row.epoch),
        elapsedMs: n(row.elapsedMs),
        metrics: numbersExcept(row, DONE_FIELDS),
        runId,
      };
      events.push(ev);
    }
  }
  return events;
}

/** A run's events for display; an interrupted run (no 'done' row) ends with a log line saying so. */
export function eventsFromRun(run: RunData): TrainEvent[] {
  const events = eventsFromRows(run.metrics, run.id);
  if (run.status === 'interrupted' && run.config.source === 'train.py') {
    events.push({ type: 'log', message: `run ${run.id} was imported from a log that ends before its done line; showing what it recorded` });
  } else if (run.status === 'interrupted') {
    events.push({
      type: 'log',
      message: `run ${run.id} was interrupted (VS Code closed or the trainer crashed); showing what it recorded`,
    });
  } else if (run.status === 'failed' && run.result?.error) {
    events.push({ type: 'error', message: run.result.error });
  }
  return events;
}

/** "cnn small · synthetic · 2026-11-27 04:10", or an imported run's own label. */
export function runLabel(item: RunListItem): string {
  if (item.label) return item.label;
  const when = item.createdAt.replace('T', ' ').slice(0, 16);
  return `${item.model}${item.preset ? ` ${item.preset}` : ''} · ${item.dataset} · ${when}`;
}

/** The settings that choose a model and its training, as a stored run's config spells them. */
const EXPORTED_SETTINGS = [
  'model',
  'preset',
  'dataset',
  'dataDir',
  'epochs',
  'steps',
  'batchSize',
  'lr',
  'weightDecay',
  'seed',
  'trainLimit',
  'testLimit',
  'ganLoss',
  'causal',
];

/**
 * A past run's config as a TrainConfig, to export it again: the run store keeps the
 * resolved config (every default filled in, nulls for "none") plus bookkeeping fields.
 * A run imported from a train.py log has no GradLens config of its own.
 */
export function configOfRun(run: RunSummary): TrainConfig {
  if (run.config.source === 'train.py') {
    throw new Error(`run ${run.id} was imported from a train.py log: export the run or model it came from instead`);
  }
  const picked: Record<string, unknown> = {};
  for (const key of EXPORTED_SETTINGS) {
    const v = run.config[key];
    if (v !== null && v !== undefined) picked[key] = v;
  }
  return parseTrainConfig(picked, `run ${run.id} config`);
}

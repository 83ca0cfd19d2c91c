/**
 * The messages between the extension host and the training panel's page. Trainer
 * events cross unchanged (they are already plain JSON, see training/events.ts); this
 * file adds what only the panel needs: its choices, run history, summaries, controls.
 *
 * The page is a separate, less trusted context, so the host checks every message from it
 * with parseWebviewMessage before acting; a malformed one is answered with an error that
 * names the field, never acted on.
 */
import { MODEL_KINDS } from './training/events';
import type { GanLoss, ModelKind, TrainConfig, TrainEvent } from './training/events';
import type { ModelSummary } from './training/summary';
import type { RunStatus } from './training/runStore';

// ---------------------------------------------------------------- host -> page

export interface PresetOption {
  name: string;
  description: string;
}

export interface ModelOption {
  kind: ModelKind;
  label: string;
  /** The preset list; the form adds "default", which lets the trainer pick one that fits the dataset. */
  presets: PresetOption[];
  defaultDataset: string;
}

export interface DatasetOption {
  name: string;
  description: string;
  models: ModelKind[];
  needsDataDir: boolean;
}

export interface PanelChoices {
  models: ModelOption[];
  datasets: DatasetOption[];
}

/** One line of run history. */
export interface RunListItem {
  id: string;
  createdAt: string;
  status: RunStatus;
  model: string;
  preset: string;
  dataset: string;
  /** The run's headline figure, e.g. testAccuracy 0.91, for the history table. */
  headline?: { name: string; value: number };
}

/** A past run's recorded events (rebuilt from its metric rows), for overlay on the live charts. */
export interface RunSeriesPayload {
  id: string;
  label: string;
  events: TrainEvent[];
}

/** Where the live job stands, as the host sees it (the page derives the rest from events). */
export type JobState = 'idle' | 'running' | 'paused' | 'stopping';

export type HostMessage =
  /** First message after the page says 'ready' (also after a reload or re-show). */
  | { type: 'init'; choices: PanelChoices; runs: RunListItem[]; dataDir: string | null; job: JobState }
  /** Everything the current (or last) job reported so far, compacted, in order. */
  | { type: 'replay'; events: TrainEvent[] }
  /** One live trainer event. */
  | { type: 'event'; event: TrainEvent }
  | { type: 'job'; state: JobState }
  | { type: 'runs'; runs: RunListItem[] }
  | { type: 'overlay'; run: RunSeriesPayload }
  /** A past run reopened as the main view: its recorded events. */
  | { type: 'opened'; id: string; events: TrainEvent[] }
  | { type: 'summary'; summary: ModelSummary; source: string }
  | { type: 'dataDir'; dir: string | null }
  | { type: 'notice'; level: 'info' | 'error'; message: string };

// ---------------------------------------------------------------- page -> host

export type ExportFormat = 'csv' | 'json';

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'start'; config: TrainConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'pickDataDir' }
  /** Summary of the model the form would train, before any run starts. */
  | { type: 'requestSummary'; model: ModelKind; preset?: string; dataset?: string; causal?: boolean }
  | { type: 'overlayRun'; id: string }
  | { type: 'openRun'; id: string }
  | { type: 'exportRun'; id: string; format: ExportFormat }
  | { type: 'refreshRuns' };

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, where: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) {
    throw new ProtocolError(`${where}.${key} must be a non-empty string${optional ? ' when given' : ''}, got ${describe(v)}`);
  }
  return v;
}

function num(o: Obj, key: string, where: string, check: (n: number) => boolean, rule: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    throw new ProtocolError(`${where}.${key} must be ${rule}, got ${describe(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

function modelKind(o: Obj, key: string, where: string): ModelKind {
  const v = o[key];
  if (typeof v !== 'string' || !(MODEL_KINDS as readonly string[]).includes(v)) {
    throw new ProtocolError(`${where}.${key} must be one of ${MODEL_KINDS.join(', ')}, got ${describe(v)}`);
  }
  return v as ModelKind;
}

const RUN_ID = /^[A-Za-z0-9_.-]{1,200}$/;

function runId(o: Obj, where: string): string {
  const id = str(o, 'id', where)!;
  if (!RUN_ID.test(id) || id.startsWith('.')) throw new ProtocolError(`${where}.id is not a run id: ${describe(id)}`);
  return id;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const nonNegativeInt = (n: number) => Number.isInteger(n) && n >= 0;

/** The panel's form output as a TrainConfig; unknown keys are refused rather than ignored. */
export function parseTrainConfig(raw: unknown, where = 'config'): TrainConfig {
  if (!isObj(raw)) throw new ProtocolError(`${where} must be an object, got ${describe(raw)}`);
  const allowed = new Set([
    'model', 'preset', 'dataset', 'dataDir', 'epochs', 'steps', 'batchSize', 'lr', 'weightDecay', 'seed',
    'trainLimit', 'testLimit', 'ganLoss', 'causal', 'backend', 'eventIntervalMs', 'sampleIntervalMs',
  ]);
  for (const k of Object.keys(raw)) {
    if (!allowed.has(k)) throw new ProtocolError(`${where}.${k} is not a training setting`);
  }
  const config: TrainConfig = { model: modelKind(raw, 'model', where) };
  const preset = str(raw, 'preset', where, true);
  const dataset = str(raw, 'dataset', where, true);
  const dataDir = str(raw, 'dataDir', where, true);
  if (preset !== undefined) config.preset = preset;
  if (dataset !== undefined) config.dataset = dataset;
  if (dataDir !== undefined) config.dataDir = dataDir;
  const setNum = <K extends keyof TrainConfig>(key: K, check: (n: number) => boolean, rule: string) => {
    const v = num(raw, key, where, check, rule);
    if (v !== undefined) (config as unknown as Record<string, number>)[key] = v;
  };
  setNum('epochs', positiveInt, 'a positive whole number');
  setNum('steps', positiveInt, 'a positive whole number');
  setNum('batchSize', (n) => positiveInt(n) && n <= 4096, 'a whole number from 1 to 4096');
  setNum('lr', (n) => n > 0 && n < 10, 'a learning rate above 0 and below 10');
  setNum('weightDecay', (n) => n >= 0 && n < 1, 'at least 0 and below 1');
  setNum('seed', (n) => nonNegativeInt(n) && n <= 0xffffffff, 'a whole number from 0 to 4294967295');
  setNum('trainLimit', positiveInt, 'a positive whole number');
  setNum('testLimit', positiveInt, 'a positive whole number');
  setNum('eventIntervalMs', (n) => n >= 0, 'at least 0');
  setNum('sampleIntervalMs', (n) => n >= 0, 'at least 0');
  if (raw.ganLoss !== undefined) {
    const losses: GanLoss[] = ['minimax', 'non-saturating'];
    if (!losses.includes(raw.ganLoss as GanLoss)) throw new ProtocolError(`${where}.ganLoss must be minimax or non-saturating, got ${describe(raw.ganLoss)}`);
    config.ganLoss = raw.ganLoss as GanLoss;
  }
  if (raw.causal !== undefined) {
    if (typeof raw.causal !== 'boolean') throw new ProtocolError(`${where}.causal must be true or false, got ${describe(raw.causal)}`);
    config.causal = raw.causal;
  }
  if (raw.backend !== undefined) {
    if (!['auto', 'fast', 'reference'].includes(raw.backend as string)) throw new ProtocolError(`${where}.backend must be auto, fast or reference, got ${describe(raw.backend)}`);
    config.backend = raw.backend as TrainConfig['backend'];
  }
  return config;
}

/** Checks a message from the page; throws ProtocolError naming the fault. */
export function parseWebviewMessage(raw: unknown): WebviewMessage {
  if (!isObj(raw)) throw new ProtocolError(`a panel message must be an object, got ${describe(raw)}`);
  const type = raw.type;
  const where = `'${String(type)}' message`;
  switch (type) {
    case 'ready':
    case 'pause':
    case 'resume':
    case 'stop':
    case 'pickDataDir':
    case 'refreshRuns':
      return { type };
    case 'start':
      return { type, config: parseTrainConfig(raw.config, `${where} config`) };
    case 'requestSummary': {
      const msg: WebviewMessage = { type, model: modelKind(raw, 'model', where) };
      const preset = str(raw, 'preset', where, true);
      const dataset = str(raw, 'dataset', where, true);
      if (preset) msg.preset = preset;
      if (dataset) msg.dataset = dataset;
      if (raw.causal !== undefined) {
        if (typeof raw.causal !== 'boolean') throw new ProtocolError(`${where}.causal must be true or false, got ${describe(raw.causal)}`);
        msg.causal = raw.causal;
      }
      return msg;
    }
    case 'overlayRun':
    case 'openRun':
      return { type, id: runId(raw, where) };
    case 'exportRun': {
      const format = raw.format;
      if (format !== 'csv' && format !== 'json') throw new ProtocolError(`${where}.format must be csv or json, got ${describe(format)}`);
      return { type, id: runId(raw, where), format };
    }
    default:
      throw new ProtocolError(`unknown panel message type ${describe(type)}`);
  }
}

/** The page's light check of what the host sends: the host is trusted, this only catches version skew. */
export function isHostMessage(raw: unknown): raw is HostMessage {
  return isObj(raw) && typeof raw.type === 'string' &&
    ['init', 'replay', 'event', 'job', 'runs', 'overlay', 'opened', 'summary', 'dataDir', 'notice'].includes(raw.type);
}

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
  /** A name the run was given, e.g. "imported: log.jsonl (PyTorch)" for a run read from a train.py log. */
  label?: string;
}

/** A past run's recorded events (rebuilt from its metric rows), for overlay on the live charts. */
export interface RunSeriesPayload {
  id: string;
  label: string;
  events: TrainEvent[];
}

/** Where the live job stands, as the host sees it (the page derives the rest from events). */
export type JobState = 'idle' | 'running' | 'paused' | 'stopping';

/**
 * Where a run trains (the `gradlens.training.trainOn` setting and the panel's control):
 * 'auto' lets the page's GPU probe decide, 'host' is the fast CPU backend in a worker
 * thread of the extension host, 'page' is gpu.js in a Web Worker of the panel's page.
 */
export type TrainingPlace = 'auto' | 'host' | 'page';
export const TRAINING_PLACES: readonly TrainingPlace[] = ['auto', 'host', 'page'];

/** Where the current job trains and why, as the header and message line say it. */
export interface Placement {
  where: 'host' | 'page';
  /** "WebGL2, ANGLE (NVIDIA ...)" or "fast CPU in the extension host". */
  label: string;
  /** Why it trains there, in a sentence. */
  reason: string;
}

/** A run record kept by the host for a job that trains in the page (the loop's RunRecorder, over messages). */
export type PageRecordOp =
  | { op: 'create'; token: string; config: Record<string, unknown>; label: string }
  | { op: 'append'; token: string; row: Record<string, unknown> }
  | { op: 'weights'; token: string; entries: { name: string; shape: number[]; data: number[] }[] }
  | { op: 'finish'; token: string; status: 'completed' | 'stopped' | 'failed'; metrics: Record<string, unknown>; error?: string };

/** A control the host passes on to a job that trains in the page (e.g. "Stop Training" from a notification). */
export type PageControl = 'pause' | 'resume' | 'stop';

export type HostMessage =
  /** First message after the page says 'ready' (also after a reload or re-show). */
  | { type: 'init'; choices: PanelChoices; runs: RunListItem[]; dataDir: string | null; job: JobState; trainOn: TrainingPlace; placement: Placement | null }
  /** Everything the current (or last) job reported so far, compacted, in order. */
  | { type: 'replay'; events: TrainEvent[] }
  /** One live trainer event. */
  | { type: 'event'; event: TrainEvent }
  | { type: 'job'; state: JobState; placement?: Placement | null }
  /** Pause, resume or stop the job the page is training itself. */
  | { type: 'pageControl'; request: PageControl }
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
  /** Train in the extension host; `placement` says why there (shown, and kept for replays). */
  | { type: 'start'; config: TrainConfig; placement?: Placement }
  /** The page has started training this config itself; its events and record follow. */
  | { type: 'pageStarted'; config: TrainConfig; placement: Placement }
  /** One event of the job the page trains. */
  | { type: 'pageEvent'; event: TrainEvent }
  | { type: 'pageRecord'; record: PageRecordOp }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'pickDataDir' }
  /** Summary of the model the form would train, before any run starts. */
  | { type: 'requestSummary'; model: ModelKind; preset?: string; dataset?: string; causal?: boolean }
  | { type: 'overlayRun'; id: string }
  | { type: 'openRun'; id: string }
  | { type: 'exportRun'; id: string; format: ExportFormat }
  /** Write a PyTorch training script for a past run's config, or for the config the form holds. */
  | { type: 'exportPyTorch'; source: PyTorchExportSource }
  /** Pick a train.py --json log and add it to the history as a run. */
  | { type: 'importTrainLog' }
  | { type: 'refreshRuns' };

export type PyTorchExportSource = { run: string } | { config: TrainConfig };

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

function runId(o: Obj, where: string, key = 'id'): string {
  const id = str(o, key, where)!;
  if (!RUN_ID.test(id) || id.startsWith('.')) throw new ProtocolError(`${where}.${key} is not a run id: ${describe(id)}`);
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

const TRAIN_EVENT_TYPES = ['started', 'step', 'epoch', 'samples', 'attention', 'state', 'done', 'error', 'log'];
const RUN_STATUSES = ['completed', 'stopped', 'failed'];

function plainObject(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new ProtocolError(`${where} must be an object, got ${describe(v)}`);
  return v;
}

/** Where a job trains and why, as the page reports it. */
export function parsePlacement(raw: unknown, where = 'placement'): Placement {
  const o = plainObject(raw, where);
  if (o.where !== 'host' && o.where !== 'page') throw new ProtocolError(`${where}.where must be host or page, got ${describe(o.where)}`);
  return { where: o.where, label: str(o, 'label', where)!, reason: str(o, 'reason', where)! };
}

/**
 * An event of a job the page trains. The host keeps it in its log and run record, so
 * only its outline is checked (a known type, plain JSON); its fields are the trainer's own.
 */
export function parsePageEvent(raw: unknown, where = 'event'): TrainEvent {
  const o = plainObject(raw, where);
  if (typeof o.type !== 'string' || !TRAIN_EVENT_TYPES.includes(o.type)) {
    throw new ProtocolError(`${where}.type must be one of ${TRAIN_EVENT_TYPES.join(', ')}, got ${describe(o.type)}`);
  }
  if (o.type === 'step' && !(typeof o.step === 'number' && typeof o.loss === 'number')) throw new ProtocolError(`${where}: a step event needs numeric step and loss`);
  return o as unknown as TrainEvent;
}

function parsePageRecord(raw: unknown, where: string): PageRecordOp {
  const o = plainObject(raw, where);
  const token = str(o, 'token', where)!;
  switch (o.op) {
    case 'create':
      return { op: 'create', token, config: plainObject(o.config, `${where}.config`), label: str(o, 'label', where)! };
    case 'append':
      return { op: 'append', token, row: plainObject(o.row, `${where}.row`) };
    case 'weights': {
      if (!Array.isArray(o.entries)) throw new ProtocolError(`${where}.entries must be an array, got ${describe(o.entries)}`);
      const entries = o.entries.map((e, i) => {
        const at = `${where}.entries[${i}]`;
        const entry = plainObject(e, at);
        const shape = entry.shape, data = entry.data;
        if (!Array.isArray(shape) || !shape.every((d) => nonNegativeInt(d as number))) throw new ProtocolError(`${at}.shape must be an array of whole numbers`);
        if (!Array.isArray(data) || !data.every((v) => typeof v === 'number')) throw new ProtocolError(`${at}.data must be an array of numbers`);
        const size = (shape as number[]).reduce((a, b) => a * b, 1);
        if (size !== data.length) throw new ProtocolError(`${at}: shape [${shape.join(', ')}] holds ${size} values but data has ${data.length}`);
        return { name: str(entry, 'name', at)!, shape: shape as number[], data: data as number[] };
      });
      return { op: 'weights', token, entries };
    }
    case 'finish': {
      if (!RUN_STATUSES.includes(o.status as string)) throw new ProtocolError(`${where}.status must be one of ${RUN_STATUSES.join(', ')}, got ${describe(o.status)}`);
      const record: PageRecordOp = { op: 'finish', token, status: o.status as 'completed' | 'stopped' | 'failed', metrics: plainObject(o.metrics, `${where}.metrics`) };
      const error = str(o, 'error', where, true);
      if (error !== undefined) record.error = error;
      return record;
    }
    default:
      throw new ProtocolError(`${where}.op must be create, append, weights or finish, got ${describe(o.op)}`);
  }
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
    case 'importTrainLog':
    case 'refreshRuns':
      return { type };
    case 'exportPyTorch': {
      const source = plainObject(raw.source, `${where}.source`);
      const keys = Object.keys(source);
      if (keys.length !== 1 || (keys[0] !== 'run' && keys[0] !== 'config')) {
        throw new ProtocolError(`${where}.source must hold either run (a run id) or config (a training config), got ${keys.length ? keys.join(', ') : 'neither'}`);
      }
      if (keys[0] === 'run') return { type, source: { run: runId(source, `${where}.source`, 'run') } };
      return { type, source: { config: parseTrainConfig(source.config, `${where}.source config`) } };
    }
    case 'start': {
      const msg: WebviewMessage = { type, config: parseTrainConfig(raw.config, `${where} config`) };
      if (raw.placement !== undefined) msg.placement = parsePlacement(raw.placement, `${where}.placement`);
      return msg;
    }
    case 'pageStarted':
      return { type, config: parseTrainConfig(raw.config, `${where} config`), placement: parsePlacement(raw.placement, `${where}.placement`) };
    case 'pageEvent':
      return { type, event: parsePageEvent(raw.event, `${where}.event`) };
    case 'pageRecord':
      return { type, record: parsePageRecord(raw.record, `${where}.record`) };
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
    ['init', 'replay', 'event', 'job', 'pageControl', 'runs', 'overlay', 'opened', 'summary', 'dataDir', 'notice'].includes(raw.type);
}

/**
 * The messages between the extension host and the training panel's page. Trainer
 * events cross unchanged (they are already plain JSON, see training/events.ts); this
 * file adds what only the panel needs: its choices, run history, summaries, controls.
 *
 * The page is a separate, less trusted context, so every message from it is a schema
 * (training/schema.ts) and the host checks it with parseWebviewMessage before acting: a
 * malformed one is answered with an error that names the field, never acted on. The
 * training config and events inside those messages are the trainer's own schemas, so
 * the panel, the loop and the types share one set of limits. What the host sends is
 * trusted; the page only checks its type tag, to catch version skew.
 */
import {
  type Infer,
  anything,
  array,
  exactlyOne,
  object,
  oneOf,
  optional,
  record,
  refine,
  SchemaError,
  text,
  variant,
  whole,
  number,
} from './training/schema';
import {
  type ModelKind,
  ModelKindSchema,
  SETTINGS,
  type TrainConfig,
  TrainConfigSchema,
  type TrainEvent,
  TrainEventSchema,
} from './training/events';
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
 * 'auto' lets measured speeds or the page's GPU probe decide, 'host' is the fast CPU
 * backend in a worker thread of the extension host, 'page' is gpu.js in a Web Worker of
 * the panel's page.
 */
const TrainingPlaceSchema = oneOf(['auto', 'host', 'page']);
export type TrainingPlace = Infer<typeof TrainingPlaceSchema>;
export const TRAINING_PLACES: readonly TrainingPlace[] = TrainingPlaceSchema.values;

/** Where the current job trains and why, as the header and message line say it. */
const PlacementSchema = object({
  where: oneOf(['host', 'page']),
  /** "WebGL2, ANGLE (NVIDIA ...)" or "fast CPU in the extension host". */
  label: text({ max: 4096 }),
  /** Why it trains there, in a sentence. */
  reason: text({ max: 4096 }),
});
export type Placement = Infer<typeof PlacementSchema>;

/**
 * How fast one setup (model, preset, dataset) trained in each place on earlier runs,
 * in examples per second, and what an example is ("images/s"): what auto decides on
 * when it knows both.
 */
export interface MeasuredSpeed {
  page?: number;
  host?: number;
  unit: string;
}

/** Measured speeds by speedKey. */
export type MeasuredSpeeds = Record<string, MeasuredSpeed>;

/** The setup a speed belongs to, as the form spells it (no preset: the default one). */
export function speedKey(model: string, preset: string | undefined, dataset: string | undefined): string {
  return `${model}/${preset || 'default'}/${dataset ?? ''}`;
}

const token = text({ max: 4096 });

/** A run record kept by the host for a job that trains in the page (the loop's RunRecorder, over messages). */
const PageRecordOpSchema = variant('op', {
  create: { token, config: record(anything()), label: text({ max: 4096 }) },
  append: { token, row: record(anything()) },
  weights: {
    token,
    entries: array(
      refine(object({ name: text({ max: 4096 }), shape: array(whole(0)), data: array(number()) }), (e) => {
        const size = e.shape.reduce((a, b) => a * b, 1);
        return size === e.data.length ? null : `shape [${e.shape.join(', ')}] holds ${size} values but data has ${e.data.length}`;
      }),
    ),
  },
  finish: { token, status: oneOf(['completed', 'stopped', 'failed']), metrics: record(anything()), error: optional(text({ empty: true })) },
});
export type PageRecordOp = Infer<typeof PageRecordOpSchema>;

/** A control the host passes on to a job that trains in the page (e.g. "Stop Training" from a notification). */
const PageControlSchema = oneOf(['pause', 'resume', 'stop']);
export type PageControl = Infer<typeof PageControlSchema>;

export type HostMessage =
  /** First message after the page says 'ready' (also after a reload or re-show). */
  | {
      type: 'init';
      choices: PanelChoices;
      runs: RunListItem[];
      dataDir: string | null;
      job: JobState;
      trainOn: TrainingPlace;
      placement: Placement | null;
      speeds?: MeasuredSpeeds;
    }
  /** Everything the current (or last) job reported so far, compacted, in order. */
  | { type: 'replay'; events: TrainEvent[] }
  /** One live trainer event. */
  | { type: 'event'; event: TrainEvent }
  | { type: 'job'; state: JobState; placement?: Placement | null }
  /** Pause, resume or stop the job the page is training itself. */
  | { type: 'pageControl'; request: PageControl }
  | { type: 'runs'; runs: RunListItem[] }
  /** The speeds measured so far, after a job added one. */
  | { type: 'speeds'; speeds: MeasuredSpeeds }
  | { type: 'overlay'; run: RunSeriesPayload }
  /** A past run reopened as the main view: its recorded events. */
  | { type: 'opened'; id: string; events: TrainEvent[] }
  | { type: 'summary'; summary: ModelSummary; source: string }
  | { type: 'dataDir'; dir: string | null }
  | { type: 'notice'; level: 'info' | 'error'; message: string };

// Keyed by the union's own tags, so a message type added above and missing here (or the reverse) fails to compile.
const HOST_MESSAGE_TYPES: Record<HostMessage['type'], true> = {
  init: true,
  replay: true,
  event: true,
  job: true,
  pageControl: true,
  runs: true,
  speeds: true,
  overlay: true,
  opened: true,
  summary: true,
  dataDir: true,
  notice: true,
};

/** The page's light check of what the host sends: the host is trusted, this only catches version skew. */
export function isHostMessage(raw: unknown): raw is HostMessage {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    typeof (raw as { type?: unknown }).type === 'string' &&
    Object.hasOwn(HOST_MESSAGE_TYPES, (raw as { type: string }).type)
  );
}

// ---------------------------------------------------------------- page -> host

const ExportFormatSchema = oneOf(['csv', 'json']);
export type ExportFormat = Infer<typeof ExportFormatSchema>;

/** A run store folder name: no path separators, no leading dot. */
const RunIdSchema = text({
  pattern: /^(?!\.)[A-Za-z0-9_.-]{1,200}$/,
  expected: 'a run id (up to 200 letters, digits, _ . or -, not starting with a dot)',
});

/** Write a PyTorch training script for a past run's config, or for the config the form holds. */
const PyTorchExportSourceSchema = exactlyOne({ run: RunIdSchema, config: TrainConfigSchema });
export type PyTorchExportSource = Infer<typeof PyTorchExportSourceSchema>;

const WebviewMessageSchema = variant(
  'type',
  {
    ready: {},
    /** Train in the extension host; `placement` says why there (shown, and kept for replays). */
    start: { config: TrainConfigSchema, placement: optional(PlacementSchema) },
    /** The page has started training this config itself; its events and record follow. */
    pageStarted: { config: TrainConfigSchema, placement: PlacementSchema },
    /** One event of the job the page trains. */
    pageEvent: { event: TrainEventSchema },
    pageRecord: { record: PageRecordOpSchema },
    pause: {},
    resume: {},
    stop: {},
    pickDataDir: {},
    /** Summary of the model the form would train, before any run starts. */
    requestSummary: {
      model: ModelKindSchema,
      preset: optional(SETTINGS.preset),
      dataset: optional(SETTINGS.dataset),
      causal: optional(SETTINGS.causal),
    },
    overlayRun: { id: RunIdSchema },
    openRun: { id: RunIdSchema },
    exportRun: { id: RunIdSchema, format: ExportFormatSchema },
    exportPyTorch: { source: PyTorchExportSourceSchema },
    /** Pick a train.py --json log and add it to the history as a run. */
    importTrainLog: {},
    refreshRuns: {},
  },
  {
    unknown: (tag) => `unknown panel message type ${JSON.stringify(tag) ?? 'nothing'}`,
    pathOf: (tag) => `'${tag}' message`,
  },
);
export type WebviewMessage = Infer<typeof WebviewMessageSchema>;

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SchemaError) throw new ProtocolError(err.message);
    throw err;
  }
}

/** Checks a message from the page; throws ProtocolError naming the fault. */
export function parseWebviewMessage(raw: unknown): WebviewMessage {
  return checked(() => WebviewMessageSchema.parse(raw, 'a panel message'));
}

/** A training config from the page or a stored run; unknown keys are refused rather than ignored. */
export function parseTrainConfig(raw: unknown, where = 'config'): TrainConfig {
  return checked(() => TrainConfigSchema.parse(raw, where));
}

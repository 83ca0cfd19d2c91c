/**
 * Reads the log of an exported train.py (`python train.py --json > log.jsonl`, or the
 * same from `gradlens train --json`) back into a run for the history: one JSON object per
 * line with "event" step, epoch, eval, done or error. The lines name their metrics as the
 * trainer does (loss, accuracy, valAccuracy; for the GAN lossG, dReal, dFake), so the rows
 * are stored in the run store's own shape and drawn by the same code as a local run.
 *
 * A log is rarely clean: torch prints warnings to the same stream, a killed job leaves a
 * last line cut short, and a job on a cluster may never reach its done line. So lines
 * that are not events are skipped and counted with their line numbers, and a log without
 * a done line is an interrupted run that still shows its curves. Only a file with no
 * event at all is refused, naming the first line that is not one.
 *
 * parseTrainLog is pure (text in, a run out); saveImportedRun writes it as a new run and
 * never touches the others.
 */
import type { MetricRow, RunStatus, RunStore, RunWriter } from './runStore';

export class ImportLogError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ImportLogError';
  }
}

export interface SkippedLine {
  /** 1-based. */
  line: number;
  reason: string;
}

export interface ImportedRun {
  /** What the run store keeps as the run's config: the model if the log says or its metrics show, and where it came from. */
  config: Record<string, unknown>;
  /** "imported: train-log.jsonl (PyTorch)" */
  label: string;
  /** Rows in the run store's shape: type step / epoch / eval / done. */
  rows: MetricRow[];
  /** From the done line (or an error line); 'interrupted' when the log ends without one. */
  status: Exclude<RunStatus, 'running'>;
  /** The final metrics: the done line's, else the last eval's and epoch's. */
  metrics: Record<string, number>;
  error?: string;
  steps: number;
  skipped: SkippedLine[];
}

/** Fields of a line that describe the run rather than measure it (several spellings, as PyTorch code writes them). */
const RUN_FIELDS = new Set([
  'world_size',
  'worldSize',
  'rank',
  'local_rank',
  'localRank',
  'device',
  'backend',
  'nproc',
  'pid',
  'host',
  'hostname',
]);
const CONFIG_FIELDS = ['model', 'preset', 'dataset', 'batchSize', 'lr', 'weightDecay', 'seed', 'epochs', 'steps'];
const EVENTS = new Set(['step', 'epoch', 'eval', 'done', 'error', 'started', 'config', 'log']);

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numbers(o: Record<string, unknown>, skip: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (isNum(v) && !skip.includes(k) && !RUN_FIELDS.has(k)) out[k] = v;
  return out;
}

/** The model a log without a config line came from, read off its metric names. */
function modelFromMetrics(names: ReadonlySet<string>): string {
  if (names.has('dReal') || names.has('dFake') || names.has('lossG')) return 'gan';
  if (names.has('sequenceAccuracy') || names.has('valSequenceAccuracy')) return 'attention';
  if (names.has('accuracy') || names.has('testAccuracy')) return 'cnn';
  return 'unknown';
}

function describeLine(line: string): string {
  const t = line.trim();
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}…` : t);
}

/** Reads one line as an event, or says why it is not one. */
function readLine(line: string): { event: Record<string, unknown> } | { reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { reason: `not JSON: ${describeLine(line)}` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { reason: `not a JSON object: ${describeLine(line)}` };
  const o = v as Record<string, unknown>;
  const kind = o.event ?? o.type;
  if (typeof kind !== 'string' || !EVENTS.has(kind)) return { reason: `no "event" of ${[...EVENTS].join(', ')}: ${describeLine(line)}` };
  if (kind === 'step' && !(isNum(o.step) && isNum(o.loss))) return { reason: 'a step event without a numeric step and loss' };
  if (kind === 'epoch' && !isNum(o.epoch)) return { reason: 'an epoch event without a numeric epoch' };
  return { event: { ...o, event: kind } };
}

export function importLabel(fileName: string): string {
  return `imported: ${fileName} (PyTorch)`;
}

/** A train.py --json log as a run. Throws ImportLogError when the text holds no event at all. */
export function parseTrainLog(text: string, fileName: string): ImportedRun {
  if (!text.trim()) throw new ImportLogError(`${fileName} is empty: expected the JSON lines of train.py --json`);
  const lines = text.split(/\r?\n/);
  const config: Record<string, unknown> = { source: 'train.py', importedFrom: fileName, label: importLabel(fileName) };
  const rows: MetricRow[] = [];
  const skipped: SkippedLine[] = [];
  const metricNames = new Set<string>();
  let done: Record<string, unknown> | null = null;
  let error: string | undefined;
  let finalFromEvals: Record<string, number> = {};
  let step = 0;
  let events = 0;
  const lastIndex = lines.length - 1;

  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    const read = readLine(raw);
    if ('reason' in read) {
      // A last line that does not end the text was being written when the job died.
      const cut = i === lastIndex && !text.endsWith('\n');
      skipped.push({ line: i + 1, reason: cut ? `cut short (the job ended while writing it): ${read.reason}` : read.reason });
      return;
    }
    const e = read.event;
    events++;
    for (const k of Object.keys(e)) if (RUN_FIELDS.has(k)) config[k] = e[k];
    switch (e.event) {
      case 'started':
      case 'config':
        for (const k of CONFIG_FIELDS) if (typeof e[k] === 'string' || isNum(e[k])) config[k] = e[k];
        break;
      case 'step': {
        const s = e.step as number;
        step = Math.max(step, s);
        const m = numbers(e, ['step', 'totalSteps', 'epoch', 'loss', 'throughput', 'elapsedMs', 'etaMs']);
        for (const k of Object.keys(m)) metricNames.add(k);
        const row: MetricRow = {
          type: 'step',
          step: s,
          totalSteps: isNum(e.totalSteps) ? e.totalSteps : s,
          epoch: isNum(e.epoch) ? e.epoch : 0,
          loss: e.loss,
          ...m,
        };
        if (isNum(e.throughput)) row.throughput = e.throughput;
        if (isNum(e.elapsedMs)) row.elapsedMs = e.elapsedMs;
        rows.push(row);
        break;
      }
      case 'epoch': {
        const m = numbers(e, ['epoch', 'step', 'durationMs']);
        for (const k of Object.keys(m)) metricNames.add(k);
        const at = isNum(e.step) ? e.step : step;
        step = Math.max(step, at);
        rows.push({ type: 'epoch', epoch: e.epoch, step: at, durationMs: isNum(e.durationMs) ? e.durationMs : 0, ...m });
        finalFromEvals = { ...finalFromEvals, ...m };
        break;
      }
      case 'eval': {
        const m = numbers(e, ['step', 'elapsedMs']);
        for (const k of Object.keys(m)) metricNames.add(k);
        rows.push({ type: 'eval', step, ...m });
        finalFromEvals = { ...finalFromEvals, ...m };
        break;
      }
      case 'done':
        done = e;
        break;
      case 'error':
        error = typeof e.message === 'string' ? e.message : 'train.py reported an error';
        break;
    }
  });

  if (events === 0) {
    const first = skipped[0];
    throw new ImportLogError(
      `${fileName} has no train.py --json events (step, epoch, eval or done lines); line ${first.line}: ${first.reason}`,
      first.line,
    );
  }

  let status: ImportedRun['status'] = 'interrupted';
  let metrics = finalFromEvals;
  const finished = done as Record<string, unknown> | null;
  if (finished) {
    const at = isNum(finished.steps) ? finished.steps : isNum(finished.step) ? finished.step : step;
    metrics = numbers(finished, ['steps', 'step', 'epochs', 'epoch', 'elapsedMs', 'runId']);
    for (const k of Object.keys(metrics)) metricNames.add(k);
    const reason = finished.reason === 'stopped' ? 'stopped' : 'completed';
    const epoch = isNum(finished.epochs) ? finished.epochs : isNum(finished.epoch) ? finished.epoch : 0;
    rows.push({ type: 'done', reason, step: at, epoch, elapsedMs: isNum(finished.elapsedMs) ? finished.elapsedMs : 0, ...metrics });
    step = Math.max(step, at);
    status = reason;
  }
  if (error !== undefined) status = 'failed';
  if (typeof config.model !== 'string') config.model = modelFromMetrics(metricNames);
  return { config, label: importLabel(fileName), rows, status, metrics, ...(error !== undefined ? { error } : {}), steps: step, skipped };
}

/** Stores an imported run as a new run of `store`; returns its writer (its id and folder). */
export function saveImportedRun(store: RunStore, run: ImportedRun): RunWriter {
  const writer = store.create(run.config, 'imported');
  for (const row of run.rows) writer.append(row);
  if (run.status !== 'interrupted') writer.finish(run.status, run.metrics, run.error);
  return writer;
}

/** "Imported 30 steps from train-log.jsonl (completed); skipped 2 lines: 4 (not JSON: …), 31 (cut short …)." */
export function importSummary(run: ImportedRun, fileName: string): string {
  const head = `Imported ${run.steps} step${run.steps === 1 ? '' : 's'} from ${fileName} (${run.status})`;
  if (!run.skipped.length) return `${head}.`;
  const shown = run.skipped
    .slice(0, 3)
    .map((s) => `${s.line} (${s.reason})`)
    .join('; ');
  const more = run.skipped.length > 3 ? `; and ${run.skipped.length - 3} more` : '';
  return `${head}; skipped ${run.skipped.length} line${run.skipped.length === 1 ? '' : 's'} that ${run.skipped.length === 1 ? 'was' : 'were'} not events: ${shown}${more}.`;
}

/**
 * Training runs on disk, one folder per run:
 *   config.json    what was asked for (written when the run starts)
 *   metrics.jsonl  one JSON object per line, appended as events arrive; each line goes
 *                  down in one write, so a crash loses at most the line being written
 *   result.json    final metrics and how the run ended (absent: it never finished)
 *   weights.json + weights.bin   the final parameters (float32, names and shapes in the JSON)
 * Reading tolerates a truncated last line; CSV and JSON export flatten the metrics.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';

export type MetricRow = Record<string, unknown>;

export interface RunResult {
  status: Exclude<RunStatus, 'running' | 'interrupted'>;
  finishedAt: string;
  metrics: Record<string, unknown>;
  error?: string;
}

export interface RunSummary {
  id: string;
  dir: string;
  createdAt: string;
  status: RunStatus;
  config: Record<string, unknown>;
  result?: RunResult;
}

export interface RunData extends RunSummary {
  metrics: MetricRow[];
  /** A last line cut short by a crash, dropped on reading. */
  truncatedTail: boolean;
  /** Lines in the middle that were not valid JSON (skipped), by 1-based line number. */
  badLines: number[];
}

export interface WeightEntry {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Writes one run's files as it goes. */
export class RunWriter {
  private readonly metricsPath: string;

  constructor(
    readonly id: string,
    readonly dir: string,
  ) {
    this.metricsPath = join(dir, 'metrics.jsonl');
    // A writer reopened after a crash starts on a fresh line, so the torn line stays
    // alone and is the only one lost.
    if (existsSync(this.metricsPath)) {
      const text = readFileSync(this.metricsPath, 'utf8');
      if (text.length && !text.endsWith('\n')) appendFileSync(this.metricsPath, '\n');
    }
  }

  /** Append one metrics row (one write of one whole line). */
  append(row: MetricRow): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(row)}\n`);
  }

  finish(status: RunResult['status'], metrics: Record<string, unknown>, error?: string): void {
    const result: RunResult = { status, finishedAt: new Date().toISOString(), metrics, ...(error ? { error } : {}) };
    writeAtomically(join(this.dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  }

  saveWeights(entries: WeightEntry[]): void {
    const total = entries.reduce((n, e) => n + e.data.length, 0);
    const all = new Float32Array(total);
    const manifest: { name: string; shape: number[]; offset: number; length: number }[] = [];
    let offset = 0;
    for (const e of entries) {
      all.set(e.data, offset);
      manifest.push({ name: e.name, shape: e.shape, offset, length: e.data.length });
      offset += e.data.length;
    }
    const binTmp = join(this.dir, 'weights.bin.tmp');
    writeFileSync(binTmp, new Uint8Array(all.buffer));
    renameSync(binTmp, join(this.dir, 'weights.bin'));
    writeAtomically(join(this.dir, 'weights.json'), `${JSON.stringify({ dtype: 'float32', tensors: manifest }, null, 2)}\n`);
  }
}

/** Parse metrics.jsonl text, keeping what can be read. */
export function parseMetricsLines(text: string): { rows: MetricRow[]; truncatedTail: boolean; badLines: number[] } {
  const lines = text.split('\n');
  // Text that does not end in a newline ends in a torn write: that piece is the tail.
  const tail = text.endsWith('\n') ? null : (lines.pop() ?? null);
  const rows: MetricRow[] = [];
  const badLines: number[] = [];
  const parse = (line: string): MetricRow | null => {
    try {
      const v = JSON.parse(line);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as MetricRow) : null;
    } catch {
      return null;
    }
  };
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const row = parse(line);
    if (row) rows.push(row);
    else badLines.push(i + 1);
  });
  let truncatedTail = false;
  if (tail?.trim()) {
    const row = parse(tail);
    if (row) rows.push(row);
    else truncatedTail = true;
  }
  return { rows, truncatedTail, badLines };
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Metrics rows as CSV: one column per key, in order of first appearance. */
export function metricsToCsv(rows: MetricRow[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export class RunStore {
  constructor(readonly root: string) {}

  /** Start a run: make its folder and write its config. */
  create(config: Record<string, unknown>, label = 'run'): RunWriter {
    mkdirSync(this.root, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const base = `${stamp}-${label.replace(/[^A-Za-z0-9_-]/g, '')}`;
    let id = base;
    for (let k = 2; existsSync(join(this.root, id)); k++) id = `${base}-${k}`;
    const dir = join(this.root, id);
    mkdirSync(dir);
    writeAtomically(join(dir, 'config.json'), `${JSON.stringify({ createdAt: new Date().toISOString(), ...config }, null, 2)}\n`);
    return new RunWriter(id, dir);
  }

  /** Reattach to an existing run (e.g. to finish it after a restart). */
  writer(id: string): RunWriter {
    return new RunWriter(id, this.dirOf(id));
  }

  private dirOf(id: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(id) || id.startsWith('.')) throw new Error(`invalid run id '${id}'`);
    const dir = join(this.root, id);
    if (!existsSync(join(dir, 'config.json'))) throw new Error(`no run '${id}' in ${this.root}`);
    return dir;
  }

  private summaryOf(id: string, dir: string, activeIds: ReadonlySet<string>): RunSummary {
    const config = readJson(join(dir, 'config.json')) as Record<string, unknown>;
    const resultPath = join(dir, 'result.json');
    const result = existsSync(resultPath) ? (readJson(resultPath) as RunResult) : undefined;
    const status: RunStatus = result ? result.status : activeIds.has(id) ? 'running' : 'interrupted';
    return { id, dir, createdAt: String(config.createdAt ?? statSync(dir).mtime.toISOString()), status, config, result };
  }

  /**
   * Every run, oldest first. A run without a result is 'running' if its id is in
   * `activeIds` (the caller knows which jobs are alive), otherwise 'interrupted'.
   */
  list(activeIds: ReadonlySet<string> = new Set()): RunSummary[] {
    if (!existsSync(this.root)) return [];
    const out: RunSummary[] = [];
    for (const id of readdirSync(this.root)) {
      const dir = join(this.root, id);
      if (!existsSync(join(dir, 'config.json'))) continue;
      try {
        out.push(this.summaryOf(id, dir, activeIds));
      } catch {
        // A folder with an unreadable config is not a run we can show; skip it.
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  open(id: string, activeIds: ReadonlySet<string> = new Set()): RunData {
    const dir = this.dirOf(id);
    const summary = this.summaryOf(id, dir, activeIds);
    const metricsPath = join(dir, 'metrics.jsonl');
    const parsed = existsSync(metricsPath)
      ? parseMetricsLines(readFileSync(metricsPath, 'utf8'))
      : { rows: [], truncatedTail: false, badLines: [] };
    return { ...summary, metrics: parsed.rows, truncatedTail: parsed.truncatedTail, badLines: parsed.badLines };
  }

  exportCsv(id: string): string {
    return metricsToCsv(this.open(id).metrics);
  }

  exportJson(id: string): string {
    const run = this.open(id);
    return `${JSON.stringify({ id: run.id, status: run.status, config: run.config, result: run.result ?? null, metrics: run.metrics }, null, 2)}\n`;
  }

  readWeights(id: string): WeightEntry[] {
    const dir = this.dirOf(id);
    const manifestPath = join(dir, 'weights.json');
    if (!existsSync(manifestPath)) throw new Error(`run '${id}' has no saved weights`);
    const manifest = readJson(manifestPath) as { tensors: { name: string; shape: number[]; offset: number; length: number }[] };
    const bytes = readFileSync(join(dir, 'weights.bin'));
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return manifest.tensors.map((t) => {
      if (t.offset + t.length > all.length) throw new Error(`${join(dir, 'weights.bin')}: too short for tensor '${t.name}'`);
      return { name: t.name, shape: t.shape, data: all.subarray(t.offset, t.offset + t.length) };
    });
  }

  delete(id: string): void {
    rmSync(this.dirOf(id), { recursive: true, force: true });
  }
}

/**
 * `gradlens check <files or folders...>`: the same sandboxed checker as the editor,
 * for terminals and CI. Exit code 0 when every layer passes, 1 when any fails, 2 when
 * a file could not be loaded or run (or the command line is wrong).
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatReport, toJsonReport, toJUnitXml } from '../gradcheck';
import type { CheckMode, LayerReport } from '../gradcheck/types';
import { checkFiles, type FileCheckResult } from '../layers/sandbox';
import { errorReport } from '../layers/reports';
import { collectUntagged } from '../layers/files';
import { tagLine, tagPrefill, untaggedSuggestion } from '../layers/tagSuggestion';
import type { TagCandidate } from '../layers/types';
import { CommandLineError, readCommandLine } from './commandLine';

const USAGE = `usage: gradlens check <files or folders...> [options]

Finite-difference checks every layer found: layer() definitions and
@gradcheck-tagged pairs, loss functions, layer objects and torch.autograd.Functions,
in JavaScript/TypeScript, Python (.py) and notebooks (.ipynb, definitions only).
Folders are searched recursively for files that contain layers.

options:
  --fast          PyTorch's fast mode (random projections; full check where one fails)
  --sparse K      check a seeded sample of K elements per input
  --seed N        seed for inputs, the upstream gradient and samples (default 0)
  --timeout S     time limit for a file's code (a Python layer's), in seconds (default 30)
  --python PATH   the Python interpreter for .py and .ipynb files (default: python3 on PATH)
  --json          print one JSON object instead of the table
  --junit FILE    also write JUnit XML for CI

exit codes: 0 all passed, 1 a layer failed, 2 a file could not be loaded or run`;

class UsageError extends Error {}

const readCheckArgs = (argv: string[]) =>
  readCommandLine(argv, {
    fast: { type: 'boolean' },
    sparse: { type: 'string' },
    seed: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    junit: { type: 'string' },
    python: { type: 'string' },
  });

interface CheckArgs {
  paths: string[];
  mode: CheckMode;
  sampleSize?: number;
  seed?: number;
  timeoutMs?: number;
  json: boolean;
  junit?: string;
  pythonPath?: string;
}

function parse(argv: string[]): CheckArgs | 'help' {
  const { values, positionals } = readCheckArgs(argv);
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('name at least one file or folder to check');
  if (values.fast && values.sparse !== undefined) throw new UsageError('--fast and --sparse are different modes: pick one');
  const int = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`${flag} must be an integer${min > 0 ? ` of at least ${min}` : ''}, got '${text}'`);
    return n;
  };
  const args: CheckArgs = {
    paths: positionals,
    mode: values.fast ? 'fast' : values.sparse !== undefined ? 'sparse' : 'full',
    json: values.json ?? false,
  };
  if (values.sparse !== undefined) args.sampleSize = int('--sparse', values.sparse, 1);
  if (values.seed !== undefined) args.seed = int('--seed', values.seed, Number.MIN_SAFE_INTEGER);
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!(s > 0) || !Number.isFinite(s)) throw new UsageError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);
    args.timeoutMs = Math.round(s * 1000);
  }
  if (values.junit !== undefined) args.junit = values.junit;
  if (values.python !== undefined) {
    if (values.python.trim() === '') throw new UsageError('--python needs the path of a Python interpreter');
    args.pythonPath = values.python;
  }
  return args;
}

function relative(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

type Untagged = { file: string; candidate: TagCandidate }[];

/** Every result as reports: a file that could not be loaded, or has no layers, still shows up (with what a tag would check in it). */
function reportsOf(results: FileCheckResult[], mode: CheckMode, untagged: Untagged): { reports: LayerReport[]; loadFailed: boolean } {
  const reports: LayerReport[] = [];
  let loadFailed = false;
  for (const r of results) {
    const file = relative(r.file);
    if (r.loadError !== undefined) loadFailed = true;
    if (r.layers.length === 0) {
      loadFailed = true;
      const here = untagged.filter((u) => u.file === path.resolve(r.file)).map((u) => untaggedSuggestion(u.candidate));
      const why =
        r.loadError ??
        (here.length > 0
          ? `no tagged layers: ${here.join('; ')}`
          : 'no checkable layers found: export a layer({...}), or tag an exported xxxForward with /** @gradcheck x:[4,5] ... */ (in Python: # @gradcheck x:[4,5] above def xxx_forward)');
      reports.push({ ...errorReport(path.basename(r.file), why, mode), file });
      continue;
    }
    for (const layer of r.layers) reports.push({ ...layer, file });
  }
  return { reports, loadFailed };
}

/** The untagged candidates as lines for the terminal, or as JSON. */
function untaggedLines(untagged: Untagged): string[] {
  if (untagged.length === 0) return [];
  const head = `untagged: ${untagged.length === 1 ? 'this looks' : `these ${untagged.length} look`} checkable once tagged`;
  return [head, ...untagged.map((u) => `  ${relative(u.file)}: ${untaggedSuggestion(u.candidate)}`)];
}

function untaggedJson(untagged: Untagged) {
  return untagged.map(({ file, candidate: c }) => ({
    file: relative(file),
    ...(c.cell !== undefined ? { cell: c.cell } : {}),
    line: c.line + 1,
    name: c.name,
    convention: c.convention,
    tag: tagLine(c.language, '', tagPrefill(c.params)),
  }));
}

export interface CheckCommandOptions {
  /** The sandbox worker script (tests point it at dist/; the CLI bundle finds it beside itself). */
  workerPath?: string;
}

export async function runCheck(argv: string[], options: CheckCommandOptions = {}): Promise<number> {
  let args: CheckArgs | 'help';
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof CommandLineError)) throw err;
    console.error(`gradlens check: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }

  const results = await checkFiles(args.paths, {
    mode: args.mode,
    sampleSize: args.sampleSize,
    seed: args.seed,
    timeoutMs: args.timeoutMs,
    workerPath: options.workerPath,
    pythonPath: args.pythonPath,
    // The layers' own console output must not mix into the table or the JSON on stdout.
    onLog: (text) => process.stderr.write(text),
  });
  const untagged = collectUntagged(args.paths);
  const extra = untagged.length > 0 ? { untagged: untaggedJson(untagged) } : {};
  if (results.length === 0) {
    const message = `no files with checkable layers in ${args.paths.join(', ')}`;
    if (args.json) console.log(JSON.stringify({ layers: [], error: message, ...extra }));
    else console.error([`gradlens check: ${message}`, ...untaggedLines(untagged)].join('\n'));
    return 2;
  }
  // Files named outright that hold nothing tagged say so in their own report; the rest are listed after the table.
  const { reports, loadFailed } = reportsOf(results, args.mode, untagged);
  const reported = new Set(results.filter((r) => r.layers.length === 0).map((r) => path.resolve(r.file)));
  const rest = untagged.filter((u) => !reported.has(u.file));

  if (args.junit) {
    try {
      writeFileSync(args.junit, toJUnitXml(reports));
    } catch (err) {
      console.error(`gradlens check: cannot write JUnit XML to ${args.junit}: ${(err as Error).message}`);
      return 2;
    }
  }
  if (args.json) console.log(JSON.stringify({ ...toJsonReport(reports), ...extra }));
  else {
    console.log(formatReport(reports, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    for (const line of untaggedLines(rest)) console.log(line);
  }

  if (loadFailed) return 2;
  return reports.every((r) => r.passed) ? 0 : 1;
}

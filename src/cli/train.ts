/**
 * `gradlens train <cnn|gan|attention>`: one run of the trainer in this process, with a
 * progress bar on a terminal, plain lines otherwise, or one JSON object per line
 * (--json: "event" is "step", "epoch" or "done"; the last line is the done event with
 * the final metrics; with --steps 0 the run only evaluates the untrained model). Exit 0 on success, 2 for bad usage or a dataset that cannot load.
 */
import { Bar, Presets } from 'cli-progress';
import { DatasetError } from '../training/datasets/types';
import { datasetInfo, DEFAULT_DATASET } from '../training/datasets/registry';
import { downloadDataset, REMOTE_DATASETS } from '../training/datasets/download';
import { ConfigError, Trainer } from '../training/trainer';
import { MODEL_KINDS, type ModelKind, type TrainConfig, type TrainEvent } from '../training/events';
import { RunStore } from '../training/runStore';
import { formatCount } from '../training/summary';
import { SETTINGS } from '../training/config';
import { type Infer, type Schema, SchemaError } from '../training/schema';
import { CommandLineError, readCommandLine } from './commandLine';

const USAGE = `usage: gradlens train <cnn|gan|attention> [options]
  --preset P         cnn: seed, half, small, grey28, tiny; gan: mlp, small; attention: tiny, small, vit
  --dataset NAME     synthetic, digits, ring, reverse, sort, copy, mnist, fashion-mnist, cifar10
  --data-dir DIR     folder with the mnist / fashion-mnist / cifar10 files
  --download         fetch the dataset into --data-dir first (needs a network)
  --epochs N | --steps N   (--steps 0: evaluate the untrained model only)
  --batch-size B  --lr X  --weight-decay X  --seed S
  --train-limit N  --test-limit N   use only the first N examples
  --gan-loss minimax|non-saturating   --causal   --backend auto|fast|reference
  --runs-dir DIR     keep the run (config, metrics.jsonl, weights) under DIR
  --json             one JSON object per line: step, epoch and done events`;

export class UsageError extends Error {}

/** The flags of TRAIN_OPTIONS that set a TrainConfig field, and the field each sets. */
const FLAG_FIELDS = {
  preset: 'preset',
  dataset: 'dataset',
  'data-dir': 'dataDir',
  epochs: 'epochs',
  steps: 'steps',
  'batch-size': 'batchSize',
  lr: 'lr',
  'weight-decay': 'weightDecay',
  seed: 'seed',
  'train-limit': 'trainLimit',
  'test-limit': 'testLimit',
  'gan-loss': 'ganLoss',
  backend: 'backend',
} as const satisfies Record<string, keyof typeof SETTINGS>;

/**
 * A flag's value checked by its setting's own schema (training/config.ts), so that the
 * message names the flag: "--lr must be a number above 0, got 0".
 */
function setting<K extends keyof typeof SETTINGS>(
  field: K,
  flag: string,
  raw: string | undefined,
): Infer<(typeof SETTINGS)[K]> | undefined {
  if (raw === undefined) return undefined;
  const schema: Schema<unknown> = SETTINGS[field];
  const numeric = schema.expected.includes('number');
  // Decimal notation only: Number() would also take '0x10', '' and ' '.
  const value = numeric && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw) ? Number(raw) : raw;
  if (numeric && typeof value !== 'number') throw new UsageError(`--${flag} must be ${schema.expected}, got '${raw}'`);
  try {
    return schema.parse(value, `--${flag}`) as Infer<(typeof SETTINGS)[K]>;
  } catch (err) {
    throw err instanceof SchemaError ? new UsageError(err.message) : err;
  }
}

const fmt = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(1)}%`);

function describeMetrics(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${/accuracy|quality/i.test(k) ? pct(v) : Number.isInteger(v) ? String(v) : fmt(v)}`)
    .join(', ');
}

/** The options that choose a model and its hyperparameters, shared by `train` and `export`. */
export const TRAIN_OPTIONS = {
  preset: { type: 'string' },
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  download: { type: 'boolean' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  seed: { type: 'string' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
  'gan-loss': { type: 'string' },
  causal: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The TrainConfig that parsed TRAIN_OPTIONS and the model positional ask for; UsageError if malformed. */
export function configFromArgs(values: Record<string, string | boolean | undefined>, positionals: string[]): TrainConfig {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  if (positionals.length !== 1)
    throw new UsageError(positionals.length ? `expected one model, got ${positionals.join(' ')}` : 'which model? cnn, gan or attention');
  const model = positionals[0] as ModelKind;
  if (!MODEL_KINDS.includes(model)) throw new UsageError(`unknown model '${positionals[0]}'; choose one of ${MODEL_KINDS.join(', ')}`);
  if (str('epochs') !== undefined && str('steps') !== undefined) throw new UsageError('give --epochs or --steps, not both');
  const settings: Partial<TrainConfig> = {};
  for (const [flag, field] of Object.entries(FLAG_FIELDS)) {
    const value = setting(field, flag, str(flag));
    if (value !== undefined) Object.assign(settings, { [field]: value });
  }
  const config: TrainConfig = {
    model,
    ...settings,
    causal: values.causal as boolean | undefined,
    // Terminal output needs far fewer updates than the panel.
    eventIntervalMs: 500,
    sampleIntervalMs: 1e12,
  };
  if (config.dataset !== undefined) datasetInfo(config.dataset);
  return config;
}

export async function runTrain(argv: string[]): Promise<number> {
  let config: TrainConfig;
  let json = false;
  let runsDir: string | undefined;
  let download = false;
  try {
    const { values, positionals } = readCommandLine(argv, { ...TRAIN_OPTIONS, 'runs-dir': { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    config = configFromArgs(values, positionals);
    // Terminal output needs far fewer updates than the panel.
    config.eventIntervalMs = values.json ? 500 : 200;
    json = values.json ?? false;
    runsDir = values['runs-dir'];
    download = values.download ?? false;
  } catch (err) {
    if (err instanceof UsageError || err instanceof DatasetError || err instanceof CommandLineError) {
      console.error(`gradlens train: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }

  if (download) {
    const name = config.dataset ?? DEFAULT_DATASET[config.model];
    if (!(name in REMOTE_DATASETS)) {
      console.error(`gradlens train: --download works for ${Object.keys(REMOTE_DATASETS).join(', ')}, not '${name}'`);
      return 2;
    }
    if (!config.dataDir) {
      console.error('gradlens train: --download needs --data-dir (where to put the files)');
      return 2;
    }
    try {
      let lastShown = 0;
      config.dataDir = await downloadDataset(name as keyof typeof REMOTE_DATASETS, config.dataDir, {
        onProgress: (p) => {
          const now = Date.now();
          if (json || (now - lastShown < 500 && p.received < p.total)) return;
          lastShown = now;
          process.stderr.write(`downloading ${p.file}: ${(p.received / 1e6).toFixed(1)} / ${(p.total / 1e6).toFixed(1)} MB\r`);
        },
      });
      if (!json) process.stderr.write('\n');
    } catch (err) {
      console.error(`gradlens train: ${(err as Error).message}`);
      return 2;
    }
  }

  const interactive = !json && process.stdout.isTTY === true;
  let bar: Bar | null = null;
  let lastLine = 0;
  const onEvent = (e: TrainEvent): void => {
    if (json) {
      if (e.type === 'step') {
        console.log(
          JSON.stringify({
            event: 'step',
            step: e.step,
            totalSteps: e.totalSteps,
            epoch: e.epoch,
            loss: e.loss,
            ...e.metrics,
            throughput: e.throughput,
            elapsedMs: e.elapsedMs,
          }),
        );
      } else if (e.type === 'epoch') {
        console.log(JSON.stringify({ event: 'epoch', epoch: e.epoch, step: e.step, durationMs: e.durationMs, ...e.metrics }));
      } else if (e.type === 'done') {
        console.log(
          JSON.stringify({
            event: 'done',
            reason: e.reason,
            steps: e.step,
            epochs: e.epoch,
            elapsedMs: e.elapsedMs,
            runId: e.runId,
            ...e.metrics,
          }),
        );
      }
      return;
    }
    switch (e.type) {
      case 'started': {
        const c = e.config;
        console.log(
          `training ${c.model} (preset ${c.preset}, ${formatCount(e.summary.totalParams)} parameters) on ${e.dataset.name} ` +
            `(${formatCount(e.dataset.trainCount)} train${e.dataset.testCount ? ` / ${formatCount(e.dataset.testCount)} test` : ''}), ` +
            `${e.totalSteps} steps of ${c.batchSize}, lr ${c.lr}, seed ${c.seed}, backend ${e.backend.name}`,
        );
        if (interactive) {
          bar = new Bar(
            {
              format: ' {bar} {percentage}% | step {value}/{total} | loss {loss} | {extra} | {speed}/s | ETA {eta_formatted}',
              hideCursor: true,
            },
            Presets.shades_classic,
          );
          bar.start(e.totalSteps, 0, { loss: '-', extra: '', speed: '-' });
        }
        break;
      }
      case 'step': {
        const extra =
          e.metrics.accuracy !== undefined
            ? `acc ${pct(e.metrics.accuracy)}`
            : e.metrics.dReal !== undefined
              ? `D(x) ${fmt(e.metrics.dReal, 3)} D(G(z)) ${fmt(e.metrics.dFake, 3)}`
              : '';
        if (bar) bar.update(e.step, { loss: fmt(e.loss), extra, speed: e.throughput.toFixed(0) });
        else if (Date.now() - lastLine > 5000 || e.step === e.totalSteps) {
          lastLine = Date.now();
          console.log(`step ${e.step}/${e.totalSteps}  loss ${fmt(e.loss)}  ${extra}  ${e.throughput.toFixed(0)} examples/s`);
        }
        break;
      }
      case 'epoch': {
        const line = `epoch ${e.epoch} (${(e.durationMs / 1000).toFixed(1)} s): ${describeMetrics(e.metrics)}`;
        if (bar) {
          (bar as Bar).stop();
          console.log(line);
          (bar as Bar).start((bar as Bar).getTotal(), e.step);
        } else console.log(line);
        break;
      }
      case 'log':
        if (!bar) console.error(e.message);
        break;
      case 'done':
        (bar as Bar | null)?.stop();
        console.log(
          `${e.reason === 'completed' ? 'done' : 'stopped'} after ${e.step} steps in ${(e.elapsedMs / 1000).toFixed(1)} s: ${describeMetrics(e.metrics)}${e.runId ? `\nrun saved as ${e.runId} in ${runsDir}` : ''}`,
        );
        break;
      default:
        break;
    }
  };

  let trainer: Trainer | undefined;
  const onSigint = (): void => trainer?.stop();
  process.once('SIGINT', onSigint);
  try {
    trainer = new Trainer(config, { onEvent, store: runsDir ? new RunStore(runsDir) : undefined });
    await trainer.run();
    return 0;
  } catch (err) {
    (bar as Bar | null)?.stop();
    const msg = (err as Error).message;
    if (err instanceof DatasetError || err instanceof ConfigError) {
      console.error(`gradlens train: ${msg}`);
      return 2;
    }
    console.error(`gradlens train: ${msg}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/**
 * The one training loop for every model, free of Node APIs so it also runs in a browser
 * page (trainer.ts wires it to Node: file datasets, the fast CPU backend, the run store).
 * It builds the dataset and the model's task, steps it, and reports through `onEvent`:
 * a 'started' event, throttled 'step' events
 * (at most one per eventIntervalMs), 'samples' and 'attention' at a slower rate,
 * 'epoch' at each pass's end, 'state' on pause/resume/stop, and finally 'done' (or
 * 'error'). It yields to the event loop between steps, so pause(), resume() and stop()
 * take effect at the next step boundary. Same config and seed, same run.
 */
// Tensor methods (x.add, x.reshape...) are attached by this module.
import '../engine/methods';
import { Rng } from '../engine/rng';
import { getActiveBackend } from '../engine/backend';
import { checkDatasetForModel, DEFAULT_DATASET, generateDataset, type LoadOptions } from './datasets/catalog';
import { type Dataset, DatasetError } from './datasets/types';
import type { BackendChoice, DoneEvent, ResolvedConfig, RunState, TrainConfig, TrainEvent } from './events';
import { validateConfig } from './config';
import type { RunResult, WeightEntry } from './runStore';
import { GanTask } from './tasks/gan';
import { ImageClassifierTask } from './tasks/imageClassifier';
import { SequenceTask } from './tasks/sequence';
import { type TrainTask, weightEntries } from './tasks/task';
import { ConfigError } from './errors';

export { validateConfig };

/** Run length when neither epochs nor steps is given. */
export const DEFAULT_LENGTH: Record<TrainConfig['model'], { epochs?: number; steps?: number }> = {
  cnn: { epochs: 1 },
  gan: { steps: 2000 },
  attention: { steps: 600 },
};

export function createTask(config: TrainConfig, dataset: Dataset, rng: Rng): TrainTask {
  switch (config.model) {
    case 'cnn':
      if (dataset.kind !== 'image') throw new ConfigError(`the CNN trains on images; '${dataset.name}' is not an image dataset`);
      return new ImageClassifierTask(dataset, config, 'cnn', rng);
    case 'gan':
      if (dataset.kind === 'sequence') throw new ConfigError(`the GAN trains on points or images; '${dataset.name}' is a sequence task`);
      return new GanTask(dataset, config, rng);
    case 'attention':
      if (dataset.kind === 'sequence') return new SequenceTask(dataset, config, rng);
      if (dataset.kind === 'image') return new ImageClassifierTask(dataset, config, 'vit', rng);
      throw new ConfigError(`the attention model trains on sequences or images; '${dataset.name}' is neither`);
  }
}

export interface ResolvedRun {
  task: TrainTask;
  resolved: ResolvedConfig;
  totalSteps: number;
}

/**
 * The task (model with its initial weights, optimiser settings) and the config with every
 * default filled in, exactly as a run of `config` on `dataset` starts. The exporter uses it too.
 */
export function resolveRun(config: TrainConfig, dataset: Dataset): ResolvedRun {
  const seed = config.seed ?? 0;
  const rng = new Rng(seed);
  const task = createTask(config, dataset, rng);

  const length =
    config.steps !== undefined || config.epochs !== undefined
      ? { steps: config.steps, epochs: config.epochs }
      : DEFAULT_LENGTH[config.model];
  const totalSteps = length.steps ?? (length.epochs ?? 1) * task.stepsPerEpoch;
  const resolved: ResolvedConfig = {
    model: config.model,
    preset: task.preset,
    dataset: dataset.name,
    dataDir: config.dataDir ?? null,
    epochs: Math.ceil(totalSteps / task.stepsPerEpoch),
    steps: totalSteps,
    batchSize: task.batchSize,
    lr: task.lr,
    weightDecay: task.weightDecay,
    seed,
    trainLimit: config.trainLimit ?? null,
    testLimit: config.testLimit ?? null,
    ganLoss: config.ganLoss ?? 'minimax',
    causal: dataset.kind === 'sequence' ? dataset.causal : false,
    backend: config.backend ?? 'auto',
    eventIntervalMs: config.eventIntervalMs ?? 100,
    sampleIntervalMs: config.sampleIntervalMs ?? 1000,
  };
  return { task, resolved, totalSteps };
}

export interface BackendInfo {
  name: string;
  description: string;
  /** Said once as a 'log' event (e.g. why a fallback was taken). */
  note?: string;
}

/** Where a run's metrics, weights and result go as it trains (RunWriter in Node). */
export interface RunRecorder {
  readonly id: string;
  append(row: Record<string, unknown>): void;
  saveWeights(entries: WeightEntry[]): void;
  finish(status: RunResult['status'], metrics: Record<string, unknown>, error?: string): void;
}

export interface TrainLoopOptions {
  onEvent?: (e: TrainEvent) => void;
  /** Use this dataset instead of loading config.dataset (tests, a cache). */
  dataset?: Dataset;
  /** How to get a dataset by name (default: the generated sets only). */
  loadDataset?: (name: string, opts: LoadOptions) => Dataset;
  /** Put the float32 backend in place for `choice` and describe it (default: whatever is active). */
  selectBackend?: (choice: BackendChoice) => BackendInfo;
  /** Open a record for the run (default: none). */
  startRecord?: (config: Record<string, unknown>, label: string) => RunRecorder;
}

/** Yield to the event loop: setImmediate in Node, a zero timeout elsewhere. */
const nextTick: (f: () => void) => void = typeof setImmediate === 'function' ? (f) => setImmediate(f) : (f) => setTimeout(f, 0);

export class TrainLoop {
  private state: RunState = 'running';
  private wake: (() => void) | null = null;
  private stopRequested = false;
  readonly config: TrainConfig;

  constructor(
    config: TrainConfig,
    private readonly opts: TrainLoopOptions = {},
  ) {
    this.config = validateConfig(config);
  }

  get currentState(): RunState {
    return this.state;
  }

  pause(): void {
    if (this.state !== 'running' || this.stopRequested) return;
    this.state = 'paused';
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  private emit(e: TrainEvent): void {
    this.opts.onEvent?.(e);
  }

  /** Train to the end (or until stopped); resolves with the 'done' event. Errors reject after an 'error' event. */
  async run(): Promise<DoneEvent> {
    let writer: RunRecorder | null = null;
    try {
      return await this.runInner((w) => (writer = w));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      (writer as RunRecorder | null)?.finish('failed', {}, message);
      this.emit({ type: 'error', message });
      throw err;
    }
  }

  private async runInner(setWriter: (w: RunRecorder) => void): Promise<DoneEvent> {
    const config = this.config;
    const seed = config.seed ?? 0;
    const datasetName = config.dataset ?? this.opts.dataset?.name ?? DEFAULT_DATASET[config.model];
    checkDatasetForModel(datasetName, config.model);
    const active = getActiveBackend();
    const backend = this.opts.selectBackend?.(config.backend ?? 'auto') ?? { name: active.name, description: active.description };
    if (backend.note) this.emit({ type: 'log', message: backend.note });
    const load = this.opts.loadDataset ?? generateDataset;
    const dataset = this.opts.dataset ?? load(datasetName, { dataDir: config.dataDir, seed, causal: config.causal });
    if (dataset.name !== datasetName) throw new DatasetError(`dataset given is '${dataset.name}' but the config names '${datasetName}'`);
    const { task, resolved, totalSteps } = resolveRun(config, dataset);
    const writer = this.opts.startRecord?.({ ...resolved, backendName: backend.name }, `${config.model}-${dataset.name}`) ?? null;
    if (writer) setWriter(writer);
    const runId = writer?.id ?? null;
    this.emit({
      type: 'started',
      runId,
      config: resolved,
      backend: { name: backend.name, description: backend.description },
      dataset: task.dataset,
      summary: task.summary,
      totalSteps,
      stepsPerEpoch: task.stepsPerEpoch,
    });

    const started = Date.now();
    let lastStepEmit = -Infinity,
      lastSampleEmit = -Infinity;
    let pausedMs = 0;
    // Throughput over a sliding window of recent steps (examples, ms).
    const window: { t: number; n: number }[] = [];
    let epochStart = Date.now(),
      epochLoss = 0,
      epochSteps = 0;
    const epochMetricSums: Record<string, number> = {};
    let step = 0;
    let last = { loss: NaN, metrics: {} as Record<string, number> };

    const showSamples = (): void => {
      const samples = task.samples();
      if (samples) this.emit({ type: 'samples', step, samples });
      const attention = task.attention(step);
      if (attention) this.emit(attention);
    };

    while (step < totalSteps && !this.stopRequested) {
      if (this.state === 'paused') {
        this.emit({ type: 'state', state: 'paused', step });
        const pauseStart = Date.now();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        pausedMs += Date.now() - pauseStart;
        if (this.stopRequested) break;
        this.emit({ type: 'state', state: 'running', step });
        window.length = 0;
      }
      const t0 = Date.now();
      const result = task.step();
      step++;
      if (!Number.isFinite(result.loss))
        throw new Error(`training diverged: loss is ${result.loss} at step ${step}; try a smaller learning rate`);
      last = result;
      epochLoss += result.loss;
      epochSteps++;
      for (const [k, v] of Object.entries(result.metrics)) epochMetricSums[k] = (epochMetricSums[k] ?? 0) + v;
      const now = Date.now();
      window.push({ t: now, n: task.examplesPerStep });
      while (window.length > 2 && now - window[0].t > 3000) window.shift();
      const spanMs = Math.max(1, now - (window.length > 1 ? window[0].t : t0));
      const examples = window.length > 1 ? window.slice(1).reduce((s, w) => s + w.n, 0) : task.examplesPerStep;
      const throughput = (examples * 1000) / spanMs;
      const elapsedMs = now - started - pausedMs;
      const atEpochEnd = step % task.stepsPerEpoch === 0;
      const isLast = step === totalSteps;

      if (now - lastStepEmit >= (config.eventIntervalMs ?? 100) || isLast || step === 1 || atEpochEnd) {
        lastStepEmit = now;
        const ev: TrainEvent = {
          type: 'step',
          step,
          totalSteps,
          epoch: step / task.stepsPerEpoch,
          loss: result.loss,
          metrics: result.metrics,
          throughput,
          elapsedMs,
          etaMs: (elapsedMs / step) * (totalSteps - step),
        };
        writer?.append({ ...ev, metrics: undefined, ...result.metrics });
        this.emit(ev);
      }
      if (atEpochEnd || isLast) {
        const metrics: Record<string, number> = { trainLoss: epochLoss / epochSteps };
        for (const [k, v] of Object.entries(epochMetricSums)) metrics[`train${k[0].toUpperCase()}${k.slice(1)}`] = v / epochSteps;
        Object.assign(metrics, task.evaluate());
        const ev: TrainEvent = {
          type: 'epoch',
          epoch: Math.ceil(step / task.stepsPerEpoch),
          step,
          metrics,
          durationMs: Date.now() - epochStart,
        };
        writer?.append({ type: 'epoch', epoch: ev.epoch, step, durationMs: ev.durationMs, ...metrics });
        this.emit(ev);
        epochStart = Date.now();
        epochLoss = 0;
        epochSteps = 0;
        for (const k of Object.keys(epochMetricSums)) delete epochMetricSums[k];
      }
      if (Date.now() - lastSampleEmit >= (config.sampleIntervalMs ?? 1000) || isLast) {
        lastSampleEmit = Date.now();
        showSamples();
      }
      // Let messages (pause, stop) in between steps.
      await new Promise<void>((resolve) => nextTick(resolve));
    }

    const stopped = step < totalSteps;
    if (stopped) this.emit({ type: 'state', state: 'stopping', step });
    // After no step at all (--steps 0) there is no training loss, only the final evaluation.
    const metrics: Record<string, number> = { ...(step > 0 ? { loss: last.loss, ...last.metrics } : {}), ...task.finalMetrics() };
    const done: DoneEvent = {
      type: 'done',
      reason: stopped ? 'stopped' : 'completed',
      step,
      epoch: step / task.stepsPerEpoch,
      elapsedMs: Date.now() - started - pausedMs,
      metrics,
      runId,
    };
    if (writer) {
      writer.append({ type: 'done', reason: done.reason, step, elapsedMs: done.elapsedMs, ...metrics });
      writer.saveWeights(weightEntries(task.modules()));
      writer.finish(stopped ? 'stopped' : 'completed', metrics);
    }
    this.emit(done);
    return done;
  }
}

/**
 * The trainer's vocabulary: what a run is asked to do (TrainConfig), what it reports
 * (TrainEvent), and the messages between a host and the training worker. Everything
 * here is plain JSON (no typed arrays, no classes), so the same objects can cross a
 * worker_thread, the VS Code webview bridge, or a line of `--json` output unchanged.
 */
import type { ModelSummary } from './summary';

export type ModelKind = 'cnn' | 'gan' | 'attention';
export const MODEL_KINDS: readonly ModelKind[] = ['cnn', 'gan', 'attention'];

/** minimax: G descends mean log(1 - D(G(z))); non-saturating: G ascends mean log D(G(z)). */
export type GanLoss = 'minimax' | 'non-saturating';

/** Which float32 kernels to train on: the fast CPU backend when available, or the reference loops. */
export type BackendChoice = 'auto' | 'fast' | 'reference';

/** What a run is asked to do. Unset fields take the model's and preset's defaults. */
export interface TrainConfig {
  model: ModelKind;
  /** cnn: seed | half | small | tiny | grey28; gan: mlp | wide; attention: tiny | small | vit. */
  preset?: string;
  /** See datasets/registry.ts: synthetic, digits, ring, reverse, sort, copy, mnist, fashion-mnist, cifar10. */
  dataset?: string;
  /** Folder with the files of mnist / fashion-mnist / cifar10. */
  dataDir?: string;
  /** Run length: whole passes over the training set, or optimisation steps (steps wins). */
  epochs?: number;
  steps?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  seed?: number;
  /** Use only the first N training / test examples (quick runs on big datasets). */
  trainLimit?: number;
  testLimit?: number;
  /** GAN generator objective (default minimax). */
  ganLoss?: GanLoss;
  /** Attention on sequences: causal mask (default: false for reverse/sort, true for copy). */
  causal?: boolean;
  backend?: BackendChoice;
  /** Least time between two step events, in ms (default 100; 0 reports every step). */
  eventIntervalMs?: number;
  /** Least time between two samples / attention events, in ms (default 1000). */
  sampleIntervalMs?: number;
}

/** The config with every default filled in, as the run actually uses it. */
export interface ResolvedConfig extends Required<Omit<TrainConfig, 'dataDir' | 'steps' | 'epochs' | 'trainLimit' | 'testLimit' | 'causal'>> {
  dataDir: string | null;
  epochs: number;
  steps: number;
  trainLimit: number | null;
  testLimit: number | null;
  causal: boolean;
}

export interface DatasetDescription {
  name: string;
  kind: 'image' | 'points' | 'sequence';
  trainCount: number;
  testCount: number;
  /** Per-example input shape: [C, H, W], [2] or [T]. */
  inputShape: number[];
  classNames?: string[];
  tokenNames?: string[];
}

export interface StartedEvent {
  type: 'started';
  runId: string | null;
  config: ResolvedConfig;
  /** The float32 backend doing the work, e.g. { name: 'wasm-simd', description: '...' }. */
  backend: { name: string; description: string };
  dataset: DatasetDescription;
  summary: ModelSummary;
  totalSteps: number;
  stepsPerEpoch: number;
}

export interface StepEvent {
  type: 'step';
  step: number;
  totalSteps: number;
  /** Fractional epoch: 1.5 is half-way through the second pass. */
  epoch: number;
  /** The objective minimised (GAN: the discriminator's loss). */
  loss: number;
  /** Model-specific running values: accuracy (cnn, attention), lossG, dReal, dFake (gan)... */
  metrics: Record<string, number>;
  /** Training examples per second over the last few seconds. */
  throughput: number;
  elapsedMs: number;
  etaMs: number;
}

export interface EpochEvent {
  type: 'epoch';
  /** 1-based number of the pass just finished. */
  epoch: number;
  step: number;
  /** Averages over the epoch (trainLoss, trainAccuracy...) and validation (valLoss, valAccuracy...). */
  metrics: Record<string, number>;
  durationMs: number;
}

/** A small image as bytes, row-major, channels interleaved (1 = grey, 3 = RGB). */
export interface ImagePayload {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: number[];
}

export interface CnnSamples {
  kind: 'cnn';
  images: ImagePayload[];
  labels: number[];
  predictions: number[];
  /** Probability of the predicted class. */
  confidence: number[];
  classNames: string[];
  /** confusion[actual][predicted] over a validation slice. */
  confusion: number[][];
  /** First conv layer's filters as small images, scaled to 0..255 each. */
  filters: ImagePayload[];
}

export interface GanSamples {
  kind: 'gan';
  /** 2-D datasets: real and generated points, flat [x0, y0, x1, y1, ...]. */
  real?: number[];
  fake?: number[];
  /** 2-D datasets: D(x) = sigmoid(logit) on a size x size grid over [-extent, extent]^2, row 0 at y = -extent. */
  decisionMap?: { size: number; extent: number; values: number[] };
  /** Image datasets: generated images. */
  images?: ImagePayload[];
  dReal: number;
  dFake: number;
}

export interface SequenceSamples {
  kind: 'sequence';
  tokenNames: string[];
  examples: { input: number[]; target: number[]; predicted: number[] }[];
}

export type SamplesPayload = CnnSamples | GanSamples | SequenceSamples;

export interface SamplesEvent {
  type: 'samples';
  step: number;
  samples: SamplesPayload;
}

export interface AttentionEvent {
  type: 'attention';
  step: number;
  /** Axis labels: tokens of the sample, or patch numbers for the ViT. */
  tokens: string[];
  /** layers[l].heads[h][query][key]: each head's softmax weights on one sample. */
  layers: { heads: number[][][] }[];
  /** ViT: the image the weights belong to. */
  image?: ImagePayload;
  patchGrid?: [number, number];
}

export type RunState = 'running' | 'paused' | 'stopping';

export interface StateEvent {
  type: 'state';
  state: RunState;
  step: number;
}

export interface DoneEvent {
  type: 'done';
  reason: 'completed' | 'stopped';
  step: number;
  epoch: number;
  elapsedMs: number;
  /** Final figures: CNN testAccuracy and testLoss; attention testAccuracy and sequenceAccuracy; GAN dReal, dFake, modesCovered... */
  metrics: Record<string, number>;
  runId: string | null;
}

export interface ErrorEvent {
  type: 'error';
  message: string;
}

export interface LogEvent {
  type: 'log';
  message: string;
}

export type TrainEvent = StartedEvent | StepEvent | EpochEvent | SamplesEvent | AttentionEvent | StateEvent | DoneEvent | ErrorEvent | LogEvent;

/** Host -> training worker. */
export type WorkerRequest =
  /** Begin a run; `runsDir` (optional) is where the RunStore keeps it. */
  | { type: 'start'; config: TrainConfig; runsDir?: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** Training worker -> host: every TrainEvent, in order; 'done' or 'error' is the last. */
export type WorkerMessage = TrainEvent;

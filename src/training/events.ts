/**
 * The trainer's vocabulary: what a run is asked to do (TrainConfig, in config.ts), what it
 * reports (TrainEvent), and the messages between a host and the training worker.
 * Everything here is plain JSON (no typed arrays, no classes), so the same objects can
 * cross a worker_thread, the VS Code webview bridge, or a line of `--json` output unchanged.
 *
 * The events are schemas, so a host receiving them from a less trusted place (the panel's
 * page trains runs too) checks them against the same definition the types come from.
 * Times and figures are any finite numbers (a clock may step back); counts are whole.
 */
import { ModelSummarySchema } from './summary';
import { array, type Infer, nullable, number, object, oneOf, optional, pair, record, refine, text, variant, whole } from './schema';
import { ResolvedConfigSchema, type TrainConfig } from './config';

export * from './config';

const count = whole(0);
const figure = number();
const figures = record(figure);

export const DatasetDescriptionSchema = object({
  name: text(),
  kind: oneOf(['image', 'points', 'sequence']),
  trainCount: count,
  testCount: count,
  /** Per-example input shape: [C, H, W], [2] or [T]. */
  inputShape: array(count),
  classNames: optional(array(text({ empty: true }))),
  tokenNames: optional(array(text({ empty: true }))),
});
export type DatasetDescription = Infer<typeof DatasetDescriptionSchema>;

/** A small image as bytes, row-major, channels interleaved (1 = grey, 3 = RGB). */
const ImagePayloadSchema = refine(
  object({ width: whole(1), height: whole(1), channels: oneOf([1, 3]), pixels: array(whole(0, 255)) }),
  (im) =>
    im.pixels.length === im.width * im.height * im.channels
      ? null
      : `a ${im.width}x${im.height}x${im.channels} image needs ${im.width * im.height * im.channels} pixel values, got ${im.pixels.length}`,
);
export type ImagePayload = Infer<typeof ImagePayloadSchema>;

const SamplesPayloadSchema = variant('kind', {
  cnn: {
    images: array(ImagePayloadSchema),
    labels: array(count),
    predictions: array(count),
    /** Probability of the predicted class. */
    confidence: array(figure),
    classNames: array(text({ empty: true })),
    /** confusion[actual][predicted] over a validation slice. */
    confusion: array(array(count)),
    /** First conv layer's filters as small images, scaled to 0..255 each. */
    filters: array(ImagePayloadSchema),
  },
  gan: {
    /** 2-D datasets: real and generated points, flat [x0, y0, x1, y1, ...]. */
    real: optional(array(figure)),
    fake: optional(array(figure)),
    /** 2-D datasets: D(x) = sigmoid(logit) on a size x size grid over [-extent, extent]^2, row 0 at y = -extent. */
    decisionMap: optional(object({ size: whole(1), extent: figure, values: array(figure) })),
    /** Image datasets: generated images. */
    images: optional(array(ImagePayloadSchema)),
    dReal: figure,
    dFake: figure,
  },
  sequence: {
    tokenNames: array(text({ empty: true })),
    // Targets hold the ignore marker (-1) where a position is not scored.
    examples: array(object({ input: array(figure), target: array(figure), predicted: array(figure) })),
  },
});
export type SamplesPayload = Infer<typeof SamplesPayloadSchema>;
export type CnnSamples = Extract<SamplesPayload, { kind: 'cnn' }>;
export type GanSamples = Extract<SamplesPayload, { kind: 'gan' }>;
export type SequenceSamples = Extract<SamplesPayload, { kind: 'sequence' }>;

export const RUN_STATES = ['running', 'paused', 'stopping'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const TrainEventSchema = variant('type', {
  started: {
    runId: nullable(text()),
    config: ResolvedConfigSchema,
    /** The float32 backend doing the work, e.g. { name: 'wasm-simd', description: '...' }. */
    backend: object({ name: text(), description: text({ empty: true }) }),
    dataset: DatasetDescriptionSchema,
    summary: ModelSummarySchema,
    totalSteps: count,
    stepsPerEpoch: whole(1),
  },
  step: {
    step: count,
    totalSteps: count,
    /** Fractional epoch: 1.5 is half-way through the second pass. */
    epoch: figure,
    /** The objective minimised (GAN: the discriminator's loss). */
    loss: figure,
    /** Model-specific running values: accuracy (cnn, attention), lossG, dReal, dFake (gan)... */
    metrics: figures,
    /** Training examples per second over the last few seconds. */
    throughput: figure,
    elapsedMs: figure,
    etaMs: figure,
  },
  epoch: {
    /** 1-based number of the pass just finished. */
    epoch: count,
    step: count,
    /** Averages over the epoch (trainLoss, trainAccuracy...) and validation (valLoss, valAccuracy...). */
    metrics: figures,
    durationMs: figure,
  },
  samples: { step: count, samples: SamplesPayloadSchema },
  attention: {
    step: count,
    /** Axis labels: tokens of the sample, or patch numbers for the ViT. */
    tokens: array(text({ empty: true })),
    /** layers[l].heads[h][query][key]: each head's softmax weights on one sample. */
    layers: array(object({ heads: array(array(array(figure))) })),
    /** ViT: the image the weights belong to. */
    image: optional(ImagePayloadSchema),
    patchGrid: optional(pair(whole(1))),
  },
  state: { state: oneOf(RUN_STATES), step: count },
  done: {
    reason: oneOf(['completed', 'stopped']),
    step: count,
    epoch: figure,
    elapsedMs: figure,
    /** Final figures: CNN testAccuracy and testLoss; attention testAccuracy and sequenceAccuracy; GAN dReal, dFake, modesCovered... */
    metrics: figures,
    runId: nullable(text()),
  },
  error: { message: text({ empty: true }) },
  log: { message: text({ empty: true }) },
});
export type TrainEvent = Infer<typeof TrainEventSchema>;
export type StartedEvent = Extract<TrainEvent, { type: 'started' }>;
export type StepEvent = Extract<TrainEvent, { type: 'step' }>;
export type EpochEvent = Extract<TrainEvent, { type: 'epoch' }>;
export type SamplesEvent = Extract<TrainEvent, { type: 'samples' }>;
export type AttentionEvent = Extract<TrainEvent, { type: 'attention' }>;
export type StateEvent = Extract<TrainEvent, { type: 'state' }>;
export type DoneEvent = Extract<TrainEvent, { type: 'done' }>;
export type ErrorEvent = Extract<TrainEvent, { type: 'error' }>;
export type LogEvent = Extract<TrainEvent, { type: 'log' }>;

/** Host -> training worker. */
export type WorkerRequest =
  /** Begin a run; `runsDir` (optional) is where the RunStore keeps it. */
  { type: 'start'; config: TrainConfig; runsDir?: string } | { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

/** Training worker -> host: every TrainEvent, in order; 'done' or 'error' is the last. */
export type WorkerMessage = TrainEvent;

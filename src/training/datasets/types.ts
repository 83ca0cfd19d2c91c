/**
 * What the trainer needs from a dataset. Images are kept as bytes (0..255, NCHW per
 * image) and turned into normalised float32 batches only when a batch is drawn, so a
 * full MNIST or CIFAR-10 costs its file size in memory, not four times that.
 */
export interface ImageSplit {
  /** count * channels * height * width bytes, one image after another, channel-major. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface ImageDataset {
  kind: 'image';
  name: string;
  channels: number;
  height: number;
  width: number;
  classNames: string[];
  train: ImageSplit;
  test: ImageSplit;
  /** Per-channel mean and std of pixel/255, used to normalise batches. */
  mean: number[];
  std: number[];
}

/** A 2-D point distribution the GAN learns (the ring of Gaussians). */
export interface PointDataset {
  kind: 'points';
  name: string;
  /** Fixed pool of real points [count, 2], drawn once from the seed. */
  points: Float32Array;
  count: number;
  /** The mixture's component centres, for measuring mode coverage. */
  centres: [number, number][];
  /** Standard deviation of each component. */
  spread: number;
  /** The square region [-extent, extent]^2 used for plots and decision maps. */
  extent: number;
}

export interface SequenceSplit {
  /** count * length token ids. */
  inputs: Int32Array;
  /** count * length target ids; IGNORE_TARGET where a position is not scored. */
  targets: Int32Array;
  count: number;
}

/** A synthetic sequence-to-sequence task laid out for a single transformer stack. */
export interface SequenceDataset {
  kind: 'sequence';
  name: string;
  task: SequenceTaskName;
  /** Tokens 0..vocabSize-1; the last few are special (see tokenNames). */
  vocabSize: number;
  /** Sequence length the model sees (input plus any separator and answer). */
  length: number;
  /** Whether the layout assumes a causal (left-to-right) model. */
  causal: boolean;
  tokenNames: string[];
  train: SequenceSplit;
  test: SequenceSplit;
}

export type SequenceTaskName = 'reverse' | 'sort' | 'copy';
export const IGNORE_TARGET = -1;

export type Dataset = ImageDataset | PointDataset | SequenceDataset;

/** A dataset file or folder that cannot be used; the message names the file and the fault. */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

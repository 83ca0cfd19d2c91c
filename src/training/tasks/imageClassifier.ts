/**
 * Image classification, for the CNN and the tiny ViT: softmax cross-entropy on
 * labelled images, Adam with weight decay, accuracy per step, validation each epoch,
 * test accuracy at the end; samples with predictions, a confusion matrix and (CNN) the
 * first layer's filters; (ViT) per-head attention over the patches.
 */
import type { Rng } from '../../engine/rng';
import { noGrad, type Tensor } from '../../engine/tensor';
import type { Module } from '../../engine/nn/module';
import { Adam } from '../../engine/optim';
import { crossEntropy } from '../../engine/functional/losses';
import { softmax } from '../../engine/functional/softmax';
import { argmaxRows, floatImagePayload, imageBatch, imagePayload, labelsOf } from '../datasets/batches';
import type { ImageDataset, ImageSplit } from '../datasets/types';
import type { AttentionEvent, CnnSamples, DatasetDescription, TrainConfig } from '../events';
import { buildCnn } from '../models/cnn';
import { cnnPreset, defaultCnnPreset } from '../models/cnnPresets';
import { attentionPreset, TinyViT, vitSummary } from '../models/attention';
import type { Conv2d } from '../../engine/nn/conv';
import type { ModelSummary } from '../summary';
import { type PresetDefaults, type StepResult, TrainTask } from './task';

const EVAL_BATCH = 250;
/** Validation at each epoch's end uses at most this many test images (the final test uses all). */
const VALIDATION_LIMIT = 2000;

function limitSplit(split: ImageSplit, limit: number | null, imageSize: number): ImageSplit {
  if (limit === null || limit >= split.count) return split;
  return { pixels: split.pixels.subarray(0, limit * imageSize), labels: split.labels.subarray(0, limit), count: limit };
}

export function describeImageDataset(ds: ImageDataset, train: ImageSplit, test: ImageSplit): DatasetDescription {
  return {
    name: ds.name,
    kind: 'image',
    trainCount: train.count,
    testCount: test.count,
    inputShape: [ds.channels, ds.height, ds.width],
    classNames: ds.classNames,
  };
}

/** The network `kind` names, with its preset's defaults, its weights drawn from `initRng`. */
function buildClassifier(
  kind: 'cnn' | 'vit',
  config: TrainConfig,
  input: number[],
  classes: number,
  initRng: Rng,
): {
  net: Module;
  firstConv: Conv2d | null;
  vit: TinyViT | null;
  summary: ModelSummary;
  preset: PresetDefaults;
} {
  if (kind === 'cnn') {
    const preset = cnnPreset(config.preset ?? defaultCnnPreset(input));
    const model = buildCnn(preset, input, classes, initRng);
    return { net: model.net, firstConv: model.firstConv, vit: null, summary: model.summary, preset };
  }
  const preset = attentionPreset(config.preset ?? 'vit');
  const vit = new TinyViT(input, classes, preset, initRng);
  return { net: vit, firstConv: null, vit, summary: vitSummary(input, classes, preset), preset };
}

export class ImageClassifierTask extends TrainTask {
  override readonly summary: ModelSummary;
  override readonly dataset: DatasetDescription;
  private readonly net: Module;
  private readonly firstConv: Conv2d | null;
  private readonly vit: TinyViT | null;
  private readonly optimizer: Adam;
  private readonly train: ImageSplit;
  private readonly test: ImageSplit;
  private readonly classes: number;
  private confusion: number[][];

  constructor(
    private readonly ds: ImageDataset,
    config: TrainConfig,
    kind: 'cnn' | 'vit',
    rng: Rng,
  ) {
    const input = [ds.channels, ds.height, ds.width];
    const imageSize = ds.channels * ds.height * ds.width;
    const train = limitSplit(ds.train, config.trainLimit ?? null, imageSize);
    const built = buildClassifier(kind, config, input, ds.classNames.length, rng.fork());
    built.net.setRng(rng.fork());
    super(config, built.preset, train.count, rng);
    this.train = train;
    this.test = limitSplit(ds.test, config.testLimit ?? null, imageSize);
    this.classes = ds.classNames.length;
    this.net = built.net;
    this.firstConv = built.firstConv;
    this.vit = built.vit;
    this.summary = built.summary;
    this.optimizer = new Adam(this.net.parameters(), { lr: this.lr, weightDecay: this.weightDecay });
    this.dataset = describeImageDataset(ds, this.train, this.test);
    this.confusion = this.emptyConfusion();
  }

  private emptyConfusion(): number[][] {
    return Array.from({ length: this.classes }, () => new Array<number>(this.classes).fill(0));
  }

  override step(): StepResult {
    const idx = this.sampler.next();
    const labels = labelsOf(this.train, idx);
    this.net.train();
    const logits = this.net.forward(imageBatch(this.ds, this.train, idx));
    const loss = crossEntropy(logits, labels);
    this.optimizer.zeroGrad();
    loss.backward();
    this.optimizer.step();
    const pred = argmaxRows(logits.data, idx.length, this.classes);
    let correct = 0;
    for (let i = 0; i < idx.length; i++) if (pred[i] === labels[i]) correct++;
    return { loss: loss.item(), metrics: { accuracy: correct / idx.length } };
  }

  /** Loss and accuracy over the first `limit` test images, filling the confusion matrix. */
  private measure(limit: number): { loss: number; accuracy: number } {
    this.net.eval();
    const n = Math.min(limit, this.test.count);
    const confusion = this.emptyConfusion();
    let lossSum = 0,
      correct = 0;
    noGrad(() => {
      for (let start = 0; start < n; start += EVAL_BATCH) {
        const idx = Int32Array.from({ length: Math.min(EVAL_BATCH, n - start) }, (_, i) => start + i);
        const labels = labelsOf(this.test, idx);
        const logits = this.net.forward(imageBatch(this.ds, this.test, idx));
        lossSum += crossEntropy(logits, labels).item() * idx.length;
        const pred = argmaxRows(logits.data, idx.length, this.classes);
        for (let i = 0; i < idx.length; i++) {
          confusion[labels[i]][pred[i]]++;
          if (pred[i] === labels[i]) correct++;
        }
      }
    });
    this.confusion = confusion;
    return { loss: n ? lossSum / n : NaN, accuracy: n ? correct / n : NaN };
  }

  override evaluate(): Record<string, number> {
    const { loss, accuracy } = this.measure(VALIDATION_LIMIT);
    return { valLoss: loss, valAccuracy: accuracy };
  }

  override finalMetrics(): Record<string, number> {
    const { loss, accuracy } = this.measure(this.test.count);
    return { testLoss: loss, testAccuracy: accuracy };
  }

  override samples(): CnnSamples {
    const count = Math.min(8, this.test.count);
    const idx = Int32Array.from({ length: count }, (_, i) => Math.floor((i * this.test.count) / count));
    this.net.eval();
    const probs = noGrad(() => softmax(this.net.forward(imageBatch(this.ds, this.test, idx)), -1));
    const pred = argmaxRows(probs.data, count, this.classes);
    const filters = [];
    if (this.firstConv) {
      const w = this.firstConv.weight;
      const [outC, inC, k] = w.shape;
      for (let f = 0; f < Math.min(outC, 32); f++) filters.push(floatImagePayload(w.data, f * inC * k * k, inC, k, k));
    }
    return {
      kind: 'cnn',
      images: Array.from(idx, (i) => imagePayload(this.ds, this.test, i)),
      labels: labelsOf(this.test, idx),
      predictions: Array.from(pred),
      confidence: Array.from(pred, (p, i) => probs.data[i * this.classes + p]),
      classNames: this.ds.classNames,
      confusion: this.confusion,
      filters,
    };
  }

  override attention(step: number): AttentionEvent | null {
    if (!this.vit) return null;
    const vit = this.vit;
    const idx = Int32Array.of(0);
    vit.eval();
    for (const b of vit.blocks) b.attn.keepWeights = true;
    try {
      noGrad(() => vit.forward(imageBatch(this.ds, this.test, idx)));
    } finally {
      for (const b of vit.blocks) b.attn.keepWeights = false;
    }
    const grid = this.ds.height / vit.patch;
    return {
      type: 'attention',
      step,
      tokens: Array.from({ length: grid * grid }, (_, i) => `p${i}`),
      layers: vit.blocks.map((b) => ({ heads: headsOf(b.attn.lastWeights!) })),
      image: imagePayload(this.ds, this.test, 0),
      patchGrid: [grid, grid],
    };
  }

  override modules(): Record<string, Module> {
    return { model: this.net };
  }
}

/** Weights [1, H, T, T] of one example as nested arrays per head. */
export function headsOf(w: Tensor): number[][][] {
  const [, h, t, s] = w.shape;
  const out: number[][][] = [];
  for (let k = 0; k < h; k++) {
    const head: number[][] = [];
    for (let i = 0; i < t; i++) head.push(Array.from(w.data.subarray((k * t + i) * s, (k * t + i + 1) * s)));
    out.push(head);
  }
  return out;
}

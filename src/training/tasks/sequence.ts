/**
 * The transformer on a sequence task: cross-entropy over the scored positions only,
 * token accuracy per step, token and whole-sequence accuracy on the test set, and each
 * head's attention weights on a test example.
 */
// Tensor methods (x.add, x.reshape...) are attached by this module.
import '../../engine/methods';
import type { Rng } from '../../engine/rng';
import { noGrad } from '../../engine/tensor';
import type { Module } from '../../engine/nn/module';
import { Adam } from '../../engine/optim';
import { crossEntropy } from '../../engine/functional/losses';
import { argmaxRows, sequenceBatch } from '../datasets/batches';
import { IGNORE_TARGET, type SequenceDataset, type SequenceSplit } from '../datasets/types';
import type { AttentionEvent, DatasetDescription, SequenceSamples, TrainConfig } from '../events';
import { attentionPreset, SequenceTransformer, sequenceSummary } from '../models/attention';
import type { ModelSummary } from '../summary';
import { headsOf } from './imageClassifier';
import { type StepResult, TrainTask } from './task';

const EVAL_BATCH = 100;

function limitSplit(split: SequenceSplit, limit: number | null, length: number): SequenceSplit {
  if (limit === null || limit >= split.count) return split;
  return { inputs: split.inputs.subarray(0, limit * length), targets: split.targets.subarray(0, limit * length), count: limit };
}

export class SequenceTask extends TrainTask {
  override readonly summary: ModelSummary;
  override readonly dataset: DatasetDescription;
  private readonly model: SequenceTransformer;
  private readonly optimizer: Adam;
  private readonly train: SequenceSplit;
  private readonly test: SequenceSplit;

  constructor(
    private readonly ds: SequenceDataset,
    config: TrainConfig,
    rng: Rng,
  ) {
    const preset = attentionPreset(config.preset ?? 'small');
    const model = new SequenceTransformer(ds.vocabSize, ds.length, preset, ds.causal, rng.fork());
    const train = limitSplit(ds.train, config.trainLimit ?? null, ds.length);
    super(config, preset, train.count, rng);
    this.model = model;
    this.summary = sequenceSummary(ds.vocabSize, ds.length, preset, ds.causal);
    this.optimizer = new Adam(model.parameters(), { lr: this.lr, weightDecay: this.weightDecay });
    this.train = train;
    this.test = limitSplit(ds.test, config.testLimit ?? null, ds.length);
    this.dataset = {
      name: ds.name,
      kind: 'sequence',
      trainCount: this.train.count,
      testCount: this.test.count,
      inputShape: [ds.length],
      tokenNames: ds.tokenNames,
    };
  }

  /** Rows of the flattened [B*T, vocab] logits that are scored, and their targets. */
  private scored(targets: Int32Array): { rows: number[]; labels: number[] } {
    const rows: number[] = [],
      labels: number[] = [];
    targets.forEach((t, i) => {
      if (t !== IGNORE_TARGET) {
        rows.push(i);
        labels.push(t);
      }
    });
    return { rows, labels };
  }

  override step(): StepResult {
    const idx = this.sampler.next();
    const { ids, targets } = sequenceBatch(this.train, this.ds.length, idx);
    const { rows, labels } = this.scored(targets);
    this.model.train();
    const logits = this.model
      .forward(ids)
      .reshape([idx.length * this.ds.length, this.ds.vocabSize])
      .indexSelect(rows);
    const loss = crossEntropy(logits, labels);
    this.optimizer.zeroGrad();
    loss.backward();
    this.optimizer.step();
    const pred = argmaxRows(logits.data, rows.length, this.ds.vocabSize);
    let correct = 0;
    for (let i = 0; i < rows.length; i++) if (pred[i] === labels[i]) correct++;
    return { loss: loss.item(), metrics: { accuracy: correct / rows.length } };
  }

  /** Predicted token at every position of the given test examples. */
  private predict(idx: Int32Array): { pred: Int32Array; targets: Int32Array; loss: number; scoredCount: number } {
    const { ids, targets } = sequenceBatch(this.test, this.ds.length, idx);
    this.model.eval();
    return noGrad(() => {
      const logits = this.model.forward(ids).reshape([idx.length * this.ds.length, this.ds.vocabSize]);
      const { rows, labels } = this.scored(targets);
      const loss = crossEntropy(logits.indexSelect(rows), labels).item();
      return { pred: argmaxRows(logits.data, idx.length * this.ds.length, this.ds.vocabSize), targets, loss, scoredCount: rows.length };
    });
  }

  private measure(): Record<string, number> {
    let tokens = 0,
      tokenHits = 0,
      seqHits = 0,
      lossSum = 0;
    const T = this.ds.length;
    for (let start = 0; start < this.test.count; start += EVAL_BATCH) {
      const idx = Int32Array.from({ length: Math.min(EVAL_BATCH, this.test.count - start) }, (_, i) => start + i);
      const { pred, targets, loss, scoredCount } = this.predict(idx);
      lossSum += loss * scoredCount;
      for (let b = 0; b < idx.length; b++) {
        let all = true;
        for (let t = 0; t < T; t++) {
          const want = targets[b * T + t];
          if (want === IGNORE_TARGET) continue;
          tokens++;
          if (pred[b * T + t] === want) tokenHits++;
          else all = false;
        }
        if (all) seqHits++;
      }
    }
    return {
      loss: tokens ? lossSum / tokens : NaN,
      accuracy: tokens ? tokenHits / tokens : NaN,
      sequenceAccuracy: this.test.count ? seqHits / this.test.count : NaN,
    };
  }

  override evaluate(): Record<string, number> {
    const m = this.measure();
    return { valLoss: m.loss, valAccuracy: m.accuracy, valSequenceAccuracy: m.sequenceAccuracy };
  }

  override finalMetrics(): Record<string, number> {
    const m = this.measure();
    return { testLoss: m.loss, testAccuracy: m.accuracy, sequenceAccuracy: m.sequenceAccuracy };
  }

  override samples(): SequenceSamples {
    const count = Math.min(4, this.test.count);
    const idx = Int32Array.from({ length: count }, (_, i) => i);
    const { pred, targets } = this.predict(idx);
    const T = this.ds.length;
    return {
      kind: 'sequence',
      tokenNames: this.ds.tokenNames,
      examples: Array.from(idx, (i, b) => ({
        input: Array.from(this.test.inputs.subarray(i * T, (i + 1) * T)),
        target: Array.from(targets.subarray(b * T, (b + 1) * T)),
        predicted: Array.from(pred.subarray(b * T, (b + 1) * T)),
      })),
    };
  }

  override attention(step: number): AttentionEvent {
    const { ids } = sequenceBatch(this.test, this.ds.length, Int32Array.of(0));
    this.model.eval();
    for (const b of this.model.blocks) b.attn.keepWeights = true;
    try {
      noGrad(() => this.model.forward(ids));
    } finally {
      for (const b of this.model.blocks) b.attn.keepWeights = false;
    }
    return {
      type: 'attention',
      step,
      tokens: Array.from(ids.data, (t) => this.ds.tokenNames[t]),
      layers: this.model.blocks.map((b) => ({ heads: headsOf(b.attn.lastWeights!) })),
    };
  }

  override modules(): Record<string, Module> {
    return { model: this.model };
  }
}

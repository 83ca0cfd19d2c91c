/**
 * GAN training with the minimax objective
 *   L(D, G) = mean[log D(x)] + mean[log(1 - D(G(z)))],  D(x) = sigmoid(logit(x)).
 * The discriminator ascends L: it minimises BCE(logit(x), 1) + BCE(logit(G(z)), 0) = -L,
 * whose gradient at a logit is D(x) - 1 for real samples and D(G(z)) for fake ones
 * (the ascent direction 1 - D(x) and -D(G(z)) of the course's notes).
 * The generator descends L: minimax minimises mean log(1 - D(G(z))) = -BCE(logit, 0);
 * the non-saturating setting instead minimises BCE(logit, 1) = -mean log D(G(z)), which
 * keeps its gradient alive while D still rejects the fakes.
 *
 * A GAN has no test set, so its "test" figures are measured on a fixed evaluation batch
 * that an exported PyTorch script can reproduce exactly: the first n real samples of the
 * training pool and n latent vectors from a fixed seed (ganEvalNoise, written next to the
 * script). testLoss is D's loss there, BCE(logit(x), 1) + BCE(logit(G(z)), 0); testLossG is
 * G's loss by the run's objective; testAccuracy is D's share of right calls (logit > 0 on
 * real, < 0 on fake) over the 2n samples.
 */
// Tensor methods (x.add, x.reshape...) are attached by this module.
import '../../engine/methods';
import { Rng } from '../../engine/rng';
import { noGrad, Tensor } from '../../engine/tensor';
import { full } from '../../engine/creation';
import type { Module } from '../../engine/nn/module';
import { Adam } from '../../engine/optim';
import { binaryCrossEntropyWithLogits } from '../../engine/functional/losses';
import { floatImagePayload, imageBatch } from '../datasets/batches';
import { ringCoverage } from '../datasets/ring';
import type { ImageDataset, PointDataset } from '../datasets/types';
import type { DatasetDescription, GanLoss, GanSamples, TrainConfig } from '../events';
import { buildGan, ganPreset, type GanModel } from '../models/gan';
import type { ModelSummary } from '../summary';
import { type StepResult, TrainTask } from './task';

const DECISION_GRID = 48;
/** Size of the fixed evaluation batch (fewer when the training pool is smaller). */
export const GAN_EVAL_COUNT = 512;
const GAN_EVAL_SEED = 7;

/** The latent vectors of the evaluation batch, [count, latent] flat: the same for every run. */
export function ganEvalNoise(latent: number, count: number): Float32Array {
  const rng = new Rng(GAN_EVAL_SEED);
  const z = new Float32Array(count * latent);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  return z;
}

function sigmoidMean(logits: Tensor): number {
  let s = 0;
  for (let i = 0; i < logits.size; i++) s += 1 / (1 + Math.exp(-logits.data[i]));
  return s / logits.size;
}

export class GanTask extends TrainTask {
  override readonly summary: ModelSummary;
  override readonly dataset: DatasetDescription;
  readonly loss: GanLoss;
  private readonly model: GanModel;
  private readonly optD: Adam;
  private readonly optG: Adam;
  private readonly noiseRng: Rng;
  private readonly count: number;
  private lastDReal = 0.5;
  private lastDFake = 0.5;

  constructor(
    private readonly ds: PointDataset | ImageDataset,
    config: TrainConfig,
    rng: Rng,
  ) {
    const preset = ganPreset(config.preset ?? 'mlp');
    const images = ds.kind === 'image';
    const sampleSize = images ? ds.channels * ds.height * ds.width : 2;
    const model = buildGan(preset, sampleSize, images, rng.fork());
    const count = Math.min(config.trainLimit ?? Infinity, images ? ds.train.count : ds.count);
    super(config, preset, count, rng);
    this.model = model;
    this.count = count;
    this.summary = model.summary;
    this.loss = config.ganLoss ?? 'minimax';
    // β1 = 0.5, the usual GAN setting: less momentum keeps the two players from overshooting.
    this.optD = new Adam(model.discriminator.parameters(), { lr: this.lr, betas: [0.5, 0.999], weightDecay: this.weightDecay });
    this.optG = new Adam(model.generator.parameters(), { lr: this.lr, betas: [0.5, 0.999], weightDecay: this.weightDecay });
    this.noiseRng = rng.fork();
    this.dataset = images
      ? {
          name: ds.name,
          kind: 'image',
          trainCount: this.count,
          testCount: 0,
          inputShape: [ds.channels, ds.height, ds.width],
          classNames: ds.classNames,
        }
      : { name: ds.name, kind: 'points', trainCount: this.count, testCount: 0, inputShape: [2] };
  }

  private realBatch(idx: Int32Array): Tensor {
    if (this.ds.kind === 'image') return imageBatch(this.ds, this.ds.train, idx, 'tanh').reshape([idx.length, this.model.sampleSize]);
    const out = new Float32Array(idx.length * 2);
    for (let i = 0; i < idx.length; i++) {
      out[2 * i] = this.ds.points[2 * idx[i]];
      out[2 * i + 1] = this.ds.points[2 * idx[i] + 1];
    }
    return new Tensor(out, [idx.length, 2], 'float32');
  }

  private noise(n: number): Tensor {
    const z = new Float32Array(n * this.model.latent);
    for (let i = 0; i < z.length; i++) z[i] = this.noiseRng.normal();
    return new Tensor(z, [n, this.model.latent], 'float32');
  }

  override step(): StepResult {
    const { generator: G, discriminator: D } = this.model;
    const idx = this.sampler.next();
    const n = idx.length;
    const ones = full([n, 1], 1, { dtype: 'float32' });
    const zeros = full([n, 1], 0, { dtype: 'float32' });

    // Discriminator: minimise -L on real data and on fakes cut from G's graph.
    const fake = noGrad(() => G.forward(this.noise(n)));
    const logitReal = D.forward(this.realBatch(idx));
    const logitFake = D.forward(fake);
    const lossD = binaryCrossEntropyWithLogits(logitReal, ones).add(binaryCrossEntropyWithLogits(logitFake, zeros));
    this.optD.zeroGrad();
    lossD.backward();
    this.optD.step();

    // Generator: through D (whose gradients from this pass are discarded at its next zeroGrad).
    const logitGen = D.forward(G.forward(this.noise(n)));
    const lossG =
      this.loss === 'minimax' ? binaryCrossEntropyWithLogits(logitGen, zeros).neg() : binaryCrossEntropyWithLogits(logitGen, ones);
    this.optG.zeroGrad();
    lossG.backward();
    this.optG.step();

    this.lastDReal = sigmoidMean(logitReal);
    this.lastDFake = sigmoidMean(logitFake);
    const lD = lossD.item();
    return { loss: lD, metrics: { lossG: lossG.item(), objective: -lD, dReal: this.lastDReal, dFake: this.lastDFake } };
  }

  /** Generated samples, [n, sampleSize] flat. */
  private generate(n: number): Float32Array {
    this.model.generator.eval();
    try {
      return noGrad(() => this.model.generator.forward(this.noise(n))).data as Float32Array;
    } finally {
      this.model.generator.train();
    }
  }

  override evaluate(): Record<string, number> {
    const out: Record<string, number> = { dReal: this.lastDReal, dFake: this.lastDFake };
    if (this.ds.kind === 'points') {
      const { quality, modesCovered } = ringCoverage(this.ds, this.generate(2000));
      out.quality = quality;
      out.modesCovered = modesCovered;
    }
    return out;
  }

  override finalMetrics(): Record<string, number> {
    return { ...this.evaluate(), ...this.evalBatchMetrics() };
  }

  /** D's and G's losses and D's accuracy on the fixed evaluation batch (see the file's comment). */
  private evalBatchMetrics(): Record<string, number> {
    const { generator: G, discriminator: D, latent } = this.model;
    const n = Math.min(GAN_EVAL_COUNT, this.count);
    if (n === 0) return {};
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const ones = full([n, 1], 1, { dtype: 'float32' });
    const zeros = full([n, 1], 0, { dtype: 'float32' });
    G.eval();
    D.eval();
    try {
      return noGrad(() => {
        const logitReal = D.forward(this.realBatch(idx));
        const logitFake = D.forward(G.forward(new Tensor(ganEvalNoise(latent, n), [n, latent], 'float32')));
        const lossD = binaryCrossEntropyWithLogits(logitReal, ones).item() + binaryCrossEntropyWithLogits(logitFake, zeros).item();
        const lossG =
          this.loss === 'minimax'
            ? -binaryCrossEntropyWithLogits(logitFake, zeros).item()
            : binaryCrossEntropyWithLogits(logitFake, ones).item();
        let right = 0;
        for (let i = 0; i < n; i++) right += (logitReal.data[i] > 0 ? 1 : 0) + (logitFake.data[i] < 0 ? 1 : 0);
        return { testLoss: lossD, testLossG: lossG, testAccuracy: right / (2 * n) };
      });
    } finally {
      G.train();
      D.train();
    }
  }

  override samples(): GanSamples {
    if (this.ds.kind === 'points') {
      const ds = this.ds;
      const shown = 400;
      const real = Array.from(ds.points.subarray(0, Math.min(shown, ds.count) * 2));
      const fake = Array.from(this.generate(shown));
      // D's verdict over the plane: where it believes real data lives.
      const grid = new Float32Array(DECISION_GRID * DECISION_GRID * 2);
      for (let r = 0; r < DECISION_GRID; r++) {
        for (let c = 0; c < DECISION_GRID; c++) {
          const k = r * DECISION_GRID + c;
          grid[2 * k] = -ds.extent + ((c + 0.5) * 2 * ds.extent) / DECISION_GRID;
          grid[2 * k + 1] = -ds.extent + ((r + 0.5) * 2 * ds.extent) / DECISION_GRID;
        }
      }
      const logits = noGrad(() => this.model.discriminator.forward(new Tensor(grid, [DECISION_GRID * DECISION_GRID, 2], 'float32')));
      const values = Array.from(logits.data, (z) => 1 / (1 + Math.exp(-z)));
      return {
        kind: 'gan',
        real,
        fake,
        decisionMap: { size: DECISION_GRID, extent: ds.extent, values },
        dReal: this.lastDReal,
        dFake: this.lastDFake,
      };
    }
    const ds = this.ds;
    const data = this.generate(16);
    const size = ds.channels * ds.height * ds.width;
    const images = Array.from({ length: 16 }, (_, i) => floatImagePayload(data, i * size, ds.channels, ds.height, ds.width, [-1, 1]));
    return { kind: 'gan', images, dReal: this.lastDReal, dFake: this.lastDFake };
  }

  override attention(): null {
    return null;
  }

  override modules(): Record<string, Module> {
    return { generator: this.model.generator, discriminator: this.model.discriminator };
  }
}

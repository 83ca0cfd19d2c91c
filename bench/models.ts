/**
 * The networks the bench trains, built from the engine's nn modules, and one
 * timed training step. The same networks are defined for PyTorch in
 * scripts/bench_torch.py and for TensorFlow.js in tfjs.ts (which runs it in a child process).
 */
import { Rng, tensor, type Tensor } from '../src/engine';
import * as nn from '../src/engine/nn';
import { Adam } from '../src/engine/optim';
import { crossEntropy } from '../src/engine/functional';

export interface CnnSpec {
  name: string;
  /** Filters of each conv block: 3x3 conv (pad 1) + batch norm + ReLU + 2x2 max-pool. */
  blocks: number[];
  /** Hidden FC sizes, each followed by ReLU and dropout 0.5. */
  hidden: number[];
  classes: number;
  /** Input images are [3, side, side]. */
  side: number;
}

/** The small CNN: conv 3->32->64->128, FC 2048->256->10. */
export const SMALL_CNN: CnnSpec = { name: 'small CNN', blocks: [32, 64, 128], hidden: [256], classes: 10, side: 32 };
/** The seed's CIFAR-10 CNN: conv 64-128-256-512, FC 2048->1024->512->10. */
export const SEED_CNN: CnnSpec = { name: 'seed CNN', blocks: [64, 128, 256, 512], hidden: [1024, 512], classes: 10, side: 32 };

export function buildCnn(spec: CnnSpec, seed = 1): nn.Sequential {
  const rng = new Rng(seed);
  const layers: nn.Module[] = [];
  let channels = 3,
    side = spec.side;
  for (const filters of spec.blocks) {
    layers.push(
      new nn.Conv2d(channels, filters, 3, { padding: 1, dtype: 'float32', rng }),
      new nn.BatchNorm2d(filters, { dtype: 'float32' }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
    );
    channels = filters;
    side = Math.floor(side / 2);
  }
  layers.push(new nn.Flatten());
  let features = channels * side * side;
  for (const h of spec.hidden) {
    layers.push(new nn.Linear(features, h, { dtype: 'float32', rng }), new nn.ReLU(), new nn.Dropout(0.5));
    features = h;
  }
  layers.push(new nn.Linear(features, spec.classes, { dtype: 'float32', rng }));
  return new nn.Sequential(...layers).setRng(rng.fork());
}

export interface Trainer {
  /** One forward + backward + Adam update on a fixed random batch; returns the loss. */
  step(): number;
}

export function cnnTrainer(spec: CnnSpec, batch: number, seed = 1): Trainer {
  const model = buildCnn(spec, seed);
  model.train();
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const rng = new Rng(seed + 1);
  const pixels = new Float32Array(batch * 3 * spec.side * spec.side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.normal();
  const x = tensor(pixels, { dtype: 'float32' }).reshape([batch, 3, spec.side, spec.side]);
  const labels = Array.from({ length: batch }, () => rng.int(spec.classes));
  return {
    step(): number {
      opt.zeroGrad();
      const loss: Tensor = crossEntropy(model.forward(x), labels);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}

/** Class names of the image datasets and the per-channel statistics used to normalise them. */
import type { ImageSplit } from './types';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Per-channel mean and std of pixel/255 over (a sample of) a split. */
export function channelStats(split: ImageSplit, channels: number, planeSize: number): { mean: number[]; std: number[] } {
  const mean: number[] = [],
    std: number[] = [];
  const imageSize = channels * planeSize;
  // A few thousand images pin the statistics down to well under a percent.
  const step = Math.max(1, Math.floor(split.count / 5000));
  for (let c = 0; c < channels; c++) {
    let s = 0,
      s2 = 0,
      n = 0;
    for (let i = 0; i < split.count; i += step) {
      const base = i * imageSize + c * planeSize;
      for (let p = 0; p < planeSize; p++) {
        const v = split.pixels[base + p] / 255;
        s += v;
        s2 += v * v;
      }
      n += planeSize;
    }
    const m = n ? s / n : 0;
    mean.push(m);
    std.push(Math.sqrt(Math.max(n ? s2 / n - m * m : 0, 1e-6)));
  }
  return { mean, std };
}

/**
 * Drawing batches: bytes to normalised float32 tensors, in the order an epoch's
 * shuffled permutation gives.
 */
import { Tensor } from '../../engine/tensor';
import type { ImageDataset, ImageSplit, SequenceSplit } from './types';
import type { ImagePayload } from '../events';

/** Images `indices` of a split as [B, C, H, W], each channel normalised by the dataset's mean and std. */
export function imageBatch(
  ds: ImageDataset,
  split: ImageSplit,
  indices: ArrayLike<number>,
  range: 'standard' | 'tanh' = 'standard',
): Tensor {
  const plane = ds.height * ds.width;
  const size = ds.channels * plane;
  const out = new Float32Array(indices.length * size);
  const scale: number[] = [],
    shift: number[] = [];
  for (let c = 0; c < ds.channels; c++) {
    // standard: (v/255 - mean)/std; tanh: v/255 mapped to [-1, 1] (the GAN generator's range)
    scale.push(range === 'tanh' ? 2 / 255 : 1 / (255 * ds.std[c]));
    shift.push(range === 'tanh' ? -1 : -ds.mean[c] / ds.std[c]);
  }
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * size;
    for (let c = 0; c < ds.channels; c++) {
      const s = scale[c],
        t = shift[c];
      const from = src + c * plane,
        to = b * size + c * plane;
      for (let p = 0; p < plane; p++) out[to + p] = split.pixels[from + p] * s + t;
    }
  }
  return new Tensor(out, [indices.length, ds.channels, ds.height, ds.width], 'float32');
}

export function labelsOf(split: ImageSplit, indices: ArrayLike<number>): number[] {
  return Array.from(indices, (i) => split.labels[i]);
}

/** Token ids [B, T] and targets [B * T] (IGNORE_TARGET where unscored). */
export function sequenceBatch(split: SequenceSplit, length: number, indices: ArrayLike<number>): { ids: Tensor; targets: Int32Array } {
  const ids = new Float32Array(indices.length * length);
  const targets = new Int32Array(indices.length * length);
  for (let b = 0; b < indices.length; b++) {
    const from = indices[b] * length;
    for (let t = 0; t < length; t++) {
      ids[b * length + t] = split.inputs[from + t];
      targets[b * length + t] = split.targets[from + t];
    }
  }
  return { ids: new Tensor(ids, [indices.length, length], 'float32'), targets };
}

/** One stored image as a display payload (row-major, channels interleaved). */
export function imagePayload(ds: ImageDataset, split: ImageSplit, index: number): ImagePayload {
  const plane = ds.height * ds.width;
  const size = ds.channels * plane;
  const pixels = new Array<number>(size);
  for (let p = 0; p < plane; p++)
    for (let c = 0; c < ds.channels; c++) pixels[p * ds.channels + c] = split.pixels[index * size + c * plane + p];
  return { width: ds.width, height: ds.height, channels: ds.channels === 1 ? 1 : 3, pixels };
}

/** A float [C, H, W] slice as a display payload, scaled so its own min..max spans 0..255. */
export function floatImagePayload(
  data: ArrayLike<number>,
  offset: number,
  channels: number,
  height: number,
  width: number,
  fixedRange?: [number, number],
): ImagePayload {
  const plane = height * width;
  let lo = Infinity,
    hi = -Infinity;
  if (fixedRange) [lo, hi] = fixedRange;
  else
    for (let i = 0; i < channels * plane; i++) {
      const v = data[offset + i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  const span = hi > lo ? hi - lo : 1;
  const shown = channels === 3 ? 3 : 1;
  const pixels = new Array<number>(plane * shown);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < shown; c++) {
      const v = (data[offset + c * plane + p] - lo) / span;
      pixels[p * shown + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return { width, height, channels: shown as 1 | 3, pixels };
}

/** Index of the largest of each row of a [rows, cols] array. */
export function argmaxRows(data: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity,
      k = 0;
    for (let c = 0; c < cols; c++)
      if (data[r * cols + c] > best) {
        best = data[r * cols + c];
        k = c;
      }
    out[r] = k;
  }
  return out;
}

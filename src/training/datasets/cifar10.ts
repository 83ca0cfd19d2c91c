/**
 * CIFAR-10 in its binary format: records of 1 label byte then 3072 pixel bytes (1024
 * red, 1024 green, 1024 blue, row-major 32x32) in data_batch_1..5.bin and test_batch.bin,
 * found in the chosen folder or its cifar-10-batches-bin subfolder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { channelStats, CIFAR10_CLASSES } from './imageStats';
import { DatasetError, type ImageDataset, type ImageSplit } from './types';

export { CIFAR10_CLASSES };
const IMAGE_BYTES = 3 * 32 * 32;
const RECORD_BYTES = 1 + IMAGE_BYTES;

/** Parse one batch file's bytes; `file` names it in errors. */
export function parseCifarBatch(bytes: Uint8Array, file: string): ImageSplit {
  if (bytes.length === 0) throw new DatasetError(`${file}: empty file`, file);
  if (bytes.length % RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / RECORD_BYTES);
    throw new DatasetError(
      `${file}: wrong length ${bytes.length} bytes: not a whole number of ${RECORD_BYTES}-byte records (${whole} records and ${bytes.length - whole * RECORD_BYTES} stray bytes; truncated?)`,
      file,
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * RECORD_BYTES];
    if (label >= CIFAR10_CLASSES.length) {
      throw new DatasetError(`${file}: record ${i} has label ${label}, outside 0..9 (not a CIFAR-10 binary batch?)`, file);
    }
    labels[i] = label;
    pixels.set(bytes.subarray(i * RECORD_BYTES + 1, (i + 1) * RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { pixels, labels, count };
}

function concatSplits(splits: ImageSplit[]): ImageSplit {
  const count = splits.reduce((n, s) => n + s.count, 0);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of splits) {
    pixels.set(s.pixels, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { pixels, labels, count };
}

function readBatch(path: string): ImageSplit {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DatasetError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  return parseCifarBatch(bytes, path);
}

/** The folder that actually holds the .bin files. */
export function cifarFolder(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DatasetError(`cifar10: data folder ${dir} does not exist`, dir);
  const nested = join(dir, 'cifar-10-batches-bin');
  if (existsSync(join(nested, 'test_batch.bin'))) return nested;
  return dir;
}

export function loadCifar10(dir: string): ImageDataset {
  const folder = cifarFolder(dir);
  const trainFiles = [1, 2, 3, 4, 5].map((i) => join(folder, `data_batch_${i}.bin`)).filter((p) => existsSync(p));
  const testFile = join(folder, 'test_batch.bin');
  if (!trainFiles.length) throw new DatasetError(`cifar10: ${folder} has no data_batch_1.bin .. data_batch_5.bin`, folder);
  if (!existsSync(testFile)) throw new DatasetError(`cifar10: ${folder} has no test_batch.bin`, folder);
  const train = concatSplits(trainFiles.map(readBatch));
  const test = readBatch(testFile);
  const { mean, std } = channelStats(train, 3, 32 * 32);
  return { kind: 'image', name: 'cifar10', channels: 3, height: 32, width: 32, classNames: CIFAR10_CLASSES, train, test, mean, std };
}

/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, type code, number of
 * dimensions), the dimensions as big-endian uint32, then the data. Files may be gzip
 * compressed (.gz) or raw; both the standard names and the dotted variants
 * (train-images.idx3-ubyte) are found.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { channelStats, FASHION_MNIST_CLASSES, MNIST_CLASSES } from './imageStats';
import { DatasetError, type ImageDataset, type ImageSplit } from './types';

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Decompress when the bytes start with gzip's magic; name the file when that fails. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(bytes));
    } catch (err) {
      throw new DatasetError(`${file}: cannot decompress gzip data (${(err as Error).message}); the file is truncated or corrupt`, file);
    }
  }
  return bytes;
}

/** Parse IDX bytes holding unsigned bytes; `file` is used in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(`${file}: too short for an IDX header (${bytes.length} bytes)`, file);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new DatasetError(`${file}: bad magic number ${hex}; an IDX file starts with two zero bytes`, file);
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new DatasetError(
      `${file}: bad magic number ${hex}: element type 0x${bytes[2].toString(16).padStart(2, '0')} is not unsigned byte (0x08)`,
      file,
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new DatasetError(`${file}: bad magic number ${hex}: zero dimensions`, file);
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength)
    throw new DatasetError(`${file}: truncated header: ${ndim} dimensions need ${headerLength} bytes, file has ${bytes.length}`, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const expected = headerLength + size;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw new DatasetError(
      `${file}: wrong length: header says ${dims.join('x')} (${expected} bytes in all), file has ${bytes.length} bytes (${what})`,
      file,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

export function readIdxFile(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new DatasetError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  return parseIdx(maybeGunzip(raw, path), path);
}

/** The file in `dir` for one of the standard stems, trying the usual spellings. */
export function findIdxFile(dir: string, stem: string): string | null {
  const dotted = stem.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const name of [stem, `${stem}.gz`, dotted, `${dotted}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** Images and labels from one pair of IDX files, checked against each other. */
export function readIdxSplit(
  imagesPath: string,
  labelsPath: string,
  numClasses: number,
): { split: ImageSplit; height: number; width: number } {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dims.length !== 3) {
    throw new DatasetError(
      `${imagesPath}: expected an image file with 3 dimensions (count x rows x cols), found ${images.dims.length}: ${images.dims.join('x')}`,
      imagesPath,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DatasetError(
      `${labelsPath}: expected a label file with 1 dimension, found ${labels.dims.length}: ${labels.dims.join('x')}`,
      labelsPath,
    );
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DatasetError(
      `${labelsPath}: wrong label count: ${labels.dims[0]} labels for ${count} images in ${basename(imagesPath)}`,
      labelsPath,
    );
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] >= numClasses) {
      throw new DatasetError(`${labelsPath}: label ${labels.data[i]} at index ${i} is outside 0..${numClasses - 1}`, labelsPath);
    }
  }
  return { split: { pixels: images.data, labels: labels.data, count }, height, width };
}

/** MNIST or Fashion-MNIST from a folder holding the four standard files. */
export function loadIdxDataset(name: 'mnist' | 'fashion-mnist', dir: string): ImageDataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DatasetError(`${name}: data folder ${dir} does not exist`, dir);
  const stems = {
    trainImages: 'train-images-idx3-ubyte',
    trainLabels: 'train-labels-idx1-ubyte',
    testImages: 't10k-images-idx3-ubyte',
    testLabels: 't10k-labels-idx1-ubyte',
  };
  const found = Object.fromEntries(Object.entries(stems).map(([k, stem]) => [k, findIdxFile(dir, stem)])) as Record<
    keyof typeof stems,
    string | null
  >;
  const missing = Object.entries(found)
    .filter(([, p]) => !p)
    .map(([k]) => stems[k as keyof typeof stems]);
  if (missing.length) throw new DatasetError(`${name}: ${dir} lacks ${missing.map((s) => `${s}[.gz]`).join(', ')}`, dir);
  const classNames = name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES;
  const train = readIdxSplit(found.trainImages!, found.trainLabels!, classNames.length);
  const test = readIdxSplit(found.testImages!, found.testLabels!, classNames.length);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DatasetError(
      `${found.testImages}: images are ${test.height}x${test.width} but the training images are ${train.height}x${train.width}`,
      found.testImages!,
    );
  }
  const { mean, std } = channelStats(train.split, 1, train.height * train.width);
  return {
    kind: 'image',
    name,
    channels: 1,
    height: train.height,
    width: train.width,
    classNames,
    train: train.split,
    test: test.split,
    mean,
    std,
  };
}

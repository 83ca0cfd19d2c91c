/**
 * Dataset names as the panel and the command line use them, which models each suits,
 * and the generated ones (made in memory from the seed, in Node or in a browser).
 * Datasets read from files are loaded by registry.ts (Node only).
 */
import type { ModelKind } from '../events';
import { makeDigitsDataset } from './digits';
import { makeRingDataset } from './ring';
import { makeSequenceDataset } from './sequences';
import { makeShapesDataset } from './shapes';
import { type Dataset, DatasetError } from './types';

export type { ModelKind };

export interface DatasetInfo {
  name: string;
  description: string;
  /** Which models can train on it. */
  models: ModelKind[];
  /** Read from a folder (--data-dir) rather than generated. */
  needsDataDir: boolean;
}

export const DATASETS: DatasetInfo[] = [
  { name: 'synthetic', description: 'seeded 32x32 RGB shapes in 10 classes', models: ['cnn', 'attention'], needsDataDir: false },
  { name: 'digits', description: 'seeded MNIST-style 28x28 grey digits', models: ['cnn', 'gan', 'attention'], needsDataDir: false },
  { name: 'ring', description: 'a 2-D ring of 8 Gaussians', models: ['gan'], needsDataDir: false },
  { name: 'reverse', description: 'reverse a sequence of digits', models: ['attention'], needsDataDir: false },
  { name: 'sort', description: 'sort a sequence of digits', models: ['attention'], needsDataDir: false },
  { name: 'copy', description: 'copy a sequence of digits after a delay', models: ['attention'], needsDataDir: false },
  { name: 'mnist', description: 'MNIST handwritten digits (IDX files)', models: ['cnn', 'gan', 'attention'], needsDataDir: true },
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST clothing images (IDX files)',
    models: ['cnn', 'gan', 'attention'],
    needsDataDir: true,
  },
  { name: 'cifar10', description: 'CIFAR-10 (binary version)', models: ['cnn', 'attention'], needsDataDir: true },
];

export const DEFAULT_DATASET: Record<ModelKind, string> = { cnn: 'synthetic', gan: 'ring', attention: 'reverse' };

export interface LoadOptions {
  dataDir?: string;
  seed?: number;
  /** Attention tasks: causal layout or not. */
  causal?: boolean;
  /** Attention tasks: number of input symbols. */
  symbols?: number;
  /** copy: delay in steps. */
  delay?: number;
  /** Generated sets: sizes of the splits. */
  trainCount?: number;
  testCount?: number;
}

export function datasetInfo(name: string): DatasetInfo {
  const info = DATASETS.find((d) => d.name === name);
  if (!info) throw new DatasetError(`unknown dataset '${name}'; choose one of ${DATASETS.map((d) => d.name).join(', ')}`);
  return info;
}

export function checkDatasetForModel(name: string, model: ModelKind): DatasetInfo {
  const info = datasetInfo(name);
  if (!info.models.includes(model)) {
    const fits = DATASETS.filter((d) => d.models.includes(model))
      .map((d) => d.name)
      .join(', ');
    throw new DatasetError(`dataset '${name}' does not suit the ${model} model; choose one of ${fits}`);
  }
  return info;
}

/** A generated dataset by name (everything but the file-backed mnist, fashion-mnist, cifar10). */
export function generateDataset(name: string, opts: LoadOptions = {}): Dataset {
  const info = datasetInfo(name);
  if (info.needsDataDir) throw new DatasetError(`dataset '${name}' is read from files, not generated`);
  const seed = opts.seed ?? 0;
  const sizes = { trainCount: opts.trainCount, testCount: opts.testCount };
  switch (name) {
    case 'synthetic':
      return makeShapesDataset({ seed, ...sizes });
    case 'digits':
      return makeDigitsDataset({ seed, ...sizes });
    case 'ring':
      return makeRingDataset({ seed, count: opts.trainCount });
    default:
      return makeSequenceDataset(name as 'reverse' | 'sort' | 'copy', {
        seed,
        causal: opts.causal,
        symbols: opts.symbols,
        delay: opts.delay,
        ...sizes,
      });
  }
}

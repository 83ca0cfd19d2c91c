/**
 * Loading any dataset by name in Node: generated sets from the catalog, real ones from
 * a folder (--data-dir, else where a distribution's package installs them).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCifar10 } from './cifar10';
import { datasetInfo, generateDataset, type LoadOptions } from './catalog';
import { loadIdxDataset } from './idx';
import { type Dataset, DatasetError } from './types';

export { DATASETS, DEFAULT_DATASET, checkDatasetForModel, datasetInfo, generateDataset } from './catalog';
export type { DatasetInfo, LoadOptions, ModelKind } from './catalog';

/**
 * Where a distribution's dataset packages put the files (Debian's dataset-fashion-mnist
 * installs under /usr/share/datasets), tried when no folder is given.
 */
export function conventionalDataDir(name: string): string | null {
  const p = join('/usr/share/datasets', name);
  return existsSync(p) ? p : null;
}

export function loadDataset(name: string, opts: LoadOptions = {}): Dataset {
  const info = datasetInfo(name);
  if (!info.needsDataDir) return generateDataset(name, opts);
  const dir = opts.dataDir ?? conventionalDataDir(name);
  if (!dir)
    throw new DatasetError(
      `dataset '${name}' is read from files: pass --data-dir with the folder that holds them (or download them first)`,
    );
  if (name === 'cifar10') return loadCifar10(dir);
  return loadIdxDataset(name as 'mnist' | 'fashion-mnist', dir);
}

/**
 * Fetch MNIST, Fashion-MNIST or CIFAR-10 for users who are online: each file streamed to
 * a .part file with progress, its SHA-256 checked against the published digest, and only
 * then renamed into place. CIFAR-10's archive is unpacked into cifar-10-batches-bin/.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './types';

export interface RemoteFile {
  name: string;
  url: string;
  sha256: string;
  bytes: number;
}

const MNIST_BASE = 'https://ossci-datasets.s3.amazonaws.com/mnist/';
const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** The four IDX files of an MNIST-style dataset, in this order. */
const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** An MNIST-style dataset's files under `base`, given each file's published [SHA-256, size] in IDX_FILES order. */
function idxDataset(base: string, published: [sha256: string, bytes: number][]): RemoteFile[] {
  return IDX_FILES.map((name, i) => ({ name, url: `${base}${name}`, sha256: published[i][0], bytes: published[i][1] }));
}

export const REMOTE_DATASETS: Record<'mnist' | 'fashion-mnist' | 'cifar10', RemoteFile[]> = {
  mnist: idxDataset(MNIST_BASE, [
    ['440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422],
    ['3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881],
    ['8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877],
    ['f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542],
  ]),
  'fashion-mnist': idxDataset(FASHION_BASE, [
    ['b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7', 26421856],
    ['0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056', 29491],
    ['cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa', 4422079],
    ['8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05', 5125],
  ]),
  cifar10: [
    {
      name: 'cifar-10-binary.tar.gz',
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      bytes: 170052171,
    },
  ],
};

export interface DownloadProgress {
  file: string;
  received: number;
  /** Expected size in bytes (from the server, else the published size). */
  total: number;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Replace the files' list (tests point it at a local server). */
  files?: RemoteFile[];
}

/** Download one file to `dest`, verifying its digest; a mismatch leaves nothing behind. */
export async function downloadFile(file: RemoteFile, dest: string, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  const part = `${dest}.part`;
  let response: Response;
  try {
    response = await fetch(file.url);
  } catch (err) {
    throw new DatasetError(`${file.name}: cannot reach ${file.url} (${(err as Error).message})`, dest);
  }
  if (!response.ok || !response.body) throw new DatasetError(`${file.name}: ${file.url} answered HTTP ${response.status}`, dest);
  const total = Number(response.headers.get('content-length')) || file.bytes;
  const hash = createHash('sha256');
  const out = createWriteStream(part);
  let received = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      received += value.length;
      if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      onProgress?.({ file: file.name, received, total });
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  const digest = hash.digest('hex');
  if (digest !== file.sha256) {
    rmSync(part, { force: true });
    throw new DatasetError(
      `${file.name}: checksum mismatch: SHA-256 ${digest}, expected ${file.sha256} (${received} bytes received); the download was discarded`,
      dest,
    );
  }
  renameSync(part, dest);
}

/** The regular files of a POSIX (ustar) tar archive. */
export function* tarEntries(tar: Uint8Array, archive: string): Generator<{ name: string; data: Uint8Array }> {
  const text = (from: number, len: number): string => {
    let end = from;
    while (end < from + len && tar[end] !== 0) end++;
    return Buffer.from(tar.subarray(from, end)).toString('utf8');
  };
  let at = 0;
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) return; // end-of-archive block
    const name = text(at, 100);
    const prefix = text(at + 345, 155);
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] || 48);
    if (!Number.isFinite(size) || at + 512 + size > tar.length)
      throw new DatasetError(`${archive}: truncated tar entry '${name}'`, archive);
    if (type === '0') yield { name: prefix ? `${prefix}/${name}` : name, data: tar.subarray(at + 512, at + 512 + size) };
    at += 512 + Math.ceil(size / 512) * 512;
  }
}

/**
 * Fetch a dataset into `dir` (skipping files already there with the right digest) and
 * return the folder to pass as --data-dir.
 */
export async function downloadDataset(
  name: 'mnist' | 'fashion-mnist' | 'cifar10',
  dir: string,
  opts: DownloadOptions = {},
): Promise<string> {
  const files = opts.files ?? REMOTE_DATASETS[name];
  if (!files) throw new DatasetError(`no download source for dataset '${name}'; downloadable: ${Object.keys(REMOTE_DATASETS).join(', ')}`);
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const dest = join(dir, file.name);
    if (existsSync(dest) && createHash('sha256').update(readFileSync(dest)).digest('hex') === file.sha256) continue;
    await downloadFile(file, dest, opts.onProgress);
  }
  if (name === 'cifar10') {
    const archive = join(dir, files[0].name);
    const folder = join(dir, 'cifar-10-batches-bin');
    mkdirSync(folder, { recursive: true });
    let tar: Uint8Array;
    try {
      tar = gunzipSync(readFileSync(archive));
    } catch (err) {
      throw new DatasetError(`${archive}: cannot decompress (${(err as Error).message})`, archive);
    }
    // Only the batch files and their notes are written, by base name: nothing escapes the folder.
    for (const entry of tarEntries(tar, archive)) {
      const base = basename(entry.name);
      if (/^(data_batch_[1-5]|test_batch)\.bin$|^batches\.meta\.txt$/.test(base)) writeFileSync(join(folder, base), entry.data);
    }
    return folder;
  }
  return dir;
}

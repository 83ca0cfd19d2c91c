/**
 * Dataset loaders on small generated files: IDX (raw, gzip, both name spellings) and
 * CIFAR-10 binary, every malformed case with a message naming the file; the registry;
 * the synthetic sets; the download helper against a local server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdxDataset, parseIdx } from '../../src/training/datasets/idx';
import { loadCifar10 } from '../../src/training/datasets/cifar10';
import { loadDataset, checkDatasetForModel } from '../../src/training/datasets/registry';
import { downloadDataset, type RemoteFile } from '../../src/training/datasets/download';
import { makeShapesDataset } from '../../src/training/datasets/shapes';
import { makeDigitsDataset } from '../../src/training/datasets/digits';
import { makeRingDataset } from '../../src/training/datasets/ring';
import { makeSequenceDataset } from '../../src/training/datasets/sequences';
import { IGNORE_TARGET } from '../../src/training/datasets/types';

function idx(dims: number[], data: number[] | Uint8Array, magic = [0, 0, 0x08, dims.length]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  magic.forEach((b, i) => header.writeUInt8(b, i));
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

function images(n: number, h = 4, w = 4): Buffer {
  return idx(
    [n, h, w],
    Array.from({ length: n * h * w }, (_, i) => (i * 37) % 256),
  );
}

function labels(values: number[]): Buffer {
  return idx([values.length], values);
}

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlens-data-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function writeMnist(
  dir: string,
  opts: { gz?: boolean; dotted?: boolean; trainLabels?: Buffer; testImages?: Buffer } = {},
): Record<string, string> {
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte': images(5),
    'train-labels-idx1-ubyte': opts.trainLabels ?? labels([0, 1, 2, 3, 9]),
    't10k-images-idx3-ubyte': opts.testImages ?? images(3),
    't10k-labels-idx1-ubyte': labels([4, 5, 6]),
  };
  const paths: Record<string, string> = {};
  for (const [stem, bytes] of Object.entries(files)) {
    const name = (opts.dotted ? stem.replace(/-(idx\d-ubyte)$/, '.$1') : stem) + (opts.gz ? '.gz' : '');
    paths[stem] = join(dir, name);
    writeFileSync(paths[stem], opts.gz ? gzipSync(bytes) : bytes);
  }
  return paths;
}

test(
  'IDX: raw files with the standard names load, pixels and labels intact',
  withDir((dir) => {
    writeMnist(dir);
    const ds = loadIdxDataset('mnist', dir);
    assert.equal(ds.train.count, 5);
    assert.equal(ds.test.count, 3);
    assert.deepEqual([ds.channels, ds.height, ds.width], [1, 4, 4]);
    assert.deepEqual(Array.from(ds.train.labels), [0, 1, 2, 3, 9]);
    assert.equal(ds.train.pixels[17], (17 * 37) % 256);
  }),
);

test(
  'IDX: gzip files and the dotted spelling (train-images.idx3-ubyte.gz) load too',
  withDir((dir) => {
    writeMnist(dir, { gz: true, dotted: true });
    const ds = loadIdxDataset('fashion-mnist', dir);
    assert.equal(ds.train.count, 5);
    assert.equal(ds.classNames[9], 'Ankle boot');
  }),
);

test('IDX: a bad magic number is rejected, naming the file', () => {
  assert.throws(() => parseIdx(idx([2], [1, 2], [1, 0, 8, 1]), 'x/labels.idx'), /x\/labels\.idx: bad magic number 0x01000801/);
  assert.throws(
    () => parseIdx(idx([2], [1, 2], [0, 0, 0x0d, 1]), 'f.idx'),
    /f\.idx: bad magic number 0x00000d01: element type 0x0d is not unsigned byte/,
  );
  assert.throws(() => parseIdx(Buffer.from([0, 0, 8]), 'short.idx'), /short\.idx: too short for an IDX header/);
});

test('IDX: wrong lengths are rejected: truncated data, trailing bytes, truncated header', () => {
  const full = images(2);
  assert.throws(
    () => parseIdx(full.subarray(0, full.length - 5), 'a.idx'),
    /a\.idx: wrong length: header says 2x4x4 \(48 bytes in all\), file has 43 bytes \(truncated\)/,
  );
  assert.throws(() => parseIdx(Buffer.concat([full, Buffer.from([1])]), 'b.idx'), /b\.idx: wrong length.*trailing bytes/);
  assert.throws(() => parseIdx(full.subarray(0, 9), 'c.idx'), /c\.idx: truncated header: 3 dimensions need 16 bytes, file has 9/);
});

test(
  'IDX: a truncated gzip file is rejected, naming it',
  withDir((dir) => {
    const paths = writeMnist(dir, { gz: true });
    const gz = gzipSync(images(5));
    writeFileSync(paths['train-images-idx3-ubyte'], gz.subarray(0, gz.length - 10));
    assert.throws(
      () => loadIdxDataset('mnist', dir),
      (err: Error) =>
        err.message.startsWith(paths['train-images-idx3-ubyte']) && /cannot decompress gzip data.*truncated or corrupt/.test(err.message),
    );
  }),
);

test(
  'IDX: a label file with the wrong count, or a label out of range, is rejected',
  withDir((dir) => {
    const paths = writeMnist(dir, { trainLabels: labels([0, 1, 2, 3]) });
    assert.throws(
      () => loadIdxDataset('mnist', dir),
      new RegExp(`${paths['train-labels-idx1-ubyte']}: wrong label count: 4 labels for 5 images`),
    );
    writeMnist(dir, { trainLabels: labels([0, 1, 12, 3, 4]) });
    assert.throws(() => loadIdxDataset('mnist', dir), /train-labels-idx1-ubyte: label 12 at index 2 is outside 0\.\.9/);
  }),
);

test(
  'IDX: swapped files and mismatched image sizes are rejected',
  withDir((dir) => {
    const paths = writeMnist(dir, { testImages: images(3, 5, 5) });
    assert.throws(
      () => loadIdxDataset('mnist', dir),
      new RegExp(`${paths['t10k-images-idx3-ubyte']}: images are 5x5 but the training images are 4x4`),
    );
    writeFileSync(paths['train-images-idx3-ubyte'], labels([1, 2, 3, 4, 5]));
    assert.throws(() => loadIdxDataset('mnist', dir), /train-images-idx3-ubyte: expected an image file with 3 dimensions/);
  }),
);

test(
  'IDX: a folder without the files, or no folder, says what is missing',
  withDir((dir) => {
    const paths = writeMnist(dir);
    rmSync(paths['t10k-labels-idx1-ubyte']);
    assert.throws(() => loadIdxDataset('mnist', dir), /lacks t10k-labels-idx1-ubyte\[\.gz\]/);
    assert.throws(() => loadIdxDataset('mnist', join(dir, 'nope')), /mnist: data folder .*nope does not exist/);
  }),
);

function cifarBatch(labelsList: number[]): Buffer {
  const out = Buffer.alloc(labelsList.length * 3073);
  labelsList.forEach((l, i) => {
    out[i * 3073] = l;
    for (let p = 0; p < 3072; p++) out[i * 3073 + 1 + p] = (p + i) % 256;
  });
  return out;
}

test(
  'CIFAR-10: batches load from the folder or its cifar-10-batches-bin subfolder',
  withDir((dir) => {
    const nested = join(dir, 'cifar-10-batches-bin');
    mkdirSync(nested);
    writeFileSync(join(nested, 'data_batch_1.bin'), cifarBatch([0, 1, 2]));
    writeFileSync(join(nested, 'data_batch_2.bin'), cifarBatch([3, 9]));
    writeFileSync(join(nested, 'test_batch.bin'), cifarBatch([5]));
    const ds = loadCifar10(dir);
    assert.equal(ds.train.count, 5);
    assert.deepEqual(Array.from(ds.train.labels), [0, 1, 2, 3, 9]);
    assert.equal(ds.test.count, 1);
    // Pixels keep the file's planar layout (1024 red, 1024 green, 1024 blue).
    assert.equal(ds.train.pixels[3072 + 5], (5 + 1) % 256);
    assert.equal(ds.classNames[ds.test.labels[0]], 'dog');
  }),
);

test(
  'CIFAR-10: wrong length, a bad label, an empty file and a missing test batch are rejected',
  withDir((dir) => {
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBatch([0, 1]).subarray(0, 5000));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBatch([1]));
    assert.throws(
      () => loadCifar10(dir),
      /data_batch_1\.bin: wrong length 5000 bytes: not a whole number of 3073-byte records \(1 records and 1927 stray bytes; truncated\?\)/,
    );
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBatch([0, 10]));
    assert.throws(() => loadCifar10(dir), /data_batch_1\.bin: record 1 has label 10, outside 0\.\.9/);
    writeFileSync(join(dir, 'data_batch_1.bin'), Buffer.alloc(0));
    assert.throws(() => loadCifar10(dir), /data_batch_1\.bin: empty file/);
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBatch([0]));
    rmSync(join(dir, 'test_batch.bin'));
    assert.throws(() => loadCifar10(dir), /has no test_batch\.bin/);
  }),
);

test('registry: unknown names, models that do not fit, files without a folder', () => {
  assert.throws(() => loadDataset('imagenet'), /unknown dataset 'imagenet'; choose one of synthetic/);
  assert.throws(() => checkDatasetForModel('ring', 'cnn'), /does not suit the cnn model; choose one of synthetic, digits/);
  assert.throws(() => loadDataset('cifar10'), /cifar10' is read from files: pass --data-dir/);
});

test('synthetic sets are seeded: the same seed gives the same data, classes are balanced', () => {
  const a = makeShapesDataset({ seed: 4, trainCount: 200, testCount: 20 });
  const b = makeShapesDataset({ seed: 4, trainCount: 200, testCount: 20 });
  const c = makeShapesDataset({ seed: 5, trainCount: 200, testCount: 20 });
  assert.deepEqual(a.train.pixels, b.train.pixels);
  assert.notDeepEqual(a.train.pixels, c.train.pixels);
  const counts = new Array(10).fill(0);
  for (const l of a.train.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(20));
  assert.deepEqual([a.channels, a.height, a.width], [3, 32, 32]);
  const d = makeDigitsDataset({ seed: 1, trainCount: 50, testCount: 10 });
  assert.deepEqual([d.channels, d.height, d.width], [1, 28, 28]);
  assert.ok(d.train.pixels.some((v) => v > 200) && d.train.pixels.some((v) => v === 0));
});

test('ring: 8 modes on a circle of radius 2', () => {
  const ring = makeRingDataset({ seed: 0, count: 4000 });
  assert.equal(ring.centres.length, 8);
  let far = 0;
  for (let i = 0; i < ring.count; i++) if (Math.abs(Math.hypot(ring.points[2 * i], ring.points[2 * i + 1]) - 2) > 0.3) far++;
  assert.equal(far, 0);
});

test('sequence tasks: reverse, sort and copy targets, causal and not', () => {
  const rev = makeSequenceDataset('reverse', { seed: 0, symbols: 4, trainCount: 3, testCount: 1, causal: false });
  const x = Array.from(rev.train.inputs.subarray(0, 4)),
    y = Array.from(rev.train.targets.subarray(0, 4));
  assert.deepEqual(y, [...x].reverse());
  const sorted = makeSequenceDataset('sort', { seed: 0, symbols: 4, trainCount: 3, testCount: 1, causal: true });
  assert.equal(sorted.length, 8);
  const si = Array.from(sorted.train.inputs.subarray(0, 8)),
    st = Array.from(sorted.train.targets.subarray(0, 8));
  const want = si.slice(0, 4).sort((a, b) => a - b);
  assert.deepEqual(st, [IGNORE_TARGET, IGNORE_TARGET, IGNORE_TARGET, IGNORE_TARGET, ...want]);
  // Teacher forcing: after the separator the input holds the answer so far.
  assert.deepEqual(si.slice(4), [10, ...want.slice(0, 3)]);
  const copy = makeSequenceDataset('copy', { seed: 0, symbols: 4, delay: 2, trainCount: 2, testCount: 1 });
  assert.equal(copy.causal, true);
  const ci = Array.from(copy.train.inputs.subarray(0, 6)),
    ct = Array.from(copy.train.targets.subarray(0, 6));
  assert.deepEqual(ct, [IGNORE_TARGET, IGNORE_TARGET, ...ci.slice(0, 4)]);
});

/** A minimal ustar archive of regular files. */
function tar(files: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

async function serve(files: Record<string, Buffer>, fn: (base: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    const body = files[req.url!.slice(1)];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    // Two chunks, so progress is reported more than once.
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => res.end(body.subarray(body.length >> 1)), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await fn(`http://127.0.0.1:${port}/`);
  } finally {
    server.close();
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test(
  'download: files arrive with progress and a verified SHA-256; a mismatch leaves nothing',
  withDir(async (dir) => {
    const gz = gzipSync(images(5));
    await serve({ 'a.gz': gz }, async (base) => {
      const seen: number[] = [];
      const good: RemoteFile = { name: 'train-images-idx3-ubyte.gz', url: `${base}a.gz`, sha256: sha(gz), bytes: gz.length };
      await downloadDataset('mnist', dir, { files: [good], onProgress: (p) => seen.push(p.received) });
      assert.ok(seen.length >= 2 && seen[seen.length - 1] === gz.length);
      assert.ok(existsSync(join(dir, good.name)));
      const bad: RemoteFile = { ...good, name: 'other.gz', sha256: '0'.repeat(64) };
      await assert.rejects(
        downloadDataset('mnist', dir, { files: [bad] }),
        /other\.gz: checksum mismatch: SHA-256 [0-9a-f]{64}, expected 0{64}.*discarded/,
      );
      assert.deepEqual(readdirSync(dir).sort(), [good.name]);
      const missing: RemoteFile = { ...good, name: 'x.gz', url: `${base}missing` };
      await assert.rejects(downloadDataset('mnist', dir, { files: [missing] }), /x\.gz: .*missing answered HTTP 404/);
    });
  }),
);

test(
  'download: the CIFAR-10 archive is unpacked into cifar-10-batches-bin and loads',
  withDir(async (dir) => {
    const archive = gzipSync(
      tar({
        'cifar-10-batches-bin/data_batch_1.bin': cifarBatch([1, 2]),
        'cifar-10-batches-bin/test_batch.bin': cifarBatch([3]),
        'cifar-10-batches-bin/readme.html': Buffer.from('<html>'),
      }),
    );
    await serve({ 'c.tgz': archive }, async (base) => {
      const folder = await downloadDataset('cifar10', dir, {
        files: [{ name: 'cifar-10-binary.tar.gz', url: `${base}c.tgz`, sha256: sha(archive), bytes: archive.length }],
      });
      assert.deepEqual(readdirSync(folder).sort(), ['data_batch_1.bin', 'test_batch.bin']);
      const ds = loadCifar10(dir);
      assert.deepEqual(Array.from(ds.train.labels), [1, 2]);
    });
  }),
);

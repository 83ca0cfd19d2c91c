/**
 * Export to PyTorch, checked with real PyTorch (Debian's python3-torch): the untrained
 * test loss of the exported script equals GradLens's own (`train --steps 0`; for the GAN, D's
 * and G's losses on the fixed evaluation batch), and
 * `train.py --nproc 2` trains Fashion-MNIST data-parallel with identical weights in both
 * processes. Skipped where /usr/bin/python3 has no torch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportPyTorch } from '../../src/training/export';
import { decodeSafetensors, encodeSafetensors } from '../../src/training/export/safetensors';
import { TrainLoop } from '../../src/training/loop';
import type { TrainConfig } from '../../src/training/events';
import { requireOrSkip } from '../helpers/requireOrSkip';

const PYTHON = '/usr/bin/python3';
const FASHION = '/usr/share/datasets/fashion-mnist';
const CLI = resolve('dist/cli.js');
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { timeout: 60000 }).status === 0;
const noTorch = requireOrSkip(`torch for ${PYTHON}`, hasTorch, "install Debian's python3-torch");

function python(dir: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, [join(dir, 'train.py'), ...args], { encoding: 'utf8', timeout: 180000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** GradLens's own untrained test loss (what `train --steps 0 --json` prints). */
async function gradlensLoss(config: TrainConfig): Promise<number> {
  const done = await new TrainLoop({ ...config, steps: 0 }, { loadDataset: undefined }).run();
  assert.equal(done.step, 0);
  return done.metrics.testLoss;
}

async function checkSameLoss(config: TrainConfig): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-export-'));
  try {
    const result = await exportPyTorch(config, join(dir, 'out'));
    assert.ok(result.files.some((f) => f.endsWith('train.py')));
    const r = python(join(dir, 'out'), '--eval-only');
    assert.equal(r.code, 0, r.stderr);
    const ev = jsonLines(r.stdout).find((l) => l.event === 'eval');
    assert.ok(ev, r.stdout);
    const ours = await gradlensLoss(config);
    const theirs = ev.testLoss as number;
    assert.ok(Math.abs(theirs - ours) <= 1e-4 * Math.abs(ours), `${config.model}/${config.preset}: torch ${theirs} vs GradLens ${ours}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('safetensors: header length, JSON header with dtype/shape/offsets, aligned LE float32 data, read back', () => {
  const bytes = encodeSafetensors(
    [
      { name: 'a', shape: [2, 2], data: [1, -2, 3.5, 4] },
      { name: 'b', shape: [3], data: [0.25, 0, 7] },
    ],
    { producer: 'gradlens' },
  );
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header.a, { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
  assert.deepEqual(header.b.data_offsets, [16, 28]);
  const back = decodeSafetensors(bytes);
  assert.deepEqual(Array.from(back.tensors.get('a')!.data), [1, -2, 3.5, 4]);
  assert.equal(back.metadata.producer, 'gradlens');
});

test('export gan writes train.py, G./D. weights, the ring points and the fixed evaluation batch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-export-gan-'));
  try {
    const r = await exportPyTorch({ model: 'gan', preset: 'small', trainLimit: 300 }, dir);
    for (const f of [
      'train.py',
      'initial_weights.safetensors',
      'README.md',
      'data/ring-points.f32',
      'data/gan-eval-real.f32',
      'data/gan-eval-noise.f32',
    ])
      assert.ok(existsSync(join(dir, f)), f);
    const w = decodeSafetensors(readFileSync(join(dir, 'initial_weights.safetensors')));
    assert.deepEqual(w.tensors.get('G.0.weight')!.shape, [64, 4]);
    assert.deepEqual(w.tensors.get('D.0.weight')!.shape, [64, 2]);
    assert.equal(readFileSync(join(dir, 'data/ring-points.f32')).length, 300 * 2 * 4);
    assert.equal(readFileSync(join(dir, 'data/gan-eval-noise.f32')).length, 300 * 4 * 4);
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /testLossG/);
    assert.match(r.summary, /GAN \(small, minimax\) on ring/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Exported GAN: --eval-only's D and G losses equal `gradlens train gan --steps 0 --json`'s, then a short run ends with a done line. */
async function checkGan(config: TrainConfig, steps: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-export-gan-'));
  try {
    await exportPyTorch(config, dir);
    const r = python(dir, '--eval-only', '--device', 'cpu');
    assert.equal(r.code, 0, r.stderr);
    const ev = jsonLines(r.stdout).find((l) => l.event === 'eval');
    assert.ok(ev, r.stdout);
    const done = await new TrainLoop({ ...config, steps: 0 }, { loadDataset: undefined }).run();
    for (const key of ['testLoss', 'testLossG']) {
      const ours = done.metrics[key],
        theirs = ev[key] as number;
      assert.ok(
        Number.isFinite(ours) && Math.abs(theirs - ours) <= 1e-4 * Math.abs(ours),
        `${config.dataset ?? 'ring'} ${key}: torch ${theirs} vs GradLens ${ours}`,
      );
    }
    assert.equal(ev.testAccuracy, done.metrics.testAccuracy);
    const t = python(dir, '--steps', String(steps), '--json', '--device', 'cpu');
    assert.equal(t.code, 0, t.stderr);
    const lines = jsonLines(t.stdout);
    const step = lines.find((l) => l.event === 'step')!;
    for (const key of ['loss', 'lossG', 'objective', 'dReal', 'dFake']) assert.ok(Number.isFinite(step[key] as number), `step ${key}`);
    const last = lines[lines.length - 1];
    assert.equal(last.event, 'done');
    assert.equal(last.steps, steps);
    for (const key of ['testLoss', 'testLossG', 'testAccuracy']) assert.ok(Number.isFinite(last[key] as number), `done ${key}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("exported GAN on ring: untrained D and G losses on the evaluation batch equal GradLens's; 50 steps run", {
  skip: noTorch,
  timeout: 180000,
}, async () => {
  await checkGan({ model: 'gan', seed: 3, trainLimit: 1000 }, 50);
});

test("exported GAN (non-saturating) on generated digits: untrained D and G losses equal GradLens's; a short run", {
  skip: noTorch,
  timeout: 180000,
}, async () => {
  await checkGan(
    { model: 'gan', preset: 'small', dataset: 'digits', ganLoss: 'non-saturating', seed: 1, trainLimit: 200, testLimit: 8 },
    10,
  );
});

test('exported GAN: train.py --nproc 2 on CPU keeps identical weights in both ranks', { skip: noTorch, timeout: 180000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-export-gan-ddp-'));
  try {
    await exportPyTorch({ model: 'gan', preset: 'small', trainLimit: 512 }, join(dir, 'out'));
    const r = python(join(dir, 'out'), '--nproc', '2', '--device', 'cpu', '--steps', '20', '--json', '--save-weights', join(dir, 'w'));
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    const done = lines[lines.length - 1];
    assert.equal(done.event, 'done');
    assert.equal(done.worldSize, 2);
    const a = readFileSync(join(dir, 'w', 'rank0.safetensors')),
      b = readFileSync(join(dir, 'w', 'rank1.safetensors'));
    assert.ok(a.equals(b), 'rank 0 and rank 1 weights differ');
    assert.ok(!a.equals(readFileSync(join(dir, 'out', 'initial_weights.safetensors'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export writes train.py, the initial weights (with batch-norm buffers), the data and a README', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-export-'));
  try {
    const r = await exportPyTorch({ model: 'cnn', preset: 'tiny', trainLimit: 64, testLimit: 16 }, dir);
    for (const f of ['train.py', 'initial_weights.safetensors', 'README.md', 'data/data_batch_1.bin', 'data/test_batch.bin'])
      assert.ok(existsSync(join(dir, f)), f);
    const w = decodeSafetensors(readFileSync(join(dir, 'initial_weights.safetensors')));
    assert.deepEqual(w.tensors.get('0.weight')!.shape, [8, 3, 3, 3]);
    assert.ok(w.tensors.has('1.running_mean') && w.tensors.has('1.running_var'));
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /--nproc/);
    assert.match(r.summary, /CNN \(tiny\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const preset of ['tiny', 'small', 'half', 'seed']) {
  test(`untrained test loss: exported CNN '${preset}' on CIFAR-shaped generated data equals GradLens's`, {
    skip: noTorch,
    timeout: 300000,
  }, async () => {
    await checkSameLoss({ model: 'cnn', preset, dataset: 'synthetic', seed: 7, trainLimit: 64, testLimit: preset === 'seed' ? 8 : 24 });
  });
}

test("untrained test loss: exported CNN 'grey28' on generated digits equals GradLens's", { skip: noTorch, timeout: 120000 }, async () => {
  await checkSameLoss({ model: 'cnn', preset: 'grey28', dataset: 'digits', seed: 3, trainLimit: 64, testLimit: 32 });
});

test("untrained test loss: exported ViT and sequence transformers (plain and causal) equal GradLens's", {
  skip: noTorch,
  timeout: 180000,
}, async () => {
  await checkSameLoss({ model: 'attention', preset: 'vit', dataset: 'synthetic', seed: 2, trainLimit: 64, testLimit: 24 });
  await checkSameLoss({ model: 'attention', preset: 'small', dataset: 'reverse', seed: 1, trainLimit: 64, testLimit: 40 });
  await checkSameLoss({ model: 'attention', preset: 'tiny', dataset: 'copy', seed: 1, trainLimit: 64, testLimit: 40 });
});

test('train.py --nproc 2 on CPU trains grey28 on Fashion-MNIST: falling loss, identical weights in both ranks', {
  skip: noTorch || requireOrSkip(`Fashion-MNIST at ${FASHION}`, existsSync(FASHION), "install Debian's dataset-fashion-mnist"),
  timeout: 180000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-export-ddp-'));
  try {
    await exportPyTorch({ model: 'cnn', dataset: 'fashion-mnist', dataDir: FASHION, testLimit: 1000 }, join(dir, 'out'));
    const r = python(
      join(dir, 'out'),
      '--data-dir',
      FASHION,
      '--nproc',
      '2',
      '--device',
      'cpu',
      '--steps',
      '240',
      '--json',
      '--save-weights',
      join(dir, 'w'),
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    const steps = lines.filter((l) => l.event === 'step') as { step: number; loss: number }[];
    const done = lines[lines.length - 1];
    assert.equal(done.event, 'done');
    assert.equal(done.steps, 240);
    assert.equal(done.worldSize, 2);
    assert.ok(steps[0].step === 1 && steps[0].loss > 1.5, `first loss ${steps[0].loss}`);
    const tail = steps.slice(-3).reduce((s, l) => s + l.loss, 0) / 3;
    assert.ok(tail < 0.8 * steps[0].loss, `loss ${steps[0].loss} -> ${tail}`);
    assert.ok((done.testAccuracy as number) > 0.7, `test accuracy ${done.testAccuracy}`);
    const a = readFileSync(join(dir, 'w', 'rank0.safetensors')),
      b = readFileSync(join(dir, 'w', 'rank1.safetensors'));
    assert.ok(a.equals(b), 'rank 0 and rank 1 weights differ');
    // and they moved away from the initial weights
    assert.ok(!a.equals(readFileSync(join(dir, 'out', 'initial_weights.safetensors'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gradlens train --steps 0 --json evaluates the untrained model and ends with the done line', () => {
  const r = spawnSync(
    process.execPath,
    [CLI, 'train', 'cnn', '--preset', 'tiny', '--test-limit', '20', '--train-limit', '64', '--steps', '0', '--json'],
    { encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].event, 'done');
  assert.equal(lines[0].steps, 0);
  assert.ok(Number.isFinite(lines[0].testLoss as number) && (lines[0].testAccuracy as number) >= 0);
});

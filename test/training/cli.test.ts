/** The command line: `train` with --json and its exit codes, `summary` for models and notation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/cli.js');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train --json prints step, epoch and done events, one JSON object per line; done has testAccuracy', () => {
  const r = cli('train', 'cnn', '--preset', 'tiny', '--steps', '12', '--batch-size', '16', '--seed', '3', '--json');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.every((l) => ['step', 'epoch', 'done'].includes(l.event)));
  assert.equal(lines[0].event, 'step');
  const done = lines[lines.length - 1];
  assert.equal(done.event, 'done');
  assert.equal(done.steps, 12);
  assert.ok(done.testAccuracy >= 0 && done.testAccuracy <= 1);
  assert.ok(lines.some((l) => l.event === 'epoch' && 'valAccuracy' in l));
});

test('train without --json prints a readable report and can keep the run', () => {
  const runs = mkdtempSync(join(tmpdir(), 'gradlens-cli-runs-'));
  try {
    const r = cli('train', 'attention', '--dataset', 'copy', '--preset', 'tiny', '--steps', '5', '--runs-dir', runs);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /training attention \(preset tiny, [\d,]+ parameters\) on copy/);
    assert.match(r.stdout, /done after 5 steps/);
    assert.match(r.stdout, /run saved as \S+ in /);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('train: bad usage and unloadable data exit with 2 and a clear message', () => {
  const unknown = cli('train', 'cnn', '--dataset', 'imagenet');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown dataset 'imagenet'/);
  assert.equal(cli('train', 'rnn').code, 2);
  assert.match(cli('train', 'cnn', '--steps', 'ten').stderr, /--steps must be a whole number/);
  assert.equal(cli('train', 'cnn', '--epochs', '1', '--steps', '2').code, 2);
  const missing = cli('train', 'cnn', '--dataset', 'mnist', '--data-dir', join(tmpdir(), 'gradlens-no-such-dir'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /data folder .*gradlens-no-such-dir does not exist/);
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-cli-data-'));
  try {
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
      writeFileSync(join(dir, f), Buffer.from([8, 0, 8, 1, 0, 0, 0, 0]));
    const bad = cli('train', 'cnn', '--dataset', 'fashion-mnist', '--data-dir', dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /train-images-idx3-ubyte: bad magic number 0x08000801/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(cli('train', 'cnn', '--preset', 'giant').code, 2);
});

test('train and export: a value out of range names the flag and the limit, negative numbers included, and exits 2', () => {
  const cases: [string[], RegExp][] = [
    [['--steps', '-1'], /^gradlens train: --steps must be a whole number of at least 0, got -1$/m],
    [['--lr', '0'], /^gradlens train: --lr must be a number above 0, got 0$/m],
    [['--lr=-0.5'], /^gradlens train: --lr must be a number above 0, got -0\.5$/m],
    [['--weight-decay', '-1'], /^gradlens train: --weight-decay must be a number of at least 0, got -1$/m],
    [['--seed', '-3'], /^gradlens train: --seed must be a whole number from 0 to 4294967295, got -3$/m],
    [['--batch-size', '0x10'], /^gradlens train: --batch-size must be a positive whole number, got '0x10'$/m],
    [['--backend', 'gpu'], /^gradlens train: --backend must be one of auto, fast, reference, got "gpu"$/m],
  ];
  for (const [args, message] of cases) {
    const r = cli('train', 'cnn', ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /config\.|ambiguous/);
  }
  const exported = cli('export', 'cnn', '--lr', '-1', '--out', join(tmpdir(), 'gradlens-never-written'));
  assert.equal(exported.code, 2);
  assert.match(exported.stderr, /^gradlens export: --lr must be a number above 0, got -1$/m);
});

test('summary prints the course example and the seed CNN total', () => {
  const r = cli('summary', 'INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10');
  assert.equal(r.code, 0, r.stderr);
  for (const row of [
    /CONV5-10\s+32x32x10\s+260/,
    /POOL2\s+16x16x10\s+0/,
    /CONV5-10\s+16x16x10\s+2,510/,
    /POOL2\s+8x8x10\s+0/,
    /FC-10\s+10\s+6,410/,
  ])
    assert.match(r.stdout, row);
  const seed = cli('summary', 'cnn', '--preset', 'seed');
  assert.equal(seed.code, 0);
  assert.match(seed.stdout, /Total trainable parameters: 4,181,002/);
  assert.equal(JSON.parse(cli('summary', 'cnn:seed', '--json').stdout).totalParams, 4181002);
  const bad = cli('summary', 'INPUT 32x32x1, CONV5');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /item 2 'CONV5' is not understood/);
  assert.equal(cli('summary', 'resnet').code, 2);
});

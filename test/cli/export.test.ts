/** `gradlens export`: writes the folder, refuses bad usage with exit 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/cli.js');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('export cnn --out DIR writes train.py, weights, README and data; --json reports the files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-cli-export-'));
  try {
    const r = cli('export', 'cnn', '--preset', 'tiny', '--train-limit', '32', '--test-limit', '8', '--out', join(dir, 'x'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.dir, join(dir, 'x'));
    for (const f of ['train.py', 'initial_weights.safetensors', 'README.md']) assert.ok(existsSync(join(dir, 'x', f)), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export errors exit 2: no --out, unknown model, bad option, unknown preset, the GAN on sequences, a missing data folder', () => {
  const out = join(tmpdir(), 'gradlens-cli-export-never');
  const cases: [string[], RegExp][] = [
    [['export', 'cnn'], /--out DIR is required/],
    [['export', 'mlp', '--out', out], /unknown model 'mlp'/],
    [['export', 'cnn', '--bogus', '--out', out], /bogus/],
    [['export', 'cnn', '--steps', 'x', '--out', out], /--steps must be a whole number/],
    [['export', 'cnn', '--preset', 'huge', '--out', out], /unknown CNN preset 'huge'/],
    [['export', 'gan', '--dataset', 'reverse', '--out', out], /does not suit the gan model/],
    [['export', 'cnn', '--dataset', 'cifar10', '--data-dir', join(out, 'nowhere'), '--out', out], /does not exist/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.ok(!existsSync(out));
});

test('export gan --out DIR writes train.py, weights, README and the evaluation batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-cli-export-'));
  try {
    const r = cli('export', 'gan', '--preset', 'small', '--train-limit', '64', '--out', join(dir, 'g'), '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).summary, /GAN/);
    for (const f of ['train.py', 'initial_weights.safetensors', 'README.md', 'data/gan-eval-noise.f32'])
      assert.ok(existsSync(join(dir, 'g', f)), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A PyTorch habit, end to end through the built library: seed once, pick float32 once,
 * then build and train a model with no seeds or dtypes anywhere. Each run is a fresh
 * Node process, so the default generator and the default dtype start as a user's do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type * as Api from '../../src/api';

const DIST = path.resolve('dist/gradlens.js');

/** The user's script: argv[1] is the library, argv[2] the seed ('none' leaves the default generator alone). */
const SCRIPT = `
const g = require(process.argv[1]);
const { nn, F, optim } = g;
const startSeed = g.getDefaultGenerator().seed;
const unseeded = g.randn([4]).toList();
if (process.argv[2] !== 'none') g.manualSeed(Number(process.argv[2]));
g.setDefaultDtype('float32');
const model = new nn.Sequential(
  new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
  new nn.Linear(4 * 4 * 4, 16), new nn.Dropout(0.1), new nn.ReLU(), new nn.Linear(16, 3),
);
const x = g.randn([24, 1, 8, 8]);
// labels the net can learn: the arg max of a fixed random projection of each image
const y = x.reshape([24, 64]).matmul(g.randn([64, 3])).argmax(1).toList();
const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
const losses = [];
for (let step = 0; step < 40; step++) {
  const loss = F.crossEntropy(model.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  losses.push(loss.item());
}
const dtypes = [...new Set([x, ...model.parameters()].map((t) => t.dtype))];
console.log(JSON.stringify({ startSeed, unseeded, losses, dtypes }));
`;

interface Run {
  startSeed: number;
  unseeded: number[];
  losses: number[];
  dtypes: string[];
}

function run(seed: string): Run {
  return JSON.parse(execFileSync(process.execPath, ['-e', SCRIPT, DIST, seed], { encoding: 'utf8', timeout: 60_000 })) as Run;
}

test('manualSeed(0) and float32 by default: a model with no seeds or dtypes trains, and the same seed gives the same losses', () => {
  const first = run('0'),
    second = run('0'),
    other = run('1');
  assert.deepEqual(first.dtypes, ['float32']);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  assert.ok(mean(first.losses.slice(-5)) < 0.5 * first.losses[0], `loss fell from ${first.losses[0]} to ${first.losses.at(-1)}`);
  assert.deepEqual(second.losses, first.losses, 'fresh processes with the same seed train identically');
  assert.notDeepEqual(other.losses, first.losses, 'another seed gives other weights, data and dropout masks');
});

test('without manualSeed the default generator starts from a fixed seed in every process', () => {
  const a = run('none'),
    b = run('none');
  assert.deepEqual(b.unseeded, a.unseeded);
  assert.deepEqual(b.losses, a.losses);
  const gradlens = require(DIST) as typeof Api;
  assert.deepEqual(a.unseeded, gradlens.randn([4], { seed: a.startSeed, dtype: 'float64' }).toList());
});

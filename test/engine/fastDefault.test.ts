/**
 * The library as `require('gradlens')` gives it, with no backend chosen: float32 runs
 * on the fast CPU backend from the first op, backends are picked by name, a script that
 * trains (and so starts the worker threads) ends by itself, and 200 steps of training
 * hold their memory steady. Each case is a fresh Node process, as a user's script is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const DIST = path.resolve('dist/gradlens.js');

function node(script: string, args: string[] = [], flags: string[] = [], timeout = 60_000) {
  const r = spawnSync(process.execPath, [...flags, '-e', script, DIST, ...args], { encoding: 'utf8', timeout });
  assert.equal(r.error, undefined, `the script did not end by itself within ${timeout / 1000} s (${r.error?.message})`);
  assert.equal(r.status, 0, `the script failed:\n${r.stderr}`);
  return r.stdout.trim();
}

test('a float32 op runs on the fast backend with no backend chosen; float64 stays on the reference', () => {
  const out = JSON.parse(
    node(`
    const g = require(process.argv[1]);
    const seen = [];
    const active = g.getActiveBackend();
    const gemm = active.gemm.bind(active);
    active.gemm = (args) => { seen.push(args.c.constructor.name); return gemm(args); };
    const a = g.randn([64, 64], { dtype: 'float32' });
    const y = g.matmul(a, a);
    g.matmul(a.to('float64'), a.to('float64'));
    console.log(JSON.stringify({ name: active.name, description: active.description, dtype: y.dtype, seen }));
  `),
  );
  assert.equal(out.name, 'fast');
  assert.match(out.description, /WebAssembly SIMD/);
  assert.equal(out.dtype, 'float32');
  assert.deepEqual(out.seen, ['Float32Array'], 'the float64 product must not reach the fast backend');
});

test('setBackend takes a name, getActiveBackend().name says which runs, and an unknown name is refused with the choices', () => {
  const out = JSON.parse(
    node(`
    const g = require(process.argv[1]);
    const names = [];
    for (const n of ['reference', 'blocked-js', 'fast']) { g.setBackend(n); names.push(g.getActiveBackend().name); }
    let error = '';
    try { g.setBackend('cuda'); } catch (e) { error = e.message; }
    console.log(JSON.stringify({ names, error, still: g.getActiveBackend().name }));
  `),
  );
  assert.deepEqual(out.names, ['reference', 'blocked-js', 'fast']);
  assert.match(out.error, /setBackend: backend must be one of 'reference', 'fast', 'blocked-js' or a Backend object, got 'cuda'/);
  assert.equal(out.still, 'fast', 'a refused choice leaves the backend as it was');
});

test('a script that trains on the fast backend, worker threads included, exits by itself when done', () => {
  // Large enough that the conv and the GEMMs go to the worker threads.
  const out = node(
    `
    const g = require(process.argv[1]);
    g.setDefaultDtype('float32');
    const model = new g.nn.Sequential(new g.nn.Conv2d(3, 32, 3, { padding: 1 }), new g.nn.ReLU(), new g.nn.Flatten(), new g.nn.Linear(32 * 16 * 16, 10));
    const opt = new g.optim.Adam(model.parameters());
    const x = g.randn([32, 3, 16, 16]);
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      g.F.crossEntropy(model.forward(x), Array.from({ length: 32 }, (_, k) => k % 10)).backward();
      opt.step();
    }
    console.log(g.getActiveBackend().description);
  `,
    [],
    [],
    30_000,
  );
  assert.match(out, /2 threads|[3-8] threads|1 thread/);
});

test('200 training steps hold their memory: no upward trend in live memory past warm-up', () => {
  // After a forced collection every 10 steps, the live memory (V8 heap plus typed arrays)
  // past warm-up must not trend upward.
  const samples = JSON.parse(
    node(
      `
    const g = require(process.argv[1]);
    g.manualSeed(0);
    g.setDefaultDtype('float32');
    const model = new g.nn.Sequential(
      new g.nn.Conv2d(3, 16, 3, { padding: 1 }), new g.nn.BatchNorm2d(16), new g.nn.ReLU(), new g.nn.MaxPool2d(2),
      new g.nn.Flatten(), new g.nn.Linear(16 * 8 * 8, 32), new g.nn.ReLU(), new g.nn.Dropout(0.2), new g.nn.Linear(32, 10));
    model.train();
    const opt = new g.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = g.randn([16, 3, 16, 16]);
    const y = Array.from({ length: 16 }, (_, k) => k % 10);
    const samples = [];
    for (let step = 1; step <= 200; step++) {
      opt.zeroGrad();
      const loss = g.F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      if (step % 10 === 0) {
        globalThis.gc();
        const m = process.memoryUsage();
        samples.push({ step, live: m.heapUsed + m.arrayBuffers, rss: m.rss });
      }
    }
    console.log(JSON.stringify(samples));
  `,
      [],
      ['--expose-gc'],
      120_000,
    ),
  ) as Array<{ step: number; live: number; rss: number }>;
  // The floor of each end of the steady state, 100 steps apart: the pool of recycled
  // gradients fills and drains, which lifts single samples by several MiB, but the lowest
  // sample of a window is live memory with the pool near empty, and a leak of 40 KiB a
  // step would lift that floor by 4 MiB.
  const early = samples.filter((s) => s.step > 50 && s.step <= 110),
    late = samples.filter((s) => s.step > 140);
  const floor = (xs: typeof samples) => Math.min(...xs.map((s) => s.live));
  const growth = floor(late) - floor(early);
  const mib = (b: number) => (b / 2 ** 20).toFixed(2);
  assert.ok(
    growth < 4 * 2 ** 20,
    `live memory's floor grows ${mib(growth)} MiB from steps 60..110 to steps 150..200 (samples: ${samples.map((s) => mib(s.live)).join(', ')} MiB)`,
  );
  const warmPeak = Math.max(...samples.filter((s) => s.step <= 50).map((s) => s.rss));
  const lastRss = samples[samples.length - 1].rss;
  assert.ok(lastRss < warmPeak + 32 * 2 ** 20, `resident memory went from ${mib(warmPeak)} MiB at warm-up to ${mib(lastRss)} MiB`);
});

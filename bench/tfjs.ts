/**
 * TensorFlow.js's pure-JavaScript ('cpu') backend training the same small CNN.
 * It runs at well under one image per second, so it is measured in a child
 * process (the same bundle, `--tfjs-child`) with a small batch, a few steps
 * and a wall-clock cap; the child prints one JSON line per finished step so a
 * capped run still reports what it measured.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { SMALL_CNN } from './models';
import { median } from './stats';

type Tf = typeof import('@tensorflow/tfjs');

export interface TfjsResult {
  status: 'ok' | 'skipped';
  reason?: string;
  batch: number;
  stepsMs: number[];
  /** Steps after the warm-up that the figure is the median of (0: only the warm-up step finished). */
  timedSteps: number;
  imagesPerSec: number | null;
}

/** Child side: trains SMALL_CNN (NHWC, as TF.js's CPU kernels need) and reports each step. */
export async function runTfjsChild(batch: number, steps: number): Promise<void> {
  // Loaded at run time from node_modules (a dev dependency) rather than bundled.
  const tf = createRequire(__filename)('@tensorflow/tfjs') as Tf;
  await tf.setBackend('cpu');
  await tf.ready();
  const model = tf.sequential();
  let first = true;
  for (const filters of SMALL_CNN.blocks) {
    model.add(
      tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', ...(first ? { inputShape: [SMALL_CNN.side, SMALL_CNN.side, 3] } : {}) }),
    );
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    first = false;
  }
  model.add(tf.layers.flatten());
  for (const h of SMALL_CNN.hidden) {
    model.add(tf.layers.dense({ units: h, activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.5 }));
  }
  model.add(tf.layers.dense({ units: SMALL_CNN.classes, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([batch, SMALL_CNN.side, SMALL_CNN.side, 3]);
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % SMALL_CNN.classes),
    'int32',
  );
  const y = tf.oneHot(labels, SMALL_CNN.classes);
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    await model.trainOnBatch(x, y);
    process.stdout.write(`${JSON.stringify({ tfjsStep: s, ms: performance.now() - t })}\n`);
  }
}

/** Parent side: runs the child, keeps the steps it finished within `capMs`, drops the first (warm-up). */
export function benchTfjs(batch: number, steps: number, capMs: number): Promise<TfjsResult> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    const child = spawn(process.execPath, [process.argv[1], '--tfjs-child', String(batch), String(steps)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), capMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: 'skipped', reason: `could not start: ${e.message}`, batch, stepsMs: [], timedSteps: 0, imagesPerSec: null });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stepsMs = out.split('\n').flatMap((line) => {
        if (!line.startsWith('{')) return [];
        const r = JSON.parse(line) as { tfjsStep?: number; ms?: number };
        return typeof r.ms === 'number' ? [r.ms] : [];
      });
      const timed = stepsMs.length > 1 ? stepsMs.slice(1) : stepsMs;
      if (timed.length === 0) {
        const why = signal
          ? `no step finished within ${capMs / 1000} s`
          : `exit code ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`;
        resolve({ status: 'skipped', reason: why, batch, stepsMs, timedSteps: 0, imagesPerSec: null });
        return;
      }
      resolve({ status: 'ok', batch, stepsMs, timedSteps: stepsMs.length - 1, imagesPerSec: (batch * 1000) / median(timed) });
    });
  });
}

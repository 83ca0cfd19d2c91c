// The fast CPU backend as the engine uses it: installed with useFastBackend(),
// float32 ops (matmul, F.conv2d with its fused kernels, backward included) agree
// with the same computation in float64, which never leaves the reference backend.
// Tolerance: relative 1e-4 of the largest magnitude of each result (reductions
// here are at most 300 long: float32 error ~sqrt(300)·6e-8 ≈ 1e-6 of that).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { F, randn, setBackend, getActiveBackend, referenceBackend, type Tensor, tensor, matmul } from '../../src/engine';
import { backendFor } from '../../src/engine/backend';
import type { Backend } from '../../src/engine/backend';
import { conv2d } from '../../src/engine/functional';
import { useFastBackend } from '../../src/engine/backends';

const previous = getActiveBackend();
const fast = useFastBackend();
after(() => setBackend(previous));

function assertNear(what: string, got: Tensor, want: Tensor): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.data,
    w = want.data;
  let scale = 0;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]));
  for (let i = 0; i < w.length; i++) {
    const err = Math.abs(g[i] - w[i]);
    if (!(err <= 1e-4 * scale))
      assert.fail(
        `${what}: element ${i} is ${g[i]}, float64 gives ${w[i]} (|err| ${err.toExponential(2)}, scale ${scale.toExponential(2)})`,
      );
  }
}

/** A float32 leaf and its float64 twin holding the same values. */
function pair(shape: number[], seed: number): [Tensor, Tensor] {
  const t32 = randn(shape, { seed, dtype: 'float32' });
  const t64 = t32.to('float64');
  return [t32.requiresGrad_(true), t64.requiresGrad_(true)];
}

test('useFastBackend installs the fast CPU backend for float32 only', () => {
  assert.equal(fast.name, 'fast');
  assert.equal(getActiveBackend(), fast);
  assert.equal(backendFor(new Float32Array(1)), fast);
  assert.equal(backendFor(new Float64Array(1)), referenceBackend);
  assert.equal(useFastBackend(), fast, 'one instance per process');
});

test('float32 matmul and its gradients on the fast backend match float64', () => {
  const [a32, a64] = pair([2, 37, 300], 1);
  const [b32, b64] = pair([300, 45], 2);
  const y32 = matmul(a32, b32),
    y64 = matmul(a64, b64);
  assertNear('matmul', y32, y64);
  y32.sum().backward();
  y64.sum().backward();
  assertNear('dA', a32.grad!, a64.grad!);
  assertNear('dB', b32.grad!, b64.grad!);
});

test('F.conv2d in float32 runs the fused fast kernels and matches float64, backward included', () => {
  const calls = { conv2dForward: 0, conv2dForwardBias: 0, conv2dBackwardInput: 0, conv2dBackwardWeight: 0, conv2dBackwardWeightBias: 0 };
  const counted = fast as Backend & Record<keyof typeof calls, (...args: never[]) => void>;
  for (const name of Object.keys(calls) as Array<keyof typeof calls>) {
    const original = counted[name];
    counted[name] = (...args: never[]) => {
      calls[name]++;
      return original.apply(fast, args);
    };
  }
  for (const [stride, padding, withBias] of [
    [1, 1, true],
    [2, 0, true],
    [1, 0, false],
  ] as const) {
    const [x32, x64] = pair([5, 6, 11, 9], 3);
    const [w32, w64] = pair([7, 6, 3, 3], 4);
    const [b32, b64] = withBias ? pair([7], 5) : [null, null];
    const y32 = conv2d(x32, w32, b32, { stride, padding }),
      y64 = conv2d(x64, w64, b64, { stride, padding });
    assertNear(`conv2d s${stride} p${padding}${withBias ? '' : ' without bias'}`, y32, y64);
    const [r32, r64] = pair(y32.shape, 6);
    y32.mul(r32).sum().backward();
    y64.mul(r64).sum().backward();
    assertNear('dx', x32.grad!, x64.grad!);
    assertNear('dw', w32.grad!, w64.grad!);
    if (b32 && b64) assertNear('db', b32.grad!, b64.grad!);
  }
  for (const name of Object.keys(calls) as Array<keyof typeof calls>) delete (counted as Partial<typeof counted>)[name];
  assert.deepEqual(calls, {
    conv2dForward: 1,
    conv2dForwardBias: 2,
    conv2dBackwardInput: 3,
    conv2dBackwardWeight: 1,
    conv2dBackwardWeightBias: 2,
  });
});

/** Counts calls of the named fast-backend methods while `body` runs. */
function counting<K extends string>(names: K[], body: () => void): Record<K, number> {
  const calls = Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
  const target = fast as unknown as Record<K, (...args: unknown[]) => unknown>;
  for (const name of names) {
    const original = target[name];
    target[name] = (...args: unknown[]) => {
      calls[name]++;
      return original.apply(fast, args);
    };
  }
  try {
    body();
  } finally {
    for (const name of names) delete (target as Partial<typeof target>)[name];
  }
  return calls;
}

// Odd sizes on purpose: element counts and plane sides that are not multiples of the
// four SIMD lanes, a plane side that pooling must truncate, one position per channel.
const SHAPES: number[][] = [
  [2, 3, 5, 7],
  [4, 8, 16, 16],
  [3, 5, 9, 10],
  [6, 2, 1, 1],
  [1, 7, 33, 13],
];

test('ReLU on the fast kernels matches float64, forward and backward, on odd sizes', () => {
  const calls = counting(['reluForward', 'reluBackward'], () => {
    SHAPES.forEach((shape, i) => {
      const [x32, x64] = pair(shape, 10 + i);
      const [r32, r64] = pair(shape, 20 + i);
      const y32 = F.relu(x32),
        y64 = F.relu(x64);
      assertNear(`relu ${shape}`, y32, y64);
      y32.mul(r32).sum().backward();
      y64.mul(r64).sum().backward();
      assertNear(`relu dx ${shape}`, x32.grad!, x64.grad!);
    });
  });
  assert.deepEqual(calls, { reluForward: SHAPES.length, reluBackward: SHAPES.length });
});

test('ReLU on the fast kernels keeps NaN, turns -0 into +0 and sends no gradient through either', () => {
  const x = tensor([Number.NaN, -0, 0, -1, 2, Number.NaN, -3, 4, 5], { dtype: 'float32' }).requiresGrad_(true);
  const y = F.relu(x);
  assert.deepEqual(
    Array.from(y.data).map((v) => (Object.is(v, -0) ? '-0' : v)),
    [Number.NaN, 0, 0, 0, 2, Number.NaN, 0, 4, 5],
  );
  y.sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), [0, 0, 0, 0, 1, 0, 0, 1, 1]);
});

test('2x2 max pooling on the fast kernels matches float64 and routes gradients to the same winners', () => {
  const calls = counting(['maxPool2x2', 'maxPool2x2Backward'], () => {
    SHAPES.filter((s) => s[2] >= 2 && s[3] >= 2).forEach((shape, i) => {
      const [x32, x64] = pair(shape, 30 + i);
      const y32 = F.maxPool2d(x32, { kernelSize: 2 }),
        y64 = F.maxPool2d(x64, { kernelSize: 2 });
      assertNear(`maxPool2d ${shape}`, y32, y64);
      const [r32, r64] = pair(y32.shape, 40 + i);
      y32.mul(r32).sum().backward();
      y64.mul(r64).sum().backward();
      assertNear(`maxPool2d dx ${shape}`, x32.grad!, x64.grad!);
    });
  });
  const pooled = SHAPES.filter((s) => s[2] >= 2 && s[3] >= 2).length;
  assert.deepEqual(calls, { maxPool2x2: pooled, maxPool2x2Backward: pooled });
});

test('2x2 max pooling on the fast kernels: the first maximum wins a tie, and a NaN wins its window', () => {
  // one plane 2 x 10: five windows, four through the SIMD path and one through its tail
  const top = [1, 1, 5, 2, Number.NaN, 9, 0, 0, 3, 7];
  const bottom = [1, 0, 5, 5, 9, 9, 0, 0, Number.NaN, 7];
  const x = tensor([[[top, bottom]]], { dtype: 'float32' }).requiresGrad_(true);
  const y = F.maxPool2d(x, { kernelSize: 2 });
  assert.deepEqual(Array.from(y.data), [1, 5, Number.NaN, 0, Number.NaN]);
  y.sum().backward();
  const g = Array.from(x.grad!.data);
  // winners: (0,0) first of four 1s; (0,2) the top 5 before the bottom ones; the NaN at (0,4);
  // (0,6) the first 0; the NaN at (1,8)
  const want = new Array(20).fill(0);
  for (const at of [0, 2, 4, 6, 18]) want[at] = 1;
  assert.deepEqual(g, want);
});

test('batch norm on the fast kernels matches float64 in training and evaluation, backward and running statistics included', () => {
  const calls = counting(['channelMomentsAffine', 'channelAffine', 'channelGradAffine'], () => {
    SHAPES.forEach((shape, i) => {
      for (const training of [true, false]) {
        const C = shape[1];
        const [x32, x64] = pair(shape, 50 + i);
        // a mean far from zero next to the spread: the case a float32 x·a - m·a would get wrong
        const X32 = x32.data,
          X64 = x64.data;
        for (let k = 0; k < X32.length; k++) {
          X32[k] += 40;
          X64[k] = X32[k];
        }
        const [w32, w64] = pair([C], 60 + i);
        const [b32, b64] = pair([C], 70 + i);
        const rm32 = tensor(new Array(C).fill(0.5), { dtype: 'float32' }),
          rm64 = tensor(new Array(C).fill(0.5));
        const rv32 = tensor(new Array(C).fill(2), { dtype: 'float32' }),
          rv64 = tensor(new Array(C).fill(2));
        const y32 = F.batchNorm(x32, { weight: w32, bias: b32, runningMean: rm32, runningVar: rv32, training });
        const y64 = F.batchNorm(x64, { weight: w64, bias: b64, runningMean: rm64, runningVar: rv64, training });
        assertNear(`batchNorm ${shape} training=${training}`, y32, y64);
        assertNear('running mean', rm32, rm64);
        assertNear('running var', rv32, rv64);
        const [r32, r64] = pair(shape, 80 + i);
        y32.mul(r32).sum().backward();
        y64.mul(r64).sum().backward();
        assertNear(`batchNorm dx ${shape} training=${training}`, x32.grad!, x64.grad!);
        assertNear('dγ', w32.grad!, w64.grad!);
        assertNear('dβ', b32.grad!, b64.grad!);
      }
    });
  });
  assert.deepEqual(calls, { channelMomentsAffine: SHAPES.length, channelAffine: SHAPES.length, channelGradAffine: 2 * SHAPES.length });
});

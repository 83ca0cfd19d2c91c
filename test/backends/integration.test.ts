// The fast CPU backend as the engine uses it: installed with useFastBackend(),
// float32 ops (matmul, F.conv2d with its fused kernels, backward included) agree
// with the same computation in float64, which never leaves the reference backend.
// Tolerance: relative 1e-4 of the largest magnitude of each result (reductions
// here are at most 300 long: float32 error ~sqrt(300)·6e-8 ≈ 1e-6 of that).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randn, setBackend, getActiveBackend, referenceBackend, type Tensor, matmul } from '../../src/engine';
import { backendFor } from '../../src/engine/backend';
import type { Backend } from '../../src/engine/backend';
import { conv2d } from '../../src/engine/functional';
import { useFastBackend } from '../../src/engine/backends';

const previous = getActiveBackend();
const fast = useFastBackend();
after(() => setBackend(previous));

function assertNear(what: string, got: Tensor, want: Tensor): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.data, w = want.data;
  let scale = 0;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]));
  for (let i = 0; i < w.length; i++) {
    const err = Math.abs(g[i] - w[i]);
    if (!(err <= 1e-4 * scale)) assert.fail(`${what}: element ${i} is ${g[i]}, float64 gives ${w[i]} (|err| ${err.toExponential(2)}, scale ${scale.toExponential(2)})`);
  }
}

/** A float32 leaf and its float64 twin holding the same values. */
function pair(shape: number[], seed: number): [Tensor, Tensor] {
  const t32 = randn(shape, { seed, dtype: 'float32' });
  const t64 = t32.to('float64');
  return [t32.requiresGrad_(true), t64.requiresGrad_(true)];
}

test('useFastBackend installs the fast CPU backend for float32 only', () => {
  assert.equal(fast.name, 'fast-cpu');
  assert.equal(getActiveBackend(), fast);
  assert.equal(backendFor(new Float32Array(1)), fast);
  assert.equal(backendFor(new Float64Array(1)), referenceBackend);
  assert.equal(useFastBackend(), fast, 'one instance per process');
});

test('float32 matmul and its gradients on the fast backend match float64', () => {
  const [a32, a64] = pair([2, 37, 300], 1);
  const [b32, b64] = pair([300, 45], 2);
  const y32 = matmul(a32, b32), y64 = matmul(a64, b64);
  assertNear('matmul', y32, y64);
  y32.sum().backward();
  y64.sum().backward();
  assertNear('dA', a32.grad!, a64.grad!);
  assertNear('dB', b32.grad!, b64.grad!);
});

test('F.conv2d in float32 runs the fused fast kernels and matches float64, backward included', () => {
  const calls = { conv2dForward: 0, conv2dBackwardInput: 0, conv2dBackwardWeight: 0 };
  const counted = fast as Backend & Record<keyof typeof calls, (...args: never[]) => void>;
  for (const name of Object.keys(calls) as Array<keyof typeof calls>) {
    const original = counted[name];
    counted[name] = (...args: never[]) => {
      calls[name]++;
      return original.apply(fast, args);
    };
  }
  for (const [stride, padding] of [[1, 1], [2, 0]]) {
    const [x32, x64] = pair([5, 6, 11, 9], 3);
    const [w32, w64] = pair([7, 6, 3, 3], 4);
    const [b32, b64] = pair([7], 5);
    const y32 = conv2d(x32, w32, b32, { stride, padding }), y64 = conv2d(x64, w64, b64, { stride, padding });
    assertNear(`conv2d s${stride} p${padding}`, y32, y64);
    const [r32, r64] = pair(y32.shape, 6);
    y32.mul(r32).sum().backward();
    y64.mul(r64).sum().backward();
    assertNear('dx', x32.grad!, x64.grad!);
    assertNear('dw', w32.grad!, w64.grad!);
    assertNear('db', b32.grad!, b64.grad!);
  }
  for (const name of Object.keys(calls) as Array<keyof typeof calls>) delete (counted as Partial<typeof counted>)[name];
  assert.deepEqual(calls, { conv2dForward: 2, conv2dBackwardInput: 2, conv2dBackwardWeight: 2 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { linearRelu } from './layers';

// The speed case: Linear(64 -> 32) + ReLU on x [8, 64], w.r.t. x, W and b
// (2,592 scalars). Asserted: the check passes in full mode with 2 + 2 x 2,592 forward
// calls (two central differences per scalar), the count PyTorch's gradcheck makes on the
// same layer (scripts/bench_torch_gradcheck.py counts it), so the checker does no more
// work than PyTorch's. Times are only printed: a shared machine makes them drift, and
// `npm run bench` compares them with PyTorch's within one run.
test('Linear(64->32)+ReLU full check: forward calls and time', (t) => {
  const target = linearRelu(8, 64, 32);
  checkTarget(target, { mode: 'full' }); // warm up the JIT
  const times: number[] = [];
  let report = checkTarget(target, { mode: 'full' });
  for (let i = 0; i < 5; i++) {
    report = checkTarget(target, { mode: 'full' });
    times.push(report.timeMs);
  }
  assert.equal(report.passed, true);
  assert.equal(report.forwardCalls, 2 + 2 * 2592);
  times.sort((a, b) => a - b);
  const fast = checkTarget(target, { mode: 'fast' });
  assert.equal(fast.passed, true);
  t.diagnostic(
    `full: median ${times[2].toFixed(1)} ms, best ${times[0].toFixed(1)} ms, ${report.forwardCalls} forward calls; fast: ${fast.timeMs.toFixed(2)} ms, ${fast.forwardCalls} forward calls`,
  );
});

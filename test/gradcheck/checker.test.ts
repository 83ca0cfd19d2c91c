import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget, resolveTolerance } from '../../src/gradcheck/checker';
import type { CheckTarget } from '../../src/gradcheck/types';
import { affine, flat, relu } from './layers';

const full = { mode: 'full' as const };

test('a correct affine layer passes with tiny errors and 2 + 2·size forward calls', () => {
  const report = checkTarget(affine(4, 5, 3), full);
  assert.equal(report.error, undefined);
  assert.equal(report.passed, true);
  assert.deepEqual(
    report.inputs.map((i) => i.status),
    ['passed', 'passed', 'passed'],
  );
  for (const input of report.inputs) {
    assert.ok(input.maxAbsError < 1e-8, `${input.name}: ${input.maxAbsError}`);
    assert.equal(
      input.checkedCount,
      input.shape.reduce((a, b) => a * b, 1),
    );
    assert.equal(input.kinkCount, 0);
    assert.equal(input.worst.length, Math.min(5, input.checkedCount));
    assert.equal(input.analytic?.length, input.checkedCount);
    assert.equal(input.numeric?.length, input.checkedCount);
  }
  assert.equal(report.forwardCalls, 2 + 2 * (20 + 15 + 3));
  assert.deepEqual(report.tolerance, { atol: 1e-5, rtol: 1e-3, eps: 1e-6 });
});

test('the target inputs are never modified', () => {
  const target = affine(3, 4, 2);
  const before = target.inputs.map((t) => Array.from(t.data));
  checkTarget(target, full);
  assert.deepEqual(
    target.inputs.map((t) => Array.from(t.data)),
    before,
  );
});

test('the same seed gives the same report; another seed another upstream gradient', () => {
  const a = checkTarget(
    affine(3, 4, 2, (g) => [g[0], g[1], g[2] && { ...g[2], data: g[2].data.map((v) => v * 0.5) }]),
    { mode: 'full', seed: 3 },
  );
  const b = checkTarget(
    affine(3, 4, 2, (g) => [g[0], g[1], g[2] && { ...g[2], data: g[2].data.map((v) => v * 0.5) }]),
    { mode: 'full', seed: 3 },
  );
  const c = checkTarget(
    affine(3, 4, 2, (g) => [g[0], g[1], g[2] && { ...g[2], data: g[2].data.map((v) => v * 0.5) }]),
    { mode: 'full', seed: 4 },
  );
  assert.deepEqual(a.inputs[2].worst, b.inputs[2].worst);
  assert.notDeepEqual(a.inputs[2].numeric, c.inputs[2].numeric);
});

test('tolerance precedence: defaults < options (user settings) < the layer', () => {
  assert.deepEqual(resolveTolerance(undefined, undefined), { atol: 1e-5, rtol: 1e-3, eps: 1e-6 });
  assert.deepEqual(resolveTolerance({ atol: 1e-3 }, undefined), { atol: 1e-3, rtol: 1e-3, eps: 1e-6 });
  assert.deepEqual(resolveTolerance({ atol: 1e-3, eps: 1e-4 }, { atol: 0.5 }), { atol: 0.5, rtol: 1e-3, eps: 1e-4 });
  assert.throws(() => resolveTolerance({ eps: 0 }), /tolerance\.eps must be a positive/);
  assert.equal(
    checkTarget(affine(2, 2, 2), { mode: 'full', tolerance: { atol: -1 } }).error,
    'invalid check options: tolerance.atol must be a non-negative finite number, got -1',
  );

  // db off by 1%: fails by default, passes with a layer tolerance even when settings are strict.
  const slightlyOff = () => affine(3, 4, 2, (g) => [g[0], g[1], { data: g[2]!.data.map((v) => v * 1.01), shape: [2] }]);
  assert.equal(checkTarget(slightlyOff(), { mode: 'full', tolerance: { rtol: 1e-6 } }).passed, false);
  const lenient = { ...slightlyOff(), tolerance: { rtol: 0.05 } };
  const report = checkTarget(lenient, { mode: 'full', tolerance: { rtol: 1e-6 } });
  assert.equal(report.tolerance.rtol, 0.05);
  assert.equal(report.passed, true);
});

test('an input without a gradient is "not checked"; the layer still passes on the others', () => {
  const report = checkTarget(
    affine(3, 4, 2, (g) => [g[0], g[1], null]),
    full,
  );
  assert.equal(report.inputs[2].status, 'not-checked');
  assert.match(report.inputs[2].diagnosis ?? '', /no gradient for b/);
  assert.equal(report.passed, true);
  assert.equal(report.forwardCalls, 2 + 2 * (12 + 8));
});

test('a layer with no gradient at all does not pass', () => {
  const report = checkTarget(
    affine(3, 4, 2, () => [null, null, null]),
    full,
  );
  assert.deepEqual(
    report.inputs.map((i) => i.status),
    ['not-checked', 'not-checked', 'not-checked'],
  );
  assert.equal(report.passed, false);
});

test('a throwing backward becomes the layer error, with its message', () => {
  const target: CheckTarget = {
    ...affine(2, 3, 2),
    backward: () => {
      throw new Error('dout is not defined');
    },
  };
  const report = checkTarget(target, full);
  assert.equal(report.passed, false);
  assert.equal(report.error, 'backward threw: dout is not defined');
  assert.deepEqual(report.inputs, []);
});

test('a forward that throws while perturbed names the element', () => {
  const base = affine(2, 3, 2);
  let calls = 0;
  const target: CheckTarget = {
    ...base,
    forward: (inputs) => {
      if (++calls === 7) throw 'exploded';
      return base.forward(inputs);
    },
  };
  const report = checkTarget(target, full);
  assert.match(report.error ?? '', /^forward threw while perturbing x\[0,2\]: exploded$/);
  assert.equal(report.forwardCalls, 7);
});

test('NaN in the forward output is a layer error', () => {
  const target = relu([1, 2, 3]);
  const report = checkTarget({ ...target, forward: () => ({ out: flat([1, NaN, 3], [3]), cache: null }) }, full);
  assert.match(report.error ?? '', /forward output has NaN at 1 of 3 elements \(first at \[1\]\)/);
  assert.equal(report.passed, false);
});

test('a forward that changes its input in place is a layer error', () => {
  const target = relu([1, -2, 3]);
  const report = checkTarget(
    {
      ...target,
      forward: (xs) => {
        xs[0].data[1] = 0;
        return target.forward(xs);
      },
    },
    full,
  );
  assert.match(report.error ?? '', /forward changed its input x in place \(at \[1\]\)/);
});

test('backward returning the wrong number of gradients, or not an array', () => {
  const two = checkTarget(
    affine(2, 3, 2, (g) => g.slice(0, 2)),
    full,
  );
  assert.equal(two.error, 'backward returned 2 gradients for 3 inputs (x, w, b)');
  const obj = checkTarget({ ...affine(2, 3, 2), backward: () => ({ x: 1 }) as never }, full);
  assert.match(obj.error ?? '', /backward returned an object instead of one gradient per input \(x, w, b\)/);
  const num = checkTarget({ ...affine(2, 3, 2), backward: () => [1, null, null] as never }, full);
  assert.match(num.error ?? '', /gradient for x is a number, not an array of numbers/);
});

test('a nondeterministic forward is its own finding and no gradient is judged', () => {
  const base = affine(2, 3, 2);
  const target: CheckTarget = {
    ...base,
    forward: (inputs) => {
      const r = base.forward(inputs);
      r.out.data[0] += Math.random() * 1e-3 + 1e-4;
      return r;
    },
  };
  const report = checkTarget(target, full);
  assert.equal(report.passed, false);
  assert.match(report.nondeterminism ?? '', /different outputs for the same inputs \(max difference [0-9.e-]+\).*ctx\.rng/);
  assert.deepEqual(
    report.inputs.map((i) => i.status),
    ['not-checked', 'not-checked', 'not-checked'],
  );
  assert.equal(report.forwardCalls, 2);
});

test('mismatched input names and data are reported, not thrown', () => {
  const target = affine(2, 3, 2);
  const report = checkTarget({ ...target, inputNames: ['x', 'w'] }, full);
  assert.match(report.error ?? '', /2 input names but 3 inputs/);
  const bad = checkTarget({ ...target, inputs: [flat([1, 2], [2, 3]), target.inputs[1], target.inputs[2]] }, full);
  assert.match(bad.error ?? '', /input x has 2 values but shape \[2, 3\]/);
});

test("an invalid tolerance on the layer is the layer's error", () => {
  const report = checkTarget({ ...affine(2, 2, 2), tolerance: { eps: 0 } }, full);
  assert.equal(report.error, "the layer's tolerance.eps must be a positive finite number, got 0");
});

test('a forward that throws at once, or changes its output size, is a layer error', () => {
  const base = affine(2, 2, 2);
  const throws = checkTarget(
    {
      ...base,
      forward: () => {
        throw new TypeError('x.matmul is not a function');
      },
    },
    full,
  );
  assert.equal(throws.error, 'forward threw: x.matmul is not a function');
  assert.equal(throws.forwardCalls, 1);
  let calls = 0;
  const grows = checkTarget({ ...base, forward: () => ({ out: flat(new Array(++calls).fill(1), [calls]), cache: null }) }, full);
  assert.match(grows.error ?? '', /output changed size between two calls on the same inputs \(1, then 2 elements\)/);
});

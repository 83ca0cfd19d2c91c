/**
 * Parity of the engine's core tensor ops with PyTorch, in float64: outputs, and
 * gradients of L = sum(out * R) for every input (fixtures from
 * scripts/torch_fixtures.py; tolerance in ./fixture.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, concat, stack, where } from '../../src/engine';
import { checkOpCase, ErrorTally, type FixtureFile, type OpCase } from './fixture';
import coreJson from '../fixtures/torch/core.json';

const fixture = coreJson as unknown as FixtureFile<OpCase>;
type Params = Record<string, unknown>;
type Op = (t: Record<string, Tensor>, p: Params) => Tensor;

const dimOf = (p: Params): number | number[] | undefined => (p.dim === null ? undefined : (p.dim as number | number[]));
/** Inputs x0, x1, ... in order (for concat and stack). */
const listed = (t: Record<string, Tensor>): Tensor[] =>
  Object.keys(t)
    .filter((k) => /^x\d+$/.test(k))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((k) => t[k]);

const ops: Record<string, Op> = {
  add: (t) => t.a.add(t.b),
  sub: (t) => t.a.sub(t.b),
  mul: (t) => t.a.mul(t.b),
  div: (t) => t.a.div(t.b),
  maximum: (t) => t.a.maximum(t.b),
  minimum: (t) => t.a.minimum(t.b),
  pow: (t) => t.a.pow(t.b),
  powScalar: (t, p) => t.a.pow(p.exponent as number),
  neg: (t) => t.a.neg(),
  exp: (t) => t.a.exp(),
  log: (t) => t.a.log(),
  sqrt: (t) => t.a.sqrt(),
  abs: (t) => t.a.abs(),
  square: (t) => t.a.square(),
  relu: (t) => t.a.relu(),
  sigmoid: (t) => t.a.sigmoid(),
  tanh: (t) => t.a.tanh(),
  clamp: (t, p) => t.a.clamp(p.min as number, p.max as number),
  where: (t) => where(t.cond, t.a, t.b),
  matmul: (t) => t.a.matmul(t.b),
  sum: (t, p) => t.a.sum(dimOf(p), p.keepdim as boolean),
  mean: (t, p) => t.a.mean(dimOf(p), p.keepdim as boolean),
  max: (t, p) => t.a.max(dimOf(p) as number | undefined, p.keepdim as boolean),
  min: (t, p) => t.a.min(dimOf(p) as number | undefined, p.keepdim as boolean),
  transpose: (t, p) => t.a.transpose(p.dim0 as number, p.dim1 as number),
  permute: (t, p) => t.a.permute(p.dims as number[]),
  permuteReshape: (t, p) => t.a.permute([1, 0, 2]).reshape(p.shape as number[]),
  flatten: (t, p) => t.a.flatten(p.start as number, p.end as number),
  expand: (t, p) => t.a.expand(p.shape as number[]),
  gather: (t, p) => t.a.gather(p.dim as number, t.index),
  concat: (t, p) => concat(listed(t), p.dim as number),
  stack: (t, p) => stack(listed(t), p.dim as number),
  narrow: (t, p) => t.a.narrow(p.dim as number, p.start as number, p.length as number),
  indexSelect: (t, p) => t.a.indexSelect(p.rows as number[]),
  composite: (t) =>
    t.x
      .mul(t.x)
      .add(t.x.exp().div(t.y.abs().add(1)))
      .sum(1)
      .mul(t.x.mean()),
};

const tally = new ErrorTally();

test('every core fixture op has an engine counterpart', () => {
  const missing = [...new Set(fixture.cases.map((c) => c.op))].filter((op) => !(op in ops));
  assert.deepEqual(missing, [], `fixture ops without an engine mapping: ${missing.join(', ')}`);
  assert.ok(fixture.cases.length > 50, `expected the full core fixture set, found ${fixture.cases.length} cases`);
});

for (const c of fixture.cases) {
  test(`core parity: ${c.name}`, () => {
    const op = ops[c.op];
    assert.ok(op, `${c.name}: no engine mapping for op '${c.op}'`);
    checkOpCase(c, op, tally);
  });
}

after(() => {
  console.log(
    `core parity: largest error relative to each tensor's max |value|: ${tally.maxRel.toExponential(2)} at ${tally.where || '-'}`,
  );
});

/**
 * The README's first command (`npm start` runs scripts/quickstart.mjs on the built dist/):
 * every bundled example comes out as intended, a wrong layer leads with its finding as on
 * every other surface, and the short training run finishes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('npm start: the examples come out as intended, findings lead, and the CNN trains', () => {
  // Debian's interpreter has numpy and torch: the torch examples run too.
  const run = spawnSync(process.execPath, ['scripts/quickstart.mjs'], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, GRADLENS_PYTHON: '/usr/bin/python3', NO_COLOR: '1' },
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const out = run.stdout;
  assert.doesNotMatch(out, /UNEXPECTED|skipped/);
  assert.match(out, /✓ passed {2}MaskedAttention {2}\(examples\/python\/attention\.py:\d+\)/);
  const slip = out.slice(out.indexOf('✗ failed  twoLayerNetSlip'));
  assert.match(
    slip,
    /^.*\n {6}finding: x, W1, b1 come out right when W1 is given W2's values.*\n {6}x: failed/,
    'the mix-up leads, above the inputs',
  );
  assert.match(slip, /\n {6}hint: W2, b2 are right but x, W1, b1 are wrong/);
  assert.match(out, /dropoutMathRandom.*\n {6}nondeterministic: forward gave different outputs for the same inputs/);
  assert.match(out, /done after 60 steps in [\d.]+ s: loss [\d.]+, accuracy [\d.]+%/);
});

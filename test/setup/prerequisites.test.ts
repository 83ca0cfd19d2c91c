/**
 * What `npm test` does before any test runs (scripts/prepare-tests.mjs), decided without
 * installing anything: which Debian packages count as missing, and that only root
 * installs them while anyone else is stopped with the exact command. And what a test does
 * when one is missing all the same: skip, except under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aptPlan, missingPackages, testPackages } from '../../scripts/testPrerequisites.mjs';
import { requireOrSkip } from '../helpers/requireOrSkip';

test('a browser missing where GRADLENS_CHROMIUM points is a missing chromium; build tools count only while code-server is to be built', () => {
  const env = { ...process.env, GRADLENS_CHROMIUM: '/nonexistent/chromium', PATH: '' };
  const built = testPackages(env, { buildingCodeServer: false });
  assert.deepEqual(
    built.map((p) => p.apt),
    ['chromium', 'python3-torch', 'dataset-fashion-mnist'],
  );
  assert.ok(missingPackages(built).includes('chromium'));
  const toBuild = missingPackages(testPackages(env, { buildingCodeServer: true }));
  assert.ok(toBuild.includes('build-essential'), 'no make or g++ on an empty PATH');
  assert.ok(toBuild.includes('python3'), 'no python3 on an empty PATH for node-gyp');
});

test('not root: a stop before any test, naming each missing package and the one line that installs them', () => {
  const packages = testPackages(process.env, { buildingCodeServer: true });
  const plan = aptPlan(packages, ['chromium', 'libkrb5-dev'], false);
  assert.deepEqual(plan.commands, undefined);
  assert.match(plan.stop ?? '', /^ {2}chromium: the browser tests/m);
  assert.match(plan.stop ?? '', /^ {2}libkrb5-dev: code-server's kerberos module$/m);
  assert.ok(plan.stop?.endsWith('\n  sudo apt-get install -y --no-install-recommends chromium libkrb5-dev'), plan.stop);
});

test('root: apt-get update, then one install of exactly the missing packages; nothing missing, nothing to do', () => {
  const packages = testPackages(process.env, { buildingCodeServer: false });
  assert.deepEqual(aptPlan(packages, ['python3-torch', 'dataset-fashion-mnist'], true), {
    commands: [
      ['apt-get', 'update', '-q'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'python3-torch', 'dataset-fashion-mnist'],
    ],
  });
  assert.deepEqual(aptPlan(packages, [], false), { commands: [] });
  assert.deepEqual(aptPlan(packages, [], true), { commands: [] });
});

test('requireOrSkip: nothing when available; a skip with the fix when not; under CI=true a failure instead', () => {
  const saved = process.env.CI;
  try {
    delete process.env.CI;
    assert.equal(requireOrSkip('Chromium', true, 'install chromium'), false);
    assert.equal(requireOrSkip('Chromium', false, 'install chromium'), 'Chromium is missing (install chromium)');
    process.env.CI = 'true';
    assert.equal(requireOrSkip('Chromium', true, 'install chromium'), false);
    assert.throws(
      () => requireOrSkip('Chromium', false, 'install chromium'),
      /^Error: Chromium is missing \(install chromium\); with CI=true/,
    );
    process.env.CI = 'false';
    assert.equal(requireOrSkip('Chromium', false, 'install chromium'), 'Chromium is missing (install chromium)');
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});

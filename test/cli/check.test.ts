import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCheck } from '../../src/cli/check';
import { disposeSandbox } from '../../src/layers/sandbox';
import type { JsonReport } from '../../src/gradcheck';

const workerPath = path.resolve('dist/sandboxWorker.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'gradlens-cli-'));

test.after(() => disposeSandbox());

/** Runs the command in this process (the sandbox threads stay warm between tests), capturing its output. */
async function check(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const write = process.stderr.write;
  console.log = (...a: unknown[]) => out.push(`${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => err.push(`${a.join(' ')}\n`);
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as unknown as typeof process.stderr.write;
  try {
    const code = await runCheck(argv, { workerPath });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

const correctExamples = readdirSync('examples')
  .filter((f) => /\.(ts|js)$/.test(f))
  .map((f) => path.join('examples', f));

test('every correct example passes: exit 0, one JSON object', async () => {
  assert.ok(correctExamples.length >= 8, `examples: ${correctExamples.join(', ')}`);
  const { code, stdout } = await check(...correctExamples, '--json');
  const json = JSON.parse(stdout) as JsonReport;
  const failed = json.layers
    .filter((l) => !l.passed)
    .map((l) => `${l.name}: ${l.error ?? JSON.stringify(l.inputs.map((i) => [i.name, i.status, i.diagnosis]))}`);
  assert.deepEqual(failed, []);
  assert.equal(code, 0);
  const names = json.layers.map((l) => l.name);
  for (const n of [
    'mlp (problem 1)',
    'twoLayerNet',
    'ganDiscriminatorObjective',
    'maskedAttention',
    'conv',
    'batchNorm',
    'maxPoolWithTies',
    'dropout',
  ]) {
    assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
  }
  const maxPool = json.layers.find((l) => l.name === 'maxPoolWithTies')!;
  assert.ok(maxPool.inputs[0].kinkCount > 0, 'the ties are reported as kinks');
  for (const l of json.layers) {
    assert.equal(typeof l.file, 'string');
    assert.equal(typeof l.line, 'number');
    for (const i of l.inputs) assert.ok(['name', 'status', 'maxAbsError', 'maxRelError', 'worst'].every((k) => k in i));
  }
});

test('every deliberately wrong example fails, clearly: exit 1', async () => {
  const { code, stdout } = await check('examples/wrong', '--json');
  assert.equal(code, 1);
  const layers = new Map((JSON.parse(stdout) as JsonReport).layers.map((l) => [l.name, l]));
  assert.ok([...layers.values()].every((l) => !l.passed));
  const slip = layers.get('twoLayerNetSlip')!;
  assert.deepEqual(
    slip.inputs.map((i) => [i.name, i.status]),
    [
      ['x', 'failed'],
      ['W1', 'failed'],
      ['b1', 'failed'],
      ['W2', 'passed'],
      ['b2', 'passed'],
    ],
  );
  assert.ok(slip.inputs[1].worst.length > 0);
  const bn = layers.get('batchNormMeanSlip')!;
  assert.match(bn.inputs.find((i) => i.name === 'beta')?.diagnosis ?? '', /1\/6/);
  assert.match(layers.get('dropoutMathRandom')?.nondeterminism ?? '', /ctx\.rng/);
});

test('the table has no colour codes when stdout is not a terminal', async () => {
  const { code, stdout } = await check('examples/wrong/twoLayerNetSlip.js');
  assert.equal(code, 1);
  assert.match(stdout, /twoLayerNetSlip/);
  assert.match(stdout, /FAILED/);
  assert.doesNotMatch(stdout, /\x1b\[/);
});

test('the mix-up in the slipped network leads, above the per-input table', async () => {
  const { stdout } = await check('examples/wrong/twoLayerNetSlip.js');
  assert.match(
    stdout,
    /✗ twoLayerNetSlip[^\n]*\n {4}finding: [^\n]*so the backward seems to mix them up: it uses W1 where W2 belongs, or W2 where W1 belongs\n {4}input /,
  );
});

test("a tag's looser atol is said, not applied silently: table, JSON and exit 0", async () => {
  // Doubling whose backward is off by 5e-5: wrong at the default atol 1e-5, right at the tag's 1e-4.
  const pair = (tag: string) =>
    `/** @gradcheck x:[4]${tag} */\n` +
    'export function doubleForward(x) { return [x.map((v) => 2 * v), null]; }\n' +
    'export function doubleBackward(dout) { return [dout.map((u) => 2 * u + 5e-5)]; }\n';
  const loose = path.join(tmp, 'looseDouble.js');
  writeFileSync(loose, pair(' atol=1e-4'));
  const table = await check(loose);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /\n {4}tolerance: passed at the layer's atol 1e-4 \(settings: atol 1e-5\)\n/);
  const json = JSON.parse((await check(loose, '--json')).stdout) as JsonReport;
  assert.equal(json.layers[0].toleranceNote, "passed at the layer's atol 1e-4 (settings: atol 1e-5)");
  const strict = path.join(tmp, 'strictDouble.js');
  writeFileSync(strict, pair(''));
  const failed = await check(strict);
  assert.equal(failed.code, 1);
  assert.doesNotMatch(failed.stdout, /tolerance:/);
});

test('--fast and --sparse reach the checker; --junit writes XML', async () => {
  const junit = path.join(tmp, 'report.xml');
  const fast = await check('examples/mlp.ts', '--fast', '--json', '--junit', junit);
  assert.equal(fast.code, 0);
  assert.ok((JSON.parse(fast.stdout) as JsonReport).layers.every((l) => l.mode === 'fast'));
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuites?[\s>]/);
  assert.match(xml, /mlp \(problem 1\)/);
  const sparse = await check('examples/conv.js', '--sparse', '5', '--seed', '3', '--json');
  assert.equal(sparse.code, 0);
  const conv = (JSON.parse(sparse.stdout) as JsonReport).layers[0];
  assert.equal(conv.mode, 'sparse');
  assert.ok(conv.inputs.every((i) => i.checkedCount <= 5));
});

test('exit 2: a file that cannot be loaded, a missing path, bad usage', async () => {
  const broken = path.join(tmp, 'broken.ts');
  writeFileSync(
    broken,
    "import { layer } from 'gradlens';\nexport const a = layer({ inputs: { x: [2] }, forward: ({ x }) => x.mul(, backward: (_i, d) => ({ x: d }) });\n",
  );
  const loadFail = await check(broken, 'examples/ganDiscriminator.ts', '--json');
  assert.equal(loadFail.code, 2);
  const layers = (JSON.parse(loadFail.stdout) as JsonReport).layers;
  assert.match(layers[0].error ?? '', /broken\.ts:2:\d+: /);
  assert.equal(layers[1].passed, true, 'the other file is still checked');

  assert.equal((await check('no/such/file.ts')).code, 2);
  const usage = await check('examples', '--sparse', 'many');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--sparse must be an integer/);
  assert.equal((await check('examples', '--fast', '--sparse', '4')).code, 2);
  assert.equal((await check()).code, 2);
  assert.equal((await check('examples', '--bogus')).code, 2);
  const empty = path.join(tmp, 'plain.js');
  writeFileSync(empty, 'export const nothing = 1;\n');
  const none = await check(empty);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /no checkable layers found/);
});

test('untagged layer-like code is named with the tag it needs: in a folder with nothing tagged, in a file named outright, after the table', async () => {
  const dir = mkdtempSync(path.join(tmp, 'untagged-'));
  const relu = path.join(dir, 'relu.py');
  writeFileSync(
    relu,
    'import numpy as np\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n',
  );
  writeFileSync(path.join(dir, 'notes.js'), 'export const nothing = 1;\n');
  const tagLead = '`# @gradcheck x:[?]` on the line above it, with a size for each ?';

  const folder = await check(dir);
  assert.equal(folder.code, 2, 'nothing was checked');
  assert.match(folder.stderr, /no files with checkable layers in /);
  assert.match(folder.stderr, /untagged: this looks checkable once tagged/);
  assert.ok(folder.stderr.includes(`relu.py: relu at line 3 looks like a forward/backward pair: put ${tagLead}`), folder.stderr);
  assert.doesNotMatch(folder.stderr, /notes\.js/, 'a file with nothing layer-like is not listed');

  const json = JSON.parse((await check(dir, '--json')).stdout) as { untagged: unknown[] };
  assert.deepEqual(json.untagged, [
    {
      file: path.relative(process.cwd(), relu).startsWith('..') ? relu : path.relative(process.cwd(), relu),
      line: 3,
      name: 'relu',
      convention: 'pair',
      tag: '# @gradcheck x:[?]',
    },
  ]);

  const named = await check(relu, '--json');
  assert.equal(named.code, 2);
  assert.match(
    (JSON.parse(named.stdout) as JsonReport).layers[0].error ?? '',
    /^no tagged layers: relu at line 3 looks like a forward\/backward pair/,
  );

  // Found in a folder beside a tagged layer, it is listed after the table; tagging it as suggested makes it a layer.
  const both = await check(dir, 'examples/mlp.ts');
  assert.match(both.stdout, /untagged: this looks checkable once tagged\n {2}\S*relu\.py: relu at line 3/);
  writeFileSync(relu, readFileSync(relu, 'utf8').replace('def relu_forward', '# @gradcheck x:[3,4]\ndef relu_forward'));
  const tagged = await check(relu, '--json', '--python', '/usr/bin/python3');
  const report = JSON.parse(tagged.stdout) as JsonReport & { untagged?: unknown };
  assert.equal(tagged.code, 0, tagged.stdout);
  assert.deepEqual(
    report.layers.map((l) => [l.name, l.passed]),
    [['relu', true]],
  );
  assert.equal(report.untagged, undefined);
});

test('--timeout bounds a hanging layer; the others are still checked', async () => {
  const { code, stdout } = await check('test/layers/fixtures/hang.js', '--timeout', '1', '--json');
  assert.equal(code, 1);
  const layers = (JSON.parse(stdout) as JsonReport).layers;
  assert.deepEqual(
    layers.map((l) => [l.name, l.passed]),
    [
      ['first', true],
      ['spins', false],
      ['after', true],
    ],
  );
  assert.match(layers[1].error ?? '', /timed out after 1 s/);
});

test("the README's command: node dist/cli.js check examples (Python's with an interpreter that has numpy and torch)", async () => {
  const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      ['dist/cli.js', 'check', 'examples', '--python', '/usr/bin/python3'],
      { timeout: 120_000 },
      (err, stdout) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout });
      },
    );
  });
  // The wrong examples are in the folder on purpose: the run fails, and says which.
  assert.equal(result.code, 1);
  assert.match(result.stdout, /✗ twoLayerNetSlip/);
  assert.match(result.stdout, /✓ twoLayerNet /);
  assert.match(result.stdout, /✗ two_layer_net_slip_loss/);
  assert.match(result.stdout, /✓ conv_naive /);
  assert.match(result.stdout, /passed, 6 failed/);
});

const python = ['--python', '/usr/bin/python3'];

test('Python files and notebooks: the correct examples pass (exit 0), the wrong ones fail (exit 1), in text, JSON and JUnit', async () => {
  const correct = readdirSync('examples/python')
    .filter((f) => /\.(py|ipynb)$/.test(f))
    .map((f) => path.join('examples/python', f));
  const passing = await check(...correct, '--json', ...python);
  assert.equal(passing.code, 0, passing.stdout);
  const report = JSON.parse(passing.stdout) as JsonReport;
  assert.ok(report.layers.length >= 14, `layers: ${report.layers.map((l) => l.name).join(', ')}`);
  const notebook = report.layers.filter((l) => l.file?.endsWith('.ipynb'));
  assert.ok(notebook.length >= 2 && notebook.every((l) => typeof l.cell === 'number'), 'notebook layers carry their cell');

  const junit = path.join(tmp, 'python.xml');
  const failing = await check('examples/python/wrong', '--junit', junit, ...python);
  assert.equal(failing.code, 1, failing.stdout);
  assert.match(failing.stdout, /uses W1 where W2 belongs/);
  assert.match(failing.stdout, /nondeterministic.*np\.random/);
  assert.match(readFileSync(junit, 'utf8'), /<testsuite name="[^"]*two_layer_net_slip\.py"[^>]*failures="[1-9]/);
});

test('a Python file that cannot be loaded exits 2, naming the file and line; so does a missing interpreter', async () => {
  const syntax = await check('test/fixtures/python/syntax.py', ...python);
  assert.equal(syntax.code, 2);
  assert.match(syntax.stdout, /SyntaxError: .*syntax\.py:5/);
  const missing = await check('test/fixtures/python/conventions.py', '--python', 'no-such-python-3.99');
  assert.equal(missing.code, 2);
  assert.match(missing.stdout, /could not start the Python interpreter 'no-such-python-3\.99'/);
  const usage = await check('examples/python/conv.py', '--python', '');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--python needs the path of a Python interpreter/);
});

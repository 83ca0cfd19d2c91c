// `npm start`: the command-line checker over the bundled examples, then a short
// training run. Layers under examples/wrong/ (and examples/python/wrong/) are wrong on
// purpose: the quick start succeeds only when every correct example passes and every
// wrong one fails. The Python examples run with the first of $GRADLENS_PYTHON, python3,
// python and Debian's own that has torch, else the first that has numpy; then those
// needing torch are left out (and said so).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

const node = process.execPath;

/** The first candidate with torch (so every Python example runs), else the first with numpy. */
function findPython() {
  const candidates = [...new Set([process.env.GRADLENS_PYTHON, 'python3', 'python', '/usr/bin/python3'].filter(Boolean))];
  let withNumpy;
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import numpy\ntry:\n import torch\n print("torch")\nexcept ImportError:\n print("numpy")'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (probe.status !== 0) continue;
    if (probe.stdout.trim() === 'torch') return { python, torch: true };
    withNumpy ??= { python, torch: false };
  }
  return withNumpy;
}

function pythonFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return pythonFiles(p);
    return /\.(py|ipynb)$/.test(e.name) ? [p] : [];
  });
}

const javascript = readdirSync('examples')
  .filter((f) => /\.(ts|js)$/.test(f))
  .map((f) => join('examples', f));
const targets = [...javascript, join('examples', 'wrong')];
const notes = [];
const python = findPython();
if (!python) {
  notes.push('Python examples skipped: no interpreter with numpy found (set GRADLENS_PYTHON, or install numpy for python3)');
} else {
  for (const file of pythonFiles(join('examples', 'python'))) {
    if (!python.torch && /^\s*(import|from)\s+torch\b/m.test(readFileSync(file, 'utf8'))) {
      notes.push(`${file} skipped: ${python.python} cannot import torch`);
      continue;
    }
    targets.push(file);
  }
}
const args = ['dist/cli.js', 'check', ...targets, '--json', ...(python ? ['--python', python.python] : [])];
const check = spawnSync(node, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (check.status === 2 || !check.stdout) {
  console.error(`quickstart: 'gradlens check examples' could not load or run a file (exit ${check.status})`);
  process.exit(2);
}
const { layers } = JSON.parse(check.stdout);
let surprises = 0;
console.log('GradLens: gradient checks of the bundled examples (float64, central differences)\n');
for (const l of layers) {
  const wrongOnPurpose = l.file.split(/[\\/]/).includes('wrong');
  const file = l.file.split(sep).join('/');
  const where = l.cell !== undefined ? `${file}, cell ${l.cell + 1}, line ${l.line}` : `${file}:${l.line}`;
  const asExpected = l.passed !== wrongOnPurpose;
  if (!asExpected) surprises++;
  const mark = l.passed ? '✓ passed' : '✗ failed';
  console.log(`${mark}  ${l.name}  (${where})${wrongOnPurpose ? '  [wrong on purpose]' : ''}${asExpected ? '' : '  <-- UNEXPECTED'}`);
  if (l.error) console.log(`      error: ${l.error}`);
  // The layer's finding leads, as in the editor and the CLI's table; the others follow the inputs.
  if (l.headline) console.log(`      finding: ${l.headline}`);
  if (l.nondeterminism) console.log(`      nondeterministic: ${l.nondeterminism}`);
  for (const i of l.inputs) {
    if (i.status === 'passed') continue;
    console.log(`      ${i.name}: ${i.status}${i.diagnosis ? ` (${i.diagnosis})` : ''}`);
  }
  const rest = l.headline ? (l.otherFindings ?? []) : l.hint ? [l.hint] : [];
  if (!l.passed && rest.length > 0) console.log(`      hint: ${rest.join('. ')}`);
}
console.log(`\n${layers.length} layers; details: node dist/cli.js check examples${python ? ` --python ${python.python}` : ''}`);
for (const note of notes) console.log(note);
console.log('');
if (surprises) {
  console.error(`quickstart: ${surprises} example(s) did not come out as intended`);
  process.exit(1);
}
console.log('Training the default CNN on the synthetic shapes for 60 steps:\n');
const train = spawnSync(node, ['dist/cli.js', 'train', 'cnn', '--steps', '60'], { stdio: 'inherit' });
process.exit(train.status ?? 1);

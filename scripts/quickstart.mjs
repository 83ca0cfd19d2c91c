// `npm start`: the command-line checker over the bundled examples, then a short
// training run. Layers under examples/wrong/ are wrong on purpose: the quick start
// succeeds only when every correct example passes and every wrong one fails.
import { spawnSync } from 'node:child_process';
import { sep } from 'node:path';

const node = process.execPath;
const check = spawnSync(node, ['dist/cli.js', 'check', 'examples', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (check.status === 2 || !check.stdout) {
  console.error(`quickstart: 'gradlens check examples' could not load or run a file (exit ${check.status})`);
  process.exit(2);
}
const { layers } = JSON.parse(check.stdout);
let surprises = 0;
console.log('GradLens: gradient checks of the bundled examples (float64, central differences)\n');
for (const l of layers) {
  const wrongOnPurpose = l.file.split(/[\\/]/).includes('wrong');
  const where = `${l.file.split(sep).join('/')}:${l.line}`;
  const asExpected = l.passed !== wrongOnPurpose;
  if (!asExpected) surprises++;
  const mark = l.passed ? '✓ passed' : '✗ failed';
  console.log(`${mark}  ${l.name}  (${where})${wrongOnPurpose ? '  [wrong on purpose]' : ''}${asExpected ? '' : '  <-- UNEXPECTED'}`);
  if (l.error) console.log(`      error: ${l.error}`);
  for (const i of l.inputs) {
    if (i.status === 'passed') continue;
    console.log(`      ${i.name}: ${i.status}${i.diagnosis ? ` (${i.diagnosis})` : ''}`);
  }
  if (!l.passed && l.hint) console.log(`      hint: ${l.hint}`);
}
console.log(`\n${layers.length} layers; details: node dist/cli.js check examples\n`);
if (surprises) {
  console.error(`quickstart: ${surprises} example(s) did not come out as intended`);
  process.exit(1);
}
console.log('Training the default CNN on the synthetic shapes for 60 steps:\n');
const train = spawnSync(node, ['dist/cli.js', 'train', 'cnn', '--steps', '60'], { stdio: 'inherit' });
process.exit(train.status ?? 1);

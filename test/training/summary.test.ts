/** Model summaries: the course's worked example and the seed CNN, exactly; built models agree with their tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeNotation, parseNotation } from '../../src/training/notation';
import { formatSummary, formatVolume, summarize } from '../../src/training/summary';
import { modelSummary } from '../../src/training/models/catalog';
import { buildCnn } from '../../src/training/models/cnn';
import { cnnLayers, CNN_PRESETS } from '../../src/training/models/cnnPresets';
import { buildGan, GAN_PRESETS } from '../../src/training/models/gan';
import { ATTENTION_PRESETS, SequenceTransformer, sequenceSummary, TinyViT, vitSummary } from '../../src/training/models/attention';
import { Rng } from '../../src/engine/rng';

test('the course notation prints 32x32x10 / 260, 16x16x10 / 0, 16x16x10 / 2,510, 8x8x10 / 0, 10 / 6,410', () => {
  const s = summarizeNotation('INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10');
  assert.deepEqual(
    s.rows.map((r) => [r.layer, formatVolume(r.output), r.params.toLocaleString('en-US')]),
    [
      ['CONV5-10', '32x32x10', '260'],
      ['POOL2', '16x16x10', '0'],
      ['CONV5-10', '16x16x10', '2,510'],
      ['POOL2', '8x8x10', '0'],
      ['FC-10', '10', '6,410'],
    ],
  );
  assert.equal(s.totalParams, 260 + 2510 + 6410);
  const table = formatSummary(s);
  for (const cell of ['32x32x10', '2,510', '6,410', 'Total trainable parameters: 9,180']) assert.ok(table.includes(cell), cell);
});

test('notation: case, spacing, strides, activations; errors name the item', () => {
  const p = parseNotation('input 28 x 28 x 3 -> conv3-8-s2, relu, bn, pool2, dropout0.3, fc-5');
  assert.deepEqual(p.input, [3, 28, 28]);
  const s = summarize('x', p.input, p.layers);
  assert.deepEqual(s.rows[0].output, [8, 14, 14]); // floor((28 - 3 + 2)/2) + 1 = 14
  assert.equal(s.rows[0].params, (3 * 3 * 3 + 1) * 8);
  assert.equal(s.rows[2].params, 16); // batch norm: scale and shift per channel
  assert.throws(() => parseNotation('CONV5-10'), /item 1 'CONV5-10'.*INPUT/);
  assert.throws(() => parseNotation('INPUT 32x32x1, CONV5'), /item 2 'CONV5' is not understood/);
  assert.throws(() => parseNotation('INPUT 32x32x1, FC-10, CONV3-4'), /item 3 .*cannot follow a fully connected/);
  assert.throws(() => summarizeNotation('INPUT 4x4x1, POOL8'), /does not fit a 4x4 input/);
});

test('the seed CNN totals 4,181,002 trainable parameters, layer by layer as PyTorch counts them', () => {
  const s = modelSummary({ model: 'cnn', preset: 'seed', dataset: 'cifar10' });
  assert.equal(s.totalParams, 4181002);
  const withParams = s.rows.filter((r) => r.params > 0).map((r) => r.params);
  assert.deepEqual(withParams, [1792, 128, 73856, 256, 295168, 512, 1180160, 1024, 2098176, 524800, 5130]);
  assert.deepEqual(s.rows.find((r) => r.layer === 'Flatten')?.output, [2048]);
  assert.ok(formatSummary(s).includes('4,181,002'));
});

test('the built seed CNN has exactly the parameters its summary lists', () => {
  const model = buildCnn(CNN_PRESETS.seed, [3, 32, 32], 10, new Rng(0));
  assert.equal(model.net.numParameters(), 4181002);
  // Kaiming-normal (fan-in, ReLU gain): the first conv's weights have std sqrt(2/27).
  const w = model.firstConv.weight.data;
  let s2 = 0;
  for (const v of w) s2 += v * v;
  const std = Math.sqrt(s2 / w.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 27)) < 0.03, `std ${std}`);
});

test('every preset and model builds with the parameter count of its summary', () => {
  for (const preset of Object.values(CNN_PRESETS)) {
    if (preset.name === 'seed') continue;
    for (const input of [
      [3, 32, 32],
      [1, 28, 28],
    ]) {
      const built = buildCnn(preset, input, 10, new Rng(1));
      assert.equal(built.net.numParameters(), summarize('', input, cnnLayers(preset, input, 10)).totalParams, `${preset.name} on ${input}`);
    }
  }
  for (const preset of Object.values(GAN_PRESETS)) {
    for (const [size, images] of [
      [2, false],
      [784, true],
    ] as const) {
      const gan = buildGan(preset, size, images, new Rng(1));
      assert.equal(gan.generator.numParameters() + gan.discriminator.numParameters(), gan.summary.totalParams);
    }
  }
  for (const preset of Object.values(ATTENTION_PRESETS)) {
    const seq = new SequenceTransformer(12, 16, preset, true, new Rng(1));
    assert.equal(seq.numParameters(), sequenceSummary(12, 16, preset, true).totalParams, preset.name);
    const vit = new TinyViT([3, 32, 32], 10, preset, new Rng(1));
    assert.equal(vit.numParameters(), vitSummary([3, 32, 32], 10, preset).totalParams, preset.name);
  }
});

test('the CNN adapts to 28x28 grey input: grey28 by default, flatten size from the image', () => {
  const s = modelSummary({ model: 'cnn', dataset: 'fashion-mnist' });
  assert.ok(s.title.includes('grey28'));
  assert.deepEqual(s.rows.find((r) => r.layer === 'Flatten')?.output, [32 * 7 * 7]);
  assert.equal(s.rows[0].params, (3 * 3 * 1 + 1) * 16);
});

/**
 * The schema builder (src/training/schema.ts) and the trainer's schemas built with it:
 * every check names the path and what it wanted, and the event schema accepts what the
 * loop really emits, for every model, so a page run's events are never refused for
 * being what the host's own trainer would have sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  array,
  exactlyOne,
  type Infer,
  nullable,
  number,
  object,
  oneOf,
  optional,
  pair,
  record,
  refine,
  SchemaError,
  text,
  variant,
  whole,
} from '../../src/training/schema';
import { type TrainConfig, type TrainEvent, TrainEventSchema } from '../../src/training/events';
import { makeShapesDataset } from '../../src/training/datasets/shapes';
import { Trainer } from '../../src/training/trainer';
import { RECORDED_CONFIGS, recordRun } from '../panel/recordedRuns';

function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    assert.ok(err instanceof SchemaError, String(err));
    return err.message;
  }
  assert.fail('expected a SchemaError');
}

test('scalars say what they wanted and what came', () => {
  assert.equal(
    refusal(() => whole(1, 10).parse(11, 'n')),
    'n must be a whole number from 1 to 10, got 11',
  );
  assert.equal(
    refusal(() => whole(1).parse(Number.MAX_SAFE_INTEGER + 1, 'n')),
    'n must be a positive whole number, got 9007199254740992',
  );
  assert.equal(
    refusal(() => whole(0).parse('3', 'n')),
    'n must be a whole number of at least 0, got "3"',
  );
  assert.equal(
    refusal(() => number({ above: 0 }).parse(0, 'lr')),
    'lr must be a number above 0, got 0',
  );
  assert.equal(
    refusal(() => number({ atLeast: 0 }).parse(Number.NaN, 'wd')),
    'wd must be a number of at least 0, got NaN',
  );
  assert.equal(
    refusal(() => number().parse(Number.POSITIVE_INFINITY, 'x')),
    'x must be a finite number, got Infinity',
  );
  assert.equal(
    refusal(() => text({ max: 3 }).parse('four', 's')),
    's must be a non-empty string of at most 3 characters, got "four"',
  );
  assert.equal(
    refusal(() => text().parse('', 's')),
    's must be a non-empty string, got ""',
  );
  assert.equal(text({ empty: true }).parse('', 's'), '');
  assert.equal(
    refusal(() => whole(0).parse('x'.repeat(50), 'n')),
    `n must be a whole number of at least 0, got "${'x'.repeat(40)}…"`,
  );
  assert.equal(
    refusal(() => oneOf(['a', 'b']).parse('c', 'k')),
    'k must be a or b, got "c"',
  );
  assert.equal(
    refusal(() => oneOf(['a', 'b', 'c']).parse(null, 'k')),
    'k must be one of a, b, c, got null',
  );
  assert.equal(
    refusal(() => nullable(whole(0)).parse(-1, 'n')),
    'n must be a whole number of at least 0 or null, got -1',
  );
  assert.equal(nullable(whole(0)).parse(null, 'n'), null);
});

test('containers name the element at fault by its path', () => {
  const Point = object({ x: number(), y: optional(number()) });
  assert.equal(
    refusal(() => array(Point).parse([{ x: 1 }, { x: 'no' }], 'points')),
    'points[1].x must be a finite number, got "no"',
  );
  assert.equal(
    refusal(() => array(Point).parse({}, 'points')),
    'points must be an array, got object',
  );
  assert.equal(
    refusal(() => Point.parse({ x: 1, z: 2 }, 'p')),
    'p.z is not one of its fields (x, y)',
  );
  assert.equal(
    refusal(() => object({ a: whole(0) }, { unknown: 'a setting' }).parse({ b: 1 }, 'cfg')),
    'cfg.b is not a setting',
  );
  assert.equal(
    refusal(() => Point.parse([], 'p')),
    'p must be an object, got an array',
  );
  assert.equal(
    refusal(() => record(whole(0)).parse({ a: 1, b: -1 }, 'counts')),
    'counts.b must be a whole number of at least 0, got -1',
  );
  assert.equal(
    refusal(() => pair(whole(1)).parse([2, 2, 2], 'grid')),
    'grid must be a pair [a, b], got an array',
  );
  // Optional fields may be absent or undefined; either way they are left out of the result.
  assert.deepEqual(Point.parse({ x: 1, y: undefined }, 'p'), { x: 1 });
  const p: Infer<typeof Point> = Point.parse({ x: 1, y: 2 }, 'p');
  assert.deepEqual(p, { x: 1, y: 2 });
});

test('a tagged union picks its member by the tag, and says which tags there are', () => {
  const Shape = variant('kind', { circle: { r: number({ above: 0 }) }, square: { side: number({ above: 0 }) } });
  assert.deepEqual(Shape.parse({ kind: 'circle', r: 2 }, 'shape'), { kind: 'circle', r: 2 });
  assert.equal(
    refusal(() => Shape.parse({ kind: 'blob' }, 'shape')),
    'shape.kind must be circle or square, got "blob"',
  );
  assert.equal(
    refusal(() => Shape.parse({ kind: 'square', r: 2 }, 'shape')),
    'shape.r is not one of its fields (kind, side)',
  );
  assert.equal(
    refusal(() => Shape.parse({ kind: 'square' }, 'shape')),
    'shape.side must be a number above 0, got nothing',
  );
  const Either = exactlyOne({ run: text(), config: object({}) });
  assert.deepEqual(Either.parse({ run: 'r1' }, 'source'), { run: 'r1' });
  assert.match(
    refusal(() => Either.parse({ run: 'r1', config: {} }, 'source')),
    /^source must be an object holding either run \(a non-empty string\) or config \(an object\), got run, config$/,
  );
  const Sized = refine(array(whole(0)), (v) => (v.length === 2 ? null : `needs 2 values, has ${v.length}`));
  assert.equal(
    refusal(() => Sized.parse([1], 'pair')),
    'pair: needs 2 values, has 1',
  );
});

test('the event schema accepts every event a real run emits, for each model, unchanged', async () => {
  const vit = makeShapesDataset({ seed: 2, trainCount: 32, testCount: 8 });
  const runs: TrainEvent[][] = [
    await recordRun(RECORDED_CONFIGS.gan),
    await recordRun(RECORDED_CONFIGS.cnn),
    await recordRun(RECORDED_CONFIGS.attention),
    // The ViT: attention over image patches, with its image and patch grid.
    await collect(
      {
        model: 'attention',
        dataset: 'synthetic',
        preset: 'vit',
        steps: 2,
        batchSize: 8,
        eventIntervalMs: 0,
        sampleIntervalMs: 0,
        seed: 1,
        backend: 'reference',
      },
      vit,
    ),
    // No step at all: only the final evaluation.
    await collect({ model: 'cnn', dataset: 'synthetic', preset: 'tiny', steps: 0, backend: 'reference' }, vit),
  ];
  const kinds = new Set<string>();
  for (const events of runs) {
    for (const e of events) {
      // As the webview bridge carries it: JSON.
      const sent = JSON.parse(JSON.stringify(e));
      assert.deepEqual(TrainEventSchema.parse(sent, 'event'), sent, e.type);
      kinds.add(e.type === 'samples' ? `samples:${e.samples.kind}` : e.type);
    }
  }
  for (const k of ['started', 'step', 'epoch', 'samples:cnn', 'samples:gan', 'samples:sequence', 'attention', 'done'])
    assert.ok(kinds.has(k), k);
});

async function collect(config: TrainConfig, dataset: ReturnType<typeof makeShapesDataset>): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  await new Trainer(config, { dataset, onEvent: (e) => events.push(e) }).run();
  return events;
}

test('an event that is not what the loop sends is refused where it goes wrong', async () => {
  const events = await recordRun(RECORDED_CONFIGS.cnn);
  const samples = structuredClone(events.find((e) => e.type === 'samples')!);
  assert.ok(samples.type === 'samples' && samples.samples.kind === 'cnn');
  samples.samples.images[1].pixels.pop();
  const { width, height, channels } = samples.samples.images[1];
  const n = width * height * channels;
  assert.equal(
    refusal(() => TrainEventSchema.parse(samples, 'event')),
    `event.samples.images[1]: a ${width}x${height}x${channels} image needs ${n} pixel values, got ${n - 1}`,
  );
  const started = structuredClone(events[0]);
  assert.ok(started.type === 'started');
  (started.config as { seed: number }).seed = -4;
  assert.equal(
    refusal(() => TrainEventSchema.parse(started, 'event')),
    'event.config.seed must be a whole number from 0 to 4294967295, got -4',
  );
  assert.equal(
    refusal(() => TrainEventSchema.parse({ type: 'step', step: 1 }, 'event')),
    'event.totalSteps must be a whole number of at least 0, got nothing',
  );
  assert.equal(
    refusal(() => TrainEventSchema.parse({ type: 'explode' }, 'event')),
    'event.type must be one of started, step, epoch, samples, attention, state, done, error, log, got "explode"',
  );
});

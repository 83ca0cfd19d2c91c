/**
 * The attention model's synthetic tasks: `reverse`, `sort` and `copy` (with a delay).
 * Symbols are the digits 0..9; two extra tokens serve as separator and blank.
 *
 * Layouts, one sequence per example:
 * - non-causal reverse/sort: input a1..aL, target b1..bL at the same positions (every
 *   position sees the whole input, so it can look up its answer).
 * - causal reverse/sort: input a1..aL | b1..b(L-1), and from the separator on each
 *   position predicts the next answer symbol (teacher forcing, as a decoder learns).
 * - copy with delay d (both): input a1..aL _..._ (d blanks), target at position t is
 *   a(t-d); the first d positions are not scored.
 */
import { Rng } from '../../engine/rng';
import { IGNORE_TARGET, type SequenceDataset, type SequenceSplit, type SequenceTaskName } from './types';

const SYMBOLS = 10;
const SEP = SYMBOLS;
const BLANK = SYMBOLS + 1;
export const SEQUENCE_TOKEN_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '|', '_'];

export interface SequenceOptions {
  seed?: number;
  /** Number of input symbols (default 8). */
  symbols?: number;
  /** copy: how many steps later each symbol is repeated (default 3). */
  delay?: number;
  causal?: boolean;
  trainCount?: number;
  testCount?: number;
}

export function sequenceLength(task: SequenceTaskName, symbols: number, delay: number, causal: boolean): number {
  if (task === 'copy') return symbols + delay;
  return causal ? 2 * symbols : symbols;
}

function answer(task: SequenceTaskName, a: number[]): number[] {
  if (task === 'reverse') return [...a].reverse();
  if (task === 'sort') return [...a].sort((x, y) => x - y);
  return a;
}

function makeSplit(task: SequenceTaskName, count: number, symbols: number, delay: number, causal: boolean, rng: Rng): SequenceSplit {
  const length = sequenceLength(task, symbols, delay, causal);
  const inputs = new Int32Array(count * length);
  const targets = new Int32Array(count * length).fill(IGNORE_TARGET);
  for (let i = 0; i < count; i++) {
    const a = Array.from({ length: symbols }, () => rng.int(SYMBOLS));
    const b = answer(task, a);
    const row = i * length;
    if (task === 'copy') {
      for (let t = 0; t < length; t++) inputs[row + t] = t < symbols ? a[t] : BLANK;
      for (let t = delay; t < length; t++) targets[row + t] = a[t - delay];
    } else if (causal) {
      for (let t = 0; t < symbols; t++) inputs[row + t] = a[t];
      inputs[row + symbols] = SEP;
      for (let t = 1; t < symbols; t++) inputs[row + symbols + t] = b[t - 1];
      for (let t = 0; t < symbols; t++) targets[row + symbols + t] = b[t];
    } else {
      for (let t = 0; t < symbols; t++) {
        inputs[row + t] = a[t];
        targets[row + t] = b[t];
      }
    }
  }
  return { inputs, targets, count };
}

export function makeSequenceDataset(task: SequenceTaskName, opts: SequenceOptions = {}): SequenceDataset {
  const symbols = opts.symbols ?? 8;
  const delay = opts.delay ?? 3;
  const causal = opts.causal ?? task === 'copy';
  const rng = new Rng(opts.seed ?? 0);
  const train = makeSplit(task, opts.trainCount ?? 4000, symbols, delay, causal, rng.fork());
  const test = makeSplit(task, opts.testCount ?? 500, symbols, delay, causal, rng.fork());
  return {
    kind: 'sequence',
    name: task,
    task,
    vocabSize: SEQUENCE_TOKEN_NAMES.length,
    length: sequenceLength(task, symbols, delay, causal),
    causal,
    tokenNames: SEQUENCE_TOKEN_NAMES,
    train,
    test,
  };
}

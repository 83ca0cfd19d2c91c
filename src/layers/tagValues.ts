/**
 * The values a @gradcheck tag's arguments take in a check, the same whatever language
 * runs the layer: checked inputs are standard normal float64, labels are integers in
 * [0, K), constants are their JSON. Each argument draws from its own fork of one
 * seeded stream (in tag order), so adding a constant to a tag does not change the
 * values of the inputs before it.
 */
import { randn, Rng } from '../engine';
import type { FlatTensor } from '../gradcheck/types';
import type { TagArg } from './tag';

export type TagValue =
  | { kind: 'tensor'; name: string; value: FlatTensor }
  | { kind: 'int'; name: string; value: { data: Int32Array; shape: number[] } }
  | { kind: 'const'; name: string; value: unknown };

export function tagValues(args: readonly TagArg[], seed: number): TagValue[] {
  const base = new Rng(seed);
  return args.map((arg): TagValue => {
    if (arg.kind === 'const') return { kind: 'const', name: arg.name, value: arg.value };
    const rng = base.fork();
    if (arg.kind === 'tensor') {
      return {
        kind: 'tensor',
        name: arg.name,
        value: { data: randn(arg.shape, { rng, dtype: 'float64' }).data as Float64Array, shape: arg.shape.slice() },
      };
    }
    const data = new Int32Array(arg.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng.int(arg.high);
    return { kind: 'int', name: arg.name, value: { data, shape: arg.shape.slice() } };
  });
}

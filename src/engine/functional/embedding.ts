/**
 * Embedding lookup: out[..., :] = table[id, :]. The lookup is a one-hot row times
 * the table, so its backward adds each output row's gradient into the row it came from.
 */
import { allocate, describe, EngineError, fmtShape, type FloatStorage, fromNested, type NestedArray, record, Tensor } from '../tensor';
import { requireFloat } from './checks';

export function embedding(ids: Tensor | NestedArray, table: Tensor): Tensor {
  if (!(ids instanceof Tensor) && typeof ids !== 'number' && !Array.isArray(ids)) {
    throw new EngineError('embedding', `ids must be a Tensor or nested arrays of integer ids, got ${describe(ids)}`);
  }
  const dtype = requireFloat('embedding', 'table', table);
  if (table.ndim !== 2) throw new EngineError('embedding', `table must be [numEmbeddings, dim], got shape ${fmtShape(table.shape)}`);
  const idx = ids instanceof Tensor ? ids : fromNested(ids, 'float64', 'embedding');
  const [rows, dim] = table.shape;
  const I = idx.data;
  for (let i = 0; i < I.length; i++) {
    const k = I[i];
    if (!Number.isInteger(k) || k < 0 || k >= rows) {
      throw new EngineError(
        'embedding',
        `id ${k} at flat position ${i} of ids ${fmtShape(idx.shape)} is out of range for a table of shape ${fmtShape(table.shape)}`,
      );
    }
  }
  const T = table.data as FloatStorage;
  const Y = allocate(dtype, I.length * dim) as FloatStorage;
  for (let i = 0; i < I.length; i++) Y.set(T.subarray(I[i] * dim, (I[i] + 1) * dim), i * dim);
  return record('embedding', new Tensor(Y, [...idx.shape, dim], dtype), [table], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, table.size) as FloatStorage;
    for (let i = 0; i < I.length; i++) {
      const row = I[i] * dim,
        src = i * dim;
      for (let j = 0; j < dim; j++) D[row + j] += G[src + j];
    }
    return [new Tensor(D, table.shape, dtype)];
  });
}

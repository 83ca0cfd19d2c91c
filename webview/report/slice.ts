/**
 * 2-D slices of row-major tensors of any rank, for heatmaps: two axes become rows and
 * columns, every other axis is held at a chosen index.
 */
export interface SliceSpec {
  rowAxis: number;
  colAxis: number;
  /** One index per axis; entries for rowAxis and colAxis are ignored. */
  fixed: number[];
}

export interface Slice {
  rows: number;
  cols: number;
  data: Float64Array;
  /** The full tensor index of cell (r, c). */
  indexOf(r: number, c: number): number[];
}

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/**
 * The default view: the last two axes as rows and columns (a vector is one row), the other
 * axes held where the worst element is, so the slice shown first contains the worst error.
 */
export function defaultSlice(shape: number[], worstIndex?: number[]): SliceSpec {
  const rank = shape.length;
  const fixed = shape.map((_, d) => (worstIndex && worstIndex.length === rank ? worstIndex[d] : 0));
  if (rank < 2) return { rowAxis: -1, colAxis: rank - 1, fixed };
  return { rowAxis: rank - 2, colAxis: rank - 1, fixed };
}

/** Validates a spec against a shape; the message names what was wrong. */
export function checkSlice(shape: number[], spec: SliceSpec): string | undefined {
  const rank = shape.length;
  const axisOk = (a: number) => a === -1 || (Number.isInteger(a) && a >= 0 && a < rank);
  if (!axisOk(spec.rowAxis) || !axisOk(spec.colAxis)) return `axes ${spec.rowAxis}, ${spec.colAxis} out of range for rank ${rank}`;
  if (spec.rowAxis !== -1 && spec.rowAxis === spec.colAxis) return `row and column axis are both ${spec.rowAxis}`;
  for (let d = 0; d < rank; d++) {
    if (d === spec.rowAxis || d === spec.colAxis) continue;
    const i = spec.fixed[d];
    if (!Number.isInteger(i) || i < 0 || i >= shape[d]) return `index ${i} out of range for axis ${d} of size ${shape[d]}`;
  }
  return undefined;
}

/** rowAxis / colAxis -1 means a single row / column (rank 0 and 1 tensors). */
export function takeSlice(values: ArrayLike<number>, shape: number[], spec: SliceSpec): Slice {
  const problem = checkSlice(shape, spec);
  if (problem) throw new Error(`takeSlice: ${problem}`);
  const st = strides(shape);
  const rows = spec.rowAxis === -1 ? 1 : shape[spec.rowAxis];
  const cols = spec.colAxis === -1 ? 1 : shape[spec.colAxis];
  let base = 0;
  for (let d = 0; d < shape.length; d++) {
    if (d !== spec.rowAxis && d !== spec.colAxis) base += spec.fixed[d] * st[d];
  }
  const rowStride = spec.rowAxis === -1 ? 0 : st[spec.rowAxis];
  const colStride = spec.colAxis === -1 ? 0 : st[spec.colAxis];
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] = values[base + r * rowStride + c * colStride];
  }
  const indexOf = (r: number, c: number) => shape.map((_, d) => (d === spec.rowAxis ? r : d === spec.colAxis ? c : spec.fixed[d]));
  return { rows, cols, data, indexOf };
}

/** "[:, :, 2]"-style label of what a slice shows. */
export function sliceLabel(shape: number[], spec: SliceSpec): string {
  if (shape.length === 0) return '[]';
  return `[${shape.map((_, d) => (d === spec.rowAxis || d === spec.colAxis ? ':' : String(spec.fixed[d]))).join(', ')}]`;
}

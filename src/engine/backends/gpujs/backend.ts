/**
 * A Backend whose float32 kernels run on gpu.js: WebGL2 (or WebGL) in a browser
 * page, WebAssembly or plain JavaScript where there is no GPU.
 *
 * - Kernels are compiled once per shape (gpu.js bakes sizes into the compiled
 *   shader) and cached, least recently used first out.
 * - Kernels chained inside one call (weight-gradient partials and their sum,
 *   pooling's argmax and gather, softmax's max, sum and normalisation) run in
 *   pipeline mode: the intermediate stays on the device as a texture, and each
 *   such texture is deleted as soon as the call is done with it (gpu.js keeps
 *   them alive otherwise).
 * - Only the last kernel of a call reads back, into the caller's typed array.
 *
 * The engine's Backend contract is synchronous, so the sync gpu.js modes drive
 * it; `gemmAsync` serves the Promise-returning modes ('async', 'webgpu').
 * Float64 never reaches here: the engine keeps it on the reference backend.
 */
import type { Backend, Conv2dGeometry, GemmArgs } from '../../backend';
import type { FloatStorage } from '../../tensor';
import type { GpuJsInstance, GpuJsKernel, GpuJsKernelSettings, GpuJsTexture } from './gpujsTypes';
import * as K from './kernels';

export interface Pool2dGeometry {
  n: number; c: number; h: number; w: number;
  /** Square window side. */
  k: number;
  stride: number; padding: number;
  oh: number; ow: number;
}

export interface GpuJsBackendOptions {
  /** Shown in the UI after the mode, e.g. the WebGL renderer string. */
  detail?: string;
  /** Compiled kernels kept (default 96); the least recently used is destroyed beyond it. */
  cacheSize?: number;
  /**
   * Output cells per launch of the row-blocked kernels (gemm, softmax), at most
   * (and by default) 2^22, where their index decoding stays exact. Smaller values
   * only serve tests of the blocking.
   */
  maxLaunchCells?: number;
}

/** Longest per-thread sum in the weight gradient and row sums before the work is split in chunks. */
const CHUNK_WORK = 4096;
/** Sync modes: a kernel call returns its result. */
const SYNC_MODES = new Set(['webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu', 'dev']);

const MODE_LABELS: Record<string, string> = {
  webgl2: 'WebGL2', webgl: 'WebGL', headlessgl: 'headless-gl', webgpu: 'WebGPU',
  webasm: 'WebAssembly (gpu.js)', cpu: 'JavaScript (gpu.js cpu)', async: 'gpu.js async', dev: 'gpu.js dev',
};

function float32(op: string, name: string, x: FloatStorage): Float32Array {
  if (!(x instanceof Float32Array)) {
    throw new TypeError(`gpu.js ${op}: ${name} must be float32 storage (float64 stays on the reference backend), got ${x.constructor.name}`);
  }
  return x;
}

/** A whole, zero-offset array of exactly `len` elements: gpu.js uploads a view's whole buffer otherwise. */
function exact(op: string, name: string, x: FloatStorage, len: number): Float32Array {
  const f = float32(op, name, x);
  if (f.length < len) throw new RangeError(`gpu.js ${op}: ${name} has ${f.length} elements, needs ${len}`);
  if (f.length === len && f.byteOffset === 0 && f.buffer.byteLength === len * 4) return f;
  return f.slice(0, len);
}

/** Copies a kernel's result (flat, or nested rows for 2D/3D outputs) into `dst` from `offset`. */
function copyInto(result: unknown, dst: Float32Array, offset: number): number {
  if (ArrayBuffer.isView(result)) {
    dst.set(result as Float32Array, offset);
    return offset + (result as Float32Array).length;
  }
  if (Array.isArray(result)) {
    for (const part of result) offset = copyInto(part, dst, offset);
    return offset;
  }
  throw new TypeError(`gpu.js returned ${typeof result} where an array was expected`);
}

function isTexture(x: unknown): x is GpuJsTexture {
  return typeof x === 'object' && x !== null && typeof (x as GpuJsTexture).delete === 'function' && typeof (x as GpuJsTexture).toArray === 'function';
}

export class GpuJsBackend implements Backend {
  readonly name = 'gpu.js';
  readonly description: string;
  /** gpu.js's resolved mode: 'webgl2', 'webgl', 'webasm', 'cpu', 'async', 'webgpu', ... */
  readonly mode: string;
  private readonly kernels = new Map<string, GpuJsKernel>();
  private readonly cacheSize: number;
  private liveTextures = 0;
  private readonly launchCells: number;

  constructor(private readonly gpu: GpuJsInstance, options: GpuJsBackendOptions = {}) {
    this.mode = gpu.mode;
    this.cacheSize = options.cacheSize ?? 96;
    this.launchCells = Math.min(K.MAX_DECODED_INDEX, options.maxLaunchCells ?? K.MAX_DECODED_INDEX);
    const label = MODE_LABELS[this.mode] ?? this.mode;
    this.description = options.detail ? `gpu.js ${label}, ${options.detail}` : `gpu.js ${label}`;
  }

  /** Whether kernel calls return results directly (the Backend methods need that). */
  get synchronous(): boolean {
    return SYNC_MODES.has(this.mode);
  }

  /** Compiled kernels in the cache, and pipeline textures not yet deleted (0 between calls). */
  get stats(): { kernels: number; liveTextures: number } {
    return { kernels: this.kernels.size, liveTextures: this.liveTextures };
  }

  /**
   * Which gpu.js kernel class runs each cached kernel ('WebGL2Kernel',
   * 'WebAssemblyKernel', ...) and why gpu.js degraded it to its CPU kernel, if it did:
   * the parity tests assert the path they asked for is the one that ran.
   */
  compiledKernels(): Array<{ key: string; runsOn: string; fallbackReason: string | null }> {
    return [...this.kernels].map(([key, k]) => ({ key, runsOn: (k.kernel?.constructor.name ?? 'unknown').replace(/^_+/, ''), fallbackReason: k.kernel?.fallbackReason ?? null }));
  }

  /** Destroys every cached kernel and the gpu.js instance. */
  dispose(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
    this.gpu.destroy();
  }

  private requireSync(op: string): void {
    if (!this.synchronous) {
      throw new Error(`gpu.js ${op}: this backend's gpu.js instance runs in '${this.mode}' mode, whose kernels return Promises; the engine's ops need a synchronous mode (webgl2, webgl, webasm, cpu). Use gemmAsync, or create the GPU with a synchronous mode.`);
    }
  }

  /** The kernel for `key`, compiled on first use; `pipeline` kernels leave their output on the device. */
  private kernel(key: string, fn: (...args: never[]) => number, output: number[], constants: object, pipeline = false, asyncMode = false): GpuJsKernel {
    const fullKey = `${key}|${output.join('x')}|${JSON.stringify(constants)}|${pipeline ? 'p' : ''}${asyncMode ? 'a' : ''}`;
    const hit = this.kernels.get(fullKey);
    if (hit) {
      // Re-insert: Map order is the recency order the eviction below relies on.
      this.kernels.delete(fullKey);
      this.kernels.set(fullKey, hit);
      return hit;
    }
    const settings: GpuJsKernelSettings = {
      output,
      constants: constants as Record<string, number>,
      precision: 'single',
      tactic: 'precision',
      pipeline,
      immutable: pipeline,
      // Loop bounds are constants; this only lifts gpu.js's guard for non-constant ones.
      loopMaxIterations: 1 << 20,
    };
    if (asyncMode) settings.asyncMode = true;
    const compiled = this.gpu.createKernel(fn, settings);
    this.kernels.set(fullKey, compiled);
    while (this.kernels.size > this.cacheSize) {
      const [oldKey, old] = this.kernels.entries().next().value as [string, GpuJsKernel];
      this.kernels.delete(oldKey);
      old.destroy();
    }
    return compiled;
  }

  /** Runs a pipeline kernel; the result must go through `release` once used. */
  private onDevice(k: GpuJsKernel, ...args: unknown[]): unknown {
    const out = k(...args);
    if (isTexture(out)) this.liveTextures++;
    return out;
  }

  private release(...results: unknown[]): void {
    for (const r of results) {
      if (isTexture(r)) {
        r.delete();
        this.liveTextures--;
      }
    }
  }

  /** Reads a device result back into `dst` (textures via toArray). */
  private readBack(result: unknown, dst: Float32Array, offset = 0): void {
    copyInto(isTexture(result) ? result.toArray() : result, dst, offset);
  }

  // ------------------------------------------------------------ GEMM

  private gemmPlan({ a, b, c, m, n, k, transA, transB, accumulate }: GemmArgs) {
    for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`gpu.js gemm: ${name} must be a non-negative integer, got ${v}`);
    }
    const A = exact('gemm', 'a', a, m * k), B = exact('gemm', 'b', b, k * n);
    const C = float32('gemm', 'c', c);
    if (C.length < m * n) throw new RangeError(`gpu.js gemm: c has ${C.length} elements, needs ${m * n}`);
    if (n >= this.launchCells) throw new RangeError(`gpu.js gemm: rows of ${n} columns exceed one launch (${this.launchCells} cells)`);
    const constants: K.GemmConstants = {
      n, k,
      aI: transA ? 1 : k, aP: transA ? m : 1,
      bP: transB ? 1 : n, bJ: transB ? k : 1,
    };
    // Rows per launch: decoded flat indices stay below 2^22 (see kernels.ts).
    const block = Math.max(1, Math.min(m, Math.floor(this.launchCells / Math.max(n, 1))));
    return { A, B, C, constants, block, accumulate: !!accumulate };
  }

  gemm(args: GemmArgs): void {
    this.requireSync('gemm');
    const { m, n, k } = args;
    const { A, B, C, constants, block, accumulate } = this.gemmPlan(args);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) C.fill(0, 0, m * n);
      return;
    }
    for (let row0 = 0; row0 < m; row0 += block) {
      const rows = Math.min(block, m - row0);
      const out = accumulate
        ? this.kernel('gemm+', K.gemmAccumulateKernel, [rows * n], constants)(A, B, row0, C.slice(row0 * n, (row0 + rows) * n))
        : this.kernel('gemm', K.gemmKernel, [rows * n], constants)(A, B, row0);
      this.readBack(out, C, row0 * n);
    }
  }

  /** gemm for every gpu.js mode, the Promise-returning ones ('async', 'webgpu') included. */
  async gemmAsync(args: GemmArgs): Promise<void> {
    const { m, n, k } = args;
    const { A, B, C, constants, block, accumulate } = this.gemmPlan(args);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) C.fill(0, 0, m * n);
      return;
    }
    const asyncMode = !this.synchronous;
    for (let row0 = 0; row0 < m; row0 += block) {
      const rows = Math.min(block, m - row0);
      const out = accumulate
        ? this.kernel('gemm+', K.gemmAccumulateKernel, [rows * n], constants, false, asyncMode)(A, B, row0, C.slice(row0 * n, (row0 + rows) * n))
        : this.kernel('gemm', K.gemmKernel, [rows * n], constants, false, asyncMode)(A, B, row0);
      copyInto(await out, C, row0 * n);
    }
  }

  // ------------------------------------------------------------ convolution

  private convConstants(op: string, g: Conv2dGeometry): K.ConvConstants {
    for (const key of ['n', 'c', 'h', 'w', 'o', 'kh', 'kw', 'stride', 'oh', 'ow'] as const) {
      if (!Number.isInteger(g[key]) || g[key] < 1) throw new RangeError(`gpu.js ${op}: geometry.${key} must be a positive integer, got ${g[key]}`);
    }
    if (!Number.isInteger(g.padding) || g.padding < 0) throw new RangeError(`gpu.js ${op}: geometry.padding must be a non-negative integer, got ${g.padding}`);
    if (g.n * Math.max(g.c, g.o) >= K.MAX_DECODED_INDEX) throw new RangeError(`gpu.js ${op}: batch x channels ${g.n} x ${Math.max(g.c, g.o)} is too large for one launch`);
    return { n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw, s: g.stride, pad: g.padding, oh: g.oh, ow: g.ow };
  }

  conv2dForward(x: FloatStorage, w: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void {
    this.requireSync('conv2dForward');
    const cc = this.convConstants('conv2dForward', g);
    const X = exact('conv2dForward', 'x', x, g.n * g.c * g.h * g.w);
    const W = exact('conv2dForward', 'w', w, g.o * g.c * g.kh * g.kw);
    const Y = float32('conv2dForward', 'out', out);
    this.readBack(this.kernel('conv', K.conv2dForwardKernel, [g.ow, g.oh, g.n * g.o], cc)(X, W), Y);
  }

  conv2dBackwardInput(gOut: FloatStorage, w: FloatStorage, gx: FloatStorage, g: Conv2dGeometry): void {
    this.requireSync('conv2dBackwardInput');
    const cc = this.convConstants('conv2dBackwardInput', g);
    const G = exact('conv2dBackwardInput', 'gOut', gOut, g.n * g.o * g.oh * g.ow);
    const W = exact('conv2dBackwardInput', 'w', w, g.o * g.c * g.kh * g.kw);
    const DX = float32('conv2dBackwardInput', 'gx', gx);
    this.readBack(this.kernel('convDx', K.conv2dBackwardInputKernel, [g.w, g.h, g.n * g.c], cc)(G, W), DX);
  }

  conv2dBackwardWeight(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, g: Conv2dGeometry): void {
    this.requireSync('conv2dBackwardWeight');
    const cc = this.convConstants('conv2dBackwardWeight', g);
    const X = exact('conv2dBackwardWeight', 'x', x, g.n * g.c * g.h * g.w);
    const G = exact('conv2dBackwardWeight', 'gOut', gOut, g.n * g.o * g.oh * g.ow);
    const DW = float32('conv2dBackwardWeight', 'gw', gw);
    const perChunk = Math.max(1, Math.min(g.n, Math.floor(CHUNK_WORK / (g.oh * g.ow))));
    const chunks = Math.ceil(g.n / perChunk);
    const taps = g.c * g.kh * g.kw;
    if (g.o * taps >= K.MAX_DECODED_INDEX) throw new RangeError(`gpu.js conv2dBackwardWeight: weights of ${g.o * taps} elements are too many for one launch`);
    const partial = this.onDevice(this.kernel('convDwPartial', K.conv2dWeightPartialKernel, [taps, g.o, chunks], { ...cc, perChunk }, true), X, G);
    try {
      this.readBack(this.kernel('chunkSum', K.chunkSumKernel, [g.o * taps], { cols: taps, rows: g.o, chunks })(partial), DW);
    } finally {
      this.release(partial);
    }
  }

  // ------------------------------------------------------------ max pooling

  private poolConstants(op: string, g: Pool2dGeometry): K.PoolConstants {
    for (const key of ['n', 'c', 'h', 'w', 'k', 'stride', 'oh', 'ow'] as const) {
      if (!Number.isInteger(g[key]) || g[key] < 1) throw new RangeError(`gpu.js ${op}: geometry.${key} must be a positive integer, got ${g[key]}`);
    }
    // Window winners travel as float32 flat indices: exact below 2^24.
    if (g.n * g.c * g.h * g.w >= 1 << 24) throw new RangeError(`gpu.js ${op}: input of ${g.n * g.c * g.h * g.w} elements is too large (indices must stay below 2^24)`);
    return { h: g.h, w: g.w, k: g.k, s: g.stride, pad: g.padding, oh: g.oh, ow: g.ow };
  }

  /** y = window maxima; `argmax` gets each window's flat input index (what the backward needs). */
  maxPool2dForward(x: FloatStorage, out: FloatStorage, argmax: Int32Array | Float32Array, g: Pool2dGeometry): void {
    this.requireSync('maxPool2dForward');
    const pc = this.poolConstants('maxPool2dForward', g);
    const X = exact('maxPool2dForward', 'x', x, g.n * g.c * g.h * g.w);
    const Y = float32('maxPool2dForward', 'out', out);
    const size = [g.ow, g.oh, g.n * g.c];
    const index = this.onDevice(this.kernel('poolArgmax', K.maxPoolArgmaxKernel, size, pc, true), X);
    try {
      this.readBack(this.kernel('gather', K.gatherByIndexKernel, size, {})(X, index), Y);
      const flat = new Float32Array(Y.length);
      this.readBack(index, flat);
      argmax.set(flat);
    } finally {
      this.release(index);
    }
  }

  /** dx[i] = Σ of gOut over the windows whose argmax is i. */
  maxPool2dBackward(gOut: FloatStorage, argmax: Int32Array | Float32Array, gx: FloatStorage, g: Pool2dGeometry): void {
    this.requireSync('maxPool2dBackward');
    const pc = this.poolConstants('maxPool2dBackward', g);
    const len = g.n * g.c * g.oh * g.ow;
    const G = exact('maxPool2dBackward', 'gOut', gOut, len);
    const idx = argmax instanceof Float32Array ? exact('maxPool2dBackward', 'argmax', argmax, len) : Float32Array.from(argmax.subarray(0, len));
    this.readBack(this.kernel('poolDx', K.maxPoolBackwardKernel, [g.w, g.h, g.n * g.c], pc)(G, idx), float32('maxPool2dBackward', 'gx', gx));
  }

  // ------------------------------------------------------------ elementwise, reductions, softmax

  /** out[i] = op(x[i]) */
  unary(op: K.UnaryOp, x: FloatStorage, out: FloatStorage): void {
    this.requireSync(op);
    const fn = K.unaryKernels[op];
    if (!fn) throw new RangeError(`gpu.js unary: unknown op '${op}' (have ${Object.keys(K.unaryKernels).join(', ')})`);
    const Y = float32(op, 'out', out);
    if (Y.length === 0) return;
    this.readBack(this.kernel(`u:${op}`, fn, [Y.length], {})(exact(op, 'x', x, Y.length)), Y);
  }

  /** out[i] = op(a[i], b[i]) over equal lengths (broadcasting stays in the engine's ops). */
  binary(op: K.BinaryOp, a: FloatStorage, b: FloatStorage, out: FloatStorage): void {
    this.requireSync(op);
    const fn = K.binaryKernels[op];
    if (!fn) throw new RangeError(`gpu.js binary: unknown op '${op}' (have ${Object.keys(K.binaryKernels).join(', ')})`);
    const Y = float32(op, 'out', out);
    if (Y.length === 0) return;
    this.readBack(this.kernel(`b:${op}`, fn, [Y.length], {})(exact(op, 'a', a, Y.length), exact(op, 'b', b, Y.length)), Y);
  }

  private rowsCheck(op: string, rows: number, cols: number): void {
    for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`gpu.js ${op}: ${name} must be a positive integer, got ${v}`);
    }
  }

  /** out[r] = Σ_c x[r, c]; long rows are summed in segments on the device first. */
  sumRows(x: FloatStorage, out: FloatStorage, rows: number, cols: number): void {
    this.requireSync('sumRows');
    this.rowsCheck('sumRows', rows, cols);
    const X = exact('sumRows', 'x', x, rows * cols);
    const Y = float32('sumRows', 'out', out);
    if (cols <= CHUNK_WORK) {
      this.readBack(this.kernel('rowSum', K.rowSumKernel, [rows], { cols })(X), Y);
      return;
    }
    const segment = Math.ceil(Math.sqrt(cols));
    const segments = Math.ceil(cols / segment);
    if (rows * segments >= K.MAX_DECODED_INDEX) throw new RangeError(`gpu.js sumRows: ${rows} rows of ${cols} are too many for one launch`);
    const partial = this.onDevice(this.kernel('rowSeg', K.rowSegmentSumKernel, [rows * segments], { cols, segment, segments }, true), X);
    try {
      this.readBack(this.kernel('rowSum', K.rowSumKernel, [rows], { cols: segments })(partial), Y);
    } finally {
      this.release(partial);
    }
  }

  /** Softmax over each row of x [rows, cols]: three chained kernels, one readback. */
  softmaxRows(x: FloatStorage, out: FloatStorage, rows: number, cols: number): void {
    this.requireSync('softmaxRows');
    this.rowsCheck('softmaxRows', rows, cols);
    const X = exact('softmaxRows', 'x', x, rows * cols);
    const Y = float32('softmaxRows', 'out', out);
    if (cols >= this.launchCells) throw new RangeError(`gpu.js softmaxRows: rows of ${cols} exceed one launch (${this.launchCells} cells)`);
    const rowMax = this.onDevice(this.kernel('rowMax', K.rowMaxKernel, [rows], { cols }, true), X);
    let rowSumExp: unknown = null;
    try {
      rowSumExp = this.onDevice(this.kernel('rowSumExp', K.rowSumExpKernel, [rows], { cols }, true), X, rowMax);
      const block = Math.max(1, Math.min(rows, Math.floor(this.launchCells / cols)));
      for (let row0 = 0; row0 < rows; row0 += block) {
        const n = Math.min(block, rows - row0);
        this.readBack(this.kernel('softmax', K.softmaxNormalizeKernel, [n * cols], { cols })(X, rowMax, rowSumExp, row0), Y, row0 * cols);
      }
    } finally {
      this.release(rowMax, rowSumExp);
    }
  }
}

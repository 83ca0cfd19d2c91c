/**
 * A Backend whose float32 kernels run on gpu.js: WebGL2 (or WebGL) in a browser
 * page, WebAssembly or plain JavaScript where there is no GPU. It serves the
 * seam's GEMM and convolutions, the kernels with enough arithmetic per element
 * to pay for uploading their operands and reading the result back (see
 * src/engine/backend.ts for why the memory-bound ops stay on the CPU).
 *
 * - Kernels are compiled once per shape (gpu.js bakes sizes into the compiled
 *   shader) and cached, least recently used first out.
 * - The weight gradient's chunk partials stay on the device as a texture
 *   (pipeline mode) for the kernel that sums them, and the texture is deleted
 *   as soon as that call is done with it (gpu.js keeps it alive otherwise).
 * - Only the last kernel of a call reads back, into the caller's typed array.
 *
 * The engine's Backend contract is synchronous, so the sync gpu.js modes drive
 * it; `gemmAsync` serves the Promise-returning modes ('async', 'webgpu').
 * Storage must be float32: the engine's `backendFor` keeps float64 on the
 * reference backend, so float64 here is a caller's mistake, refused by name.
 */
import type { Backend, Conv2dGeometry, GemmArgs } from '../../backend';
import type { FloatStorage } from '../../tensor';
import type { GpuJsInstance, GpuJsKernel, GpuJsKernelSettings, GpuJsTexture } from './gpujsTypes';
import * as K from './kernels';

export interface GpuJsBackendOptions {
  /** Shown in the UI after the mode, e.g. the WebGL renderer string. */
  detail?: string;
  /** Compiled kernels kept (default 96); the least recently used is destroyed beyond it. */
  cacheSize?: number;
  /**
   * Output cells per launch of the row-blocked gemm, at most (and by default)
   * 2^22, where its index decoding stays exact. Smaller values only serve tests
   * of the blocking.
   */
  maxLaunchCells?: number;
}

/** Longest per-thread sum in the weight gradient before the batch is split in chunks. */
const CHUNK_WORK = 4096;
/** Sync modes: a kernel call returns its result. */
const SYNC_MODES = new Set(['webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu', 'dev']);

const MODE_LABELS: Record<string, string> = {
  webgl2: 'WebGL2',
  webgl: 'WebGL',
  headlessgl: 'headless-gl',
  webgpu: 'WebGPU',
  webasm: 'WebAssembly (gpu.js)',
  cpu: 'JavaScript (gpu.js cpu)',
  async: 'gpu.js async',
  dev: 'gpu.js dev',
};

function float32(op: string, name: string, x: FloatStorage): Float32Array {
  if (!(x instanceof Float32Array)) {
    throw new TypeError(
      `gpu.js ${op}: ${name} must be float32 storage, got ${x.constructor.name}; backendFor keeps float64 on the reference backend, and other storage must be converted before it reaches a backend`,
    );
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

const inputSize = (g: Conv2dGeometry) => g.n * g.c * g.h * g.w;
const weightSize = (g: Conv2dGeometry) => g.o * g.c * g.kh * g.kw;
const outputSize = (g: Conv2dGeometry) => g.n * g.o * g.oh * g.ow;

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
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as GpuJsTexture).delete === 'function' &&
    typeof (x as GpuJsTexture).toArray === 'function'
  );
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

  constructor(
    private readonly gpu: GpuJsInstance,
    options: GpuJsBackendOptions = {},
  ) {
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
    return [...this.kernels].map(([key, k]) => ({
      key,
      runsOn: (k.kernel?.constructor.name ?? 'unknown').replace(/^_+/, ''),
      fallbackReason: k.kernel?.fallbackReason ?? null,
    }));
  }

  /** Destroys every cached kernel and the gpu.js instance. */
  dispose(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
    this.gpu.destroy();
  }

  private requireSync(op: string): void {
    if (!this.synchronous) {
      throw new Error(
        `gpu.js ${op}: this backend's gpu.js instance runs in '${this.mode}' mode, whose kernels return Promises; the engine's ops need a synchronous mode (webgl2, webgl, webasm, cpu). Use gemmAsync, or create the GPU with a synchronous mode.`,
      );
    }
  }

  /** The kernel for `key`, compiled on first use; `pipeline` kernels leave their output on the device. */
  private kernel(
    key: string,
    fn: (...args: never[]) => number,
    output: number[],
    constants: object,
    pipeline = false,
    asyncMode = false,
  ): GpuJsKernel {
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

  /**
   * Launches op(A) op(B) a block of rows at a time; each step yields the block's
   * result (a Promise in async modes) and where in C it goes. A generator, so an
   * async caller awaits one block before the next is launched.
   */
  private *gemmBlocks(
    { a, b, c, m, n, k, transA, transB, accumulate }: GemmArgs,
    asyncMode: boolean,
  ): Generator<{ out: unknown; C: Float32Array; at: number }> {
    for (const [name, v] of [
      ['m', m],
      ['n', n],
      ['k', k],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`gpu.js gemm: ${name} must be a non-negative integer, got ${v}`);
    }
    const A = exact('gemm', 'a', a, m * k),
      B = exact('gemm', 'b', b, k * n);
    const C = float32('gemm', 'c', c);
    if (C.length < m * n) throw new RangeError(`gpu.js gemm: c has ${C.length} elements, needs ${m * n}`);
    if (n >= this.launchCells) throw new RangeError(`gpu.js gemm: rows of ${n} columns exceed one launch (${this.launchCells} cells)`);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) C.fill(0, 0, m * n);
      return;
    }
    const constants: K.GemmConstants = {
      n,
      k,
      aI: transA ? 1 : k,
      aP: transA ? m : 1,
      bP: transB ? 1 : n,
      bJ: transB ? k : 1,
      accumulate: accumulate ? 1 : 0,
    };
    // Rows per launch: decoded flat indices stay below 2^22 (see kernels.ts).
    const block = Math.max(1, Math.min(m, Math.floor(this.launchCells / n)));
    // Without accumulation the kernel never reads c: one element stands in, not a copy of C.
    const unread = new Float32Array(1);
    for (let row0 = 0; row0 < m; row0 += block) {
      const rows = Math.min(block, m - row0);
      const run = this.kernel('gemm', K.gemmKernel, [rows * n], constants, false, asyncMode);
      yield { out: run(A, B, accumulate ? C.slice(row0 * n, (row0 + rows) * n) : unread, row0), C, at: row0 * n };
    }
  }

  gemm(args: GemmArgs): void {
    this.requireSync('gemm');
    for (const { out, C, at } of this.gemmBlocks(args, false)) this.readBack(out, C, at);
  }

  /** gemm for every gpu.js mode, the Promise-returning ones ('async', 'webgpu') included. */
  async gemmAsync(args: GemmArgs): Promise<void> {
    for (const { out, C, at } of this.gemmBlocks(args, !this.synchronous)) copyInto(await out, C, at);
  }

  // ------------------------------------------------------------ convolution

  private convConstants(op: string, g: Conv2dGeometry): K.ConvConstants {
    for (const key of ['n', 'c', 'h', 'w', 'o', 'kh', 'kw', 'stride', 'oh', 'ow'] as const) {
      if (!Number.isInteger(g[key]) || g[key] < 1)
        throw new RangeError(`gpu.js ${op}: geometry.${key} must be a positive integer, got ${g[key]}`);
    }
    if (!Number.isInteger(g.padding) || g.padding < 0)
      throw new RangeError(`gpu.js ${op}: geometry.padding must be a non-negative integer, got ${g.padding}`);
    if (g.n * Math.max(g.c, g.o) >= K.MAX_DECODED_INDEX)
      throw new RangeError(`gpu.js ${op}: batch x channels ${g.n} x ${Math.max(g.c, g.o)} is too large for one launch`);
    return { n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw, s: g.stride, pad: g.padding, oh: g.oh, ow: g.ow };
  }

  /**
   * A convolution kernel's shared preamble: its geometry checked, its inputs (with their
   * lengths) as exact float32 arrays, its one output as float32 storage.
   */
  private convOperands(
    op: string,
    g: Conv2dGeometry,
    inputs: Record<string, [FloatStorage, number]>,
    output: Record<string, FloatStorage>,
  ) {
    this.requireSync(op);
    const cc = this.convConstants(op, g);
    const [[name, data]] = Object.entries(output);
    return { cc, args: Object.entries(inputs).map(([name, [data, len]]) => exact(op, name, data, len)), dst: float32(op, name, data) };
  }

  conv2dForward(x: FloatStorage, w: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void {
    const { cc, args, dst } = this.convOperands('conv2dForward', g, { x: [x, inputSize(g)], w: [w, weightSize(g)] }, { out });
    this.readBack(this.kernel('conv', K.conv2dForwardKernel, [g.ow, g.oh, g.n * g.o], cc)(...args), dst);
  }

  conv2dBackwardInput(gOut: FloatStorage, w: FloatStorage, gx: FloatStorage, g: Conv2dGeometry): void {
    const { cc, args, dst } = this.convOperands('conv2dBackwardInput', g, { gOut: [gOut, outputSize(g)], w: [w, weightSize(g)] }, { gx });
    this.readBack(this.kernel('convDx', K.conv2dBackwardInputKernel, [g.w, g.h, g.n * g.c], cc)(...args), dst);
  }

  conv2dBackwardWeight(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, g: Conv2dGeometry): void {
    const { cc, args, dst } = this.convOperands('conv2dBackwardWeight', g, { x: [x, inputSize(g)], gOut: [gOut, outputSize(g)] }, { gw });
    const perChunk = Math.max(1, Math.min(g.n, Math.floor(CHUNK_WORK / (g.oh * g.ow))));
    const chunks = Math.ceil(g.n / perChunk);
    const taps = g.c * g.kh * g.kw;
    if (g.o * taps >= K.MAX_DECODED_INDEX)
      throw new RangeError(`gpu.js conv2dBackwardWeight: weights of ${g.o * taps} elements are too many for one launch`);
    const partial = this.onDevice(
      this.kernel('convDwPartial', K.conv2dWeightPartialKernel, [taps, g.o, chunks], { ...cc, perChunk }, true),
      ...args,
    );
    try {
      this.readBack(this.kernel('chunkSum', K.chunkSumKernel, [g.o * taps], { cols: taps, rows: g.o, chunks })(partial), dst);
    } finally {
      this.release(partial);
    }
  }
}

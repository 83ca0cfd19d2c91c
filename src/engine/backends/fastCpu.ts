/**
 * The fast float32 CPU backend: WebAssembly SIMD kernels (kernels/simd.ts),
 * split across worker threads that share the kernels' memory.
 *
 * Why this design (measured on a 2-core AVX-512 x86-64 server, Node 20;
 * `npm run bench` prints the candidates side by side):
 * - Plain JavaScript loops top out around 1-3.5 GFLOP/s at 512^3 (reference
 *   i-p-j loops ~1-1.7, blocked and 4-row register-tiled ~2-3.5): JS has no
 *   SIMD, and typed-array bounds checks stay in the loop.
 * - gpu.js in Node has no GPU and falls back to WebAssembly at ~1.6 GFLOP/s.
 * - WebAssembly SIMD with packed panels and a 4x8 register tile runs at
 *   ~52-56 GFLOP/s on one core (V8 turns f32x4 mul/add into AVX instructions;
 *   it allocates only 16 xmm registers, so a 6x8 tile spills and halves that).
 * - Worker threads over a shared WebAssembly.Memory add the other cores;
 *   Atomics.wait keeps the API synchronous. Work is cut into ~4 chunks per
 *   thread that threads claim as they go (threadPool.ts), so a core that is
 *   busy elsewhere delays a call by one chunk, not by half of it. Threads pay
 *   off only above ~1M multiply-adds per call (waking a worker costs tens of
 *   microseconds), so small products stay on the calling thread.
 * Convolutions are fused (im2col into per-thread scratch + the same GEMM), one
 * image per GEMM, chunks of images per thread; the weight gradient is summed
 * from per-thread partials.
 */
import type { Backend, Conv2dGeometry, GemmArgs } from '../backend';
import { referenceBackend } from '../backend';
import type { FloatStorage } from '../tensor';
import type { KernelName, SimdKernels } from './wasmKernels';
import { type ChunkedJob, ThreadPool } from './threadPool';

/** Register-tile sizes of the kernels: row and column chunks keep to whole tiles. */
const TILE_ROWS = 4;
const TILE_COLS = 8;
/** Below this many multiply-adds a call runs on the calling thread alone. */
const PARALLEL_MIN_MACS = 1 << 20;
/** Chunks per thread: enough to rebalance around a busy core, few enough to keep per-chunk packing cheap. */
const CHUNKS_PER_THREAD = 4;
/** A gemm chunk does at least this many multiply-adds (its packing is amortised over them). */
const MIN_CHUNK_MACS = 1 << 18;

/** Cuts [0, total) into about `parts` ranges whose bounds are multiples of `align` (except the end). */
function chunkRange(total: number, parts: number, align: number): Array<[number, number]> {
  const units = Math.ceil(total / align);
  const per = Math.max(1, Math.ceil(units / Math.max(1, parts)));
  const ranges: Array<[number, number]> = [];
  for (let u = 0; u < units; u += per) ranges.push([u * align, Math.min(total, (u + per) * align)]);
  return ranges;
}

function float32(op: string, name: string, x: FloatStorage): Float32Array {
  if (!(x instanceof Float32Array)) throw new TypeError(`fast CPU ${op}: ${name} must be float32 storage, got ${x.constructor.name}`);
  return x;
}

export class FastCpuBackend implements Backend {
  readonly name = 'fast-cpu';
  readonly description: string;
  private pool: ThreadPool | null;
  /** Chunks each thread ran in the last call (index 0: the calling thread); for diagnostics and tests. */
  lastChunkCounts: number[] = [];

  /** `threads` counts the calling thread: 1 means no workers. */
  constructor(private readonly kernels: SimdKernels, threads: number) {
    this.pool = threads > 1 ? new ThreadPool(kernels, threads - 1) : null;
    this.description = `WebAssembly SIMD (f32x4, ${TILE_ROWS}x${TILE_COLS} register tile), ${threads} thread${threads > 1 ? 's' : ''}`;
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  private threadsFor(macs: number): number {
    return macs >= PARALLEL_MIN_MACS ? this.threads : 1;
  }

  /**
   * Runs `chunks` of `kernel`: directly when `parallel` is false, else through
   * the pool (every pool thread gets per-thread values, even if it finds no
   * chunk left). `scratchPos` is the argument that takes each thread's scratch
   * block. Returns the chunk count each thread ran (index 0: this thread).
   */
  private run(kernel: KernelName, chunks: number[][], parallel: boolean, scratchPos: number, scratchBytes: number, extra: Omit<ChunkedJob, 'kernel' | 'chunks'> = {}): number[] {
    this.lastChunkCounts = [0];
    if (chunks.length === 0) return this.lastChunkCounts;
    if (!parallel || !this.pool) {
      const fn = this.kernels.exports[kernel] as (...a: number[]) => void;
      const scratch = this.kernels.alloc(scratchBytes);
      chunks.forEach((args, i) => {
        args[scratchPos] = scratch;
        for (const l of extra.perThread ?? []) args[l.position] = l.values[0];
        if (extra.accumulatePosition !== undefined && i > 0) args[extra.accumulatePosition] = 1;
        fn(...args);
      });
      this.lastChunkCounts = [chunks.length];
      return this.lastChunkCounts;
    }
    const scratch = Array.from({ length: this.pool.threads }, () => this.kernels.alloc(scratchBytes));
    return (this.lastChunkCounts = this.pool.run({ kernel, chunks, perThread: [{ position: scratchPos, values: scratch }, ...(extra.perThread ?? [])], accumulatePosition: extra.accumulatePosition }));
  }

  gemm(args: GemmArgs): void {
    const { m, n, k, transA, transB, accumulate } = args;
    // float64 never reaches here through the engine; keep it exact if called directly.
    if (!(args.a instanceof Float32Array && args.b instanceof Float32Array && args.c instanceof Float32Array)) {
      referenceBackend.gemm(args);
      return;
    }
    const { a, b, c } = args;
    if (a.length < m * k || b.length < k * n || c.length < m * n) {
      throw new RangeError(`fast CPU gemm: buffers too small for ${m}x${k} * ${k}x${n} (a ${a.length}, b ${b.length}, c ${c.length})`);
    }
    if (m === 0 || n === 0) return;
    const K = this.kernels;
    K.reset();
    const pa = K.put(a.length === m * k ? a : a.subarray(0, m * k));
    const pb = K.put(b.length === k * n ? b : b.subarray(0, k * n));
    const cv = c.length === m * n ? c : c.subarray(0, m * n);
    const pc = accumulate ? K.put(cv) : K.alloc(m * n * 4);
    const lda = transA ? m : k, ldb = transB ? k : n;
    const macs = m * n * k, threads = this.threadsFor(macs);
    // Chunks are blocks of rows of C (or of columns when C is wide); each packs its own panels.
    const byRows = m >= n;
    const parts = threads === 1 ? 1 : Math.min(threads * CHUNKS_PER_THREAD, Math.max(threads, Math.floor(macs / MIN_CHUNK_MACS)));
    const acc = +!!accumulate;
    const chunks = chunkRange(byRows ? m : n, parts, byRows ? TILE_ROWS : TILE_COLS).map(([lo, hi]) => {
      if (byRows) return [hi - lo, n, k, pa + (transA ? lo : lo * lda) * 4, lda, +transA, pb, ldb, +transB, pc + lo * n * 4, n, acc, 0];
      return [m, hi - lo, k, pa, lda, +transA, pb + (transB ? lo * ldb : lo) * 4, ldb, +transB, pc + lo * 4, n, acc, 0];
    });
    this.run('gemm', chunks, threads > 1, 12, K.gemmScratchBytes);
    cv.set(K.view(pc, m * n));
  }

  private geometryArgs(g: Conv2dGeometry): number[] {
    return [g.c, g.h, g.w, g.o, g.kh, g.kw, g.stride, g.padding, g.oh, g.ow];
  }

  /** Per-thread scratch: gemm packing plus one image's im2col matrix. */
  private convScratchBytes(g: Conv2dGeometry): number {
    return this.kernels.gemmScratchBytes + g.c * g.kh * g.kw * g.oh * g.ow * 4;
  }

  /** Whether a convolution is worth the pool, and its batch cut into chunks of images. */
  private convPlan(g: Conv2dGeometry): { parallel: boolean; images: Array<[number, number]> } {
    const parallel = g.n > 1 && this.threadsFor(g.n * g.o * g.c * g.kh * g.kw * g.oh * g.ow) > 1;
    return { parallel, images: chunkRange(g.n, parallel ? this.threads * CHUNKS_PER_THREAD : 1, 1) };
  }

  conv2dForward(xIn: FloatStorage, wIn: FloatStorage, outIn: FloatStorage, g: Conv2dGeometry): void {
    const x = float32('conv2dForward', 'x', xIn), w = float32('conv2dForward', 'w', wIn), out = float32('conv2dForward', 'out', outIn);
    const K = this.kernels;
    K.reset();
    const px = K.put(x), pw = K.put(w), pout = K.alloc(out.length * 4);
    const geo = this.geometryArgs(g);
    const { parallel, images } = this.convPlan(g);
    this.run('conv2dForward', images.map(([i0, i1]) => [px, pw, pout, ...geo, i0, i1, 0]), parallel, 15, this.convScratchBytes(g));
    out.set(K.view(pout, out.length));
  }

  conv2dBackwardInput(gOutIn: FloatStorage, wIn: FloatStorage, gxIn: FloatStorage, g: Conv2dGeometry): void {
    const gOut = float32('conv2dBackwardInput', 'gOut', gOutIn), w = float32('conv2dBackwardInput', 'w', wIn), gx = float32('conv2dBackwardInput', 'gx', gxIn);
    const K = this.kernels;
    K.reset();
    const pg = K.put(gOut), pw = K.put(w), pgx = K.alloc(gx.length * 4);
    const geo = this.geometryArgs(g);
    const { parallel, images } = this.convPlan(g);
    this.run('conv2dBackwardInput', images.map(([i0, i1]) => [pg, pw, pgx, ...geo, i0, i1, 0]), parallel, 15, this.convScratchBytes(g));
    gx.set(K.view(pgx, gx.length));
  }

  conv2dBackwardWeight(xIn: FloatStorage, gOutIn: FloatStorage, gwIn: FloatStorage, g: Conv2dGeometry): void {
    const x = float32('conv2dBackwardWeight', 'x', xIn), gOut = float32('conv2dBackwardWeight', 'gOut', gOutIn), gw = float32('conv2dBackwardWeight', 'gw', gwIn);
    if (g.n === 0) return void gw.fill(0);
    const K = this.kernels;
    K.reset();
    const px = K.put(x), pg = K.put(gOut);
    const geo = this.geometryArgs(g);
    const { parallel, images } = this.convPlan(g);
    // Each chunk of images sums into its own partial, and the partials are added in chunk
    // order: which thread takes which chunk varies from call to call, and float32 addition
    // is not associative, so per-thread partials would make training irreproducible.
    const partials = images.map(() => K.alloc(gw.length * 4));
    this.run('conv2dBackwardWeight', images.map(([i0, i1], c) => [px, pg, partials[c], ...geo, i0, i1, 0, 0]), parallel, 15, this.convScratchBytes(g));
    const used = partials;
    for (let t = 1; t < used.length; t++) K.exports.addInto(used[0], used[t], gw.length);
    gw.set(K.view(used[0], gw.length));
  }

  /** Stops the worker threads; the backend keeps working single-threaded afterwards. */
  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
  }
}

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
import type { Backend, ChannelAffine, ChannelGeometry, Conv2dGeometry, GemmArgs, Pool2x2Geometry } from '../backend';
import type { FloatStorage } from '../tensor';
import type { KernelName, SimdKernels } from './wasmKernels';
import { type ChunkedJob, MAX_THREADS, ThreadPool } from './threadPool';

/** Register-tile columns of the kernels (rows come from the build): chunks keep to whole tiles. */
const TILE_COLS = 8;
/** Below this many multiply-adds a call runs on the calling thread alone. */
const PARALLEL_MIN_MACS = 1 << 20;
/** Below this many elements a memory-bound kernel (ReLU, pooling, batch norm) runs on the calling thread alone. */
const PARALLEL_MIN_ELEMENTS = 1 << 18;
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
  if (!(x instanceof Float32Array))
    throw new TypeError(
      `fast CPU ${op}: ${name} must be float32 storage, got ${x.constructor.name} (backendFor keeps float64 on the reference backend)`,
    );
  return x;
}

export class FastCpuBackend implements Backend {
  readonly name = 'fast';
  readonly description: string;
  /** Started on the first call big enough to share (a script of small ops never starts threads). */
  private poolStarted: ThreadPool | null = null;
  private workerCount: number;
  /** Chunks each thread ran in the last call (index 0: the calling thread); for diagnostics and tests. */
  lastChunkCounts: number[] = [];

  /** `threads` counts the calling thread: 1 means no workers. */
  constructor(
    private readonly kernels: SimdKernels,
    threads: number,
  ) {
    if (threads > MAX_THREADS)
      throw new RangeError(`fast CPU backend: at most ${MAX_THREADS - 1} workers besides the calling thread, asked for ${threads - 1}`);
    this.workerCount = threads - 1;
    this.description = `WebAssembly SIMD (f32x4${kernels.fused ? ' fused multiply-add' : ''}, ${kernels.tileRows}x${TILE_COLS} register tile), ${threads} thread${threads > 1 ? 's' : ''}`;
  }

  get threads(): number {
    return this.workerCount + 1;
  }

  private get pool(): ThreadPool | null {
    if (!this.poolStarted && this.workerCount > 0) this.poolStarted = new ThreadPool(this.kernels, this.workerCount);
    return this.poolStarted;
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
  private run(
    kernel: KernelName,
    chunks: number[][],
    parallel: boolean,
    scratchPos: number,
    scratchBytes: number,
    extra: Omit<ChunkedJob, 'kernel' | 'chunks'> = {},
  ): number[] {
    this.lastChunkCounts = [0];
    if (chunks.length === 0) return this.lastChunkCounts;
    // scratchPos < 0: the kernel needs no per-thread scratch.
    const pool = parallel ? this.pool : null;
    if (!pool) {
      const fn = this.kernels.exports[kernel] as (...a: number[]) => void;
      const scratch = scratchPos >= 0 ? this.kernels.alloc(scratchBytes) : 0;
      chunks.forEach((args, i) => {
        if (scratchPos >= 0) args[scratchPos] = scratch;
        for (const l of extra.perThread ?? []) args[l.position] = l.values[0];
        if (extra.accumulatePosition !== undefined && i > 0) args[extra.accumulatePosition] = 1;
        fn(...args);
      });
      this.lastChunkCounts = [chunks.length];
      return this.lastChunkCounts;
    }
    const scratch =
      scratchPos >= 0
        ? [{ position: scratchPos, values: Array.from({ length: pool.threads }, () => this.kernels.alloc(scratchBytes)) }]
        : [];
    return (this.lastChunkCounts = pool.run({
      kernel,
      chunks,
      perThread: [...scratch, ...(extra.perThread ?? [])],
      accumulatePosition: extra.accumulatePosition,
    }));
  }

  /**
   * Runs a kernel that takes a range [lo, hi) of `total` units as its last two
   * arguments, over threads when the call touches enough elements to pay for waking them.
   */
  private split(kernel: KernelName, total: number, elements: number, align: number, args: (lo: number, hi: number) => number[]): void {
    const parallel = total > 1 && this.workerCount > 0 && elements >= PARALLEL_MIN_ELEMENTS;
    const ranges = chunkRange(total, parallel ? this.threads * CHUNKS_PER_THREAD : 1, align);
    this.run(
      kernel,
      ranges.map(([lo, hi]) => args(lo, hi)),
      parallel,
      -1,
      0,
    );
  }

  gemm(args: GemmArgs): void {
    const { m, n, k, transA, transB, accumulate } = args;
    const a = float32('gemm', 'a', args.a),
      b = float32('gemm', 'b', args.b),
      c = float32('gemm', 'c', args.c);
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
    const lda = transA ? m : k,
      ldb = transB ? k : n;
    const macs = m * n * k,
      threads = this.threadsFor(macs);
    // Chunks are blocks of rows of C (or of columns when C is wide); each packs its own panels.
    const byRows = m >= n;
    const parts = threads === 1 ? 1 : Math.min(threads * CHUNKS_PER_THREAD, Math.max(threads, Math.floor(macs / MIN_CHUNK_MACS)));
    const acc = +!!accumulate;
    const chunks = chunkRange(byRows ? m : n, parts, byRows ? K.tileRows : TILE_COLS).map(([lo, hi]) => {
      if (byRows) return [hi - lo, n, k, pa + (transA ? lo : lo * lda) * 4, lda, +transA, pb, ldb, +transB, pc + lo * n * 4, n, acc, 0];
      return [m, hi - lo, k, pa, lda, +transA, pb + (transB ? lo * ldb : lo) * 4, ldb, +transB, pc + lo * 4, n, acc, 0];
    });
    this.run('gemm', chunks, threads > 1, 12, K.gemmScratchBytes);
    cv.set(K.view(pc, m * n));
  }

  /** Checks that each operand (named by its key) is float32 storage, and starts a kernel call with an empty arena. */
  private begin(op: string, operands: Record<string, FloatStorage>): Float32Array[] {
    const checked = Object.entries(operands).map(([name, x]) => float32(op, name, x));
    this.kernels.reset();
    return checked;
  }

  /**
   * Runs a convolution kernel over the batch cut into chunks of images (`plan`, by default
   * convPlan's); `layout` gives one chunk's arguments from the geometry arguments, the
   * chunk's images [i0, i1) and its index. `scratchArg` is the argument the thread's scratch goes in.
   */
  private runConv(
    kernel: KernelName,
    g: Conv2dGeometry,
    scratchArg: number,
    layout: (geo: number[], i0: number, i1: number, chunk: number) => number[],
    plan = this.convPlan(g),
  ): void {
    const geo = [g.c, g.h, g.w, g.o, g.kh, g.kw, g.stride, g.padding, g.oh, g.ow];
    const chunks = plan.images.map(([i0, i1], c) => layout(geo, i0, i1, c));
    this.run(kernel, chunks, plan.parallel, scratchArg, this.convScratchBytes(g));
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

  conv2dForward(x: FloatStorage, w: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void {
    this.convForward(x, w, null, out, g);
  }

  conv2dForwardBias(x: FloatStorage, w: FloatStorage, bias: FloatStorage, out: FloatStorage, g: Conv2dGeometry): void {
    this.convForward(x, w, bias, out, g);
  }

  private convForward(xIn: FloatStorage, wIn: FloatStorage, biasIn: FloatStorage | null, outIn: FloatStorage, g: Conv2dGeometry): void {
    const [x, w, out] = this.begin('conv2dForward', { x: xIn, w: wIn, out: outIn });
    const K = this.kernels;
    const px = K.put(x),
      pw = K.put(w),
      pb = biasIn ? K.put(float32('conv2dForward', 'bias', biasIn)) : 0,
      pout = K.alloc(out.length * 4);
    this.runConv('conv2dForward', g, 16, (geo, i0, i1) => [px, pw, pout, pb, ...geo, i0, i1, 0]);
    out.set(K.view(pout, out.length));
  }

  conv2dBackwardInput(gOutIn: FloatStorage, wIn: FloatStorage, gxIn: FloatStorage, g: Conv2dGeometry): void {
    const [gOut, w, gx] = this.begin('conv2dBackwardInput', { gOut: gOutIn, w: wIn, gx: gxIn });
    const K = this.kernels;
    const pg = K.put(gOut),
      pw = K.put(w),
      pgx = K.alloc(gx.length * 4);
    this.runConv('conv2dBackwardInput', g, 15, (geo, i0, i1) => [pg, pw, pgx, ...geo, i0, i1, 0]);
    gx.set(K.view(pgx, gx.length));
  }

  conv2dBackwardWeight(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, g: Conv2dGeometry): void {
    this.convBackwardWeight(x, gOut, gw, null, g);
  }

  conv2dBackwardWeightBias(x: FloatStorage, gOut: FloatStorage, gw: FloatStorage, gb: FloatStorage, g: Conv2dGeometry): void {
    this.convBackwardWeight(x, gOut, gw, gb, g);
  }

  private convBackwardWeight(
    xIn: FloatStorage,
    gOutIn: FloatStorage,
    gwIn: FloatStorage,
    gbIn: FloatStorage | null,
    g: Conv2dGeometry,
  ): void {
    const [x, gOut, gw] = this.begin('conv2dBackwardWeight', { x: xIn, gOut: gOutIn, gw: gwIn });
    const gb = gbIn ? float32('conv2dBackwardWeight', 'gb', gbIn) : null;
    if (g.n === 0) {
      gw.fill(0);
      gb?.fill(0);
      return;
    }
    const K = this.kernels;
    const px = K.put(x),
      pg = K.put(gOut);
    const plan = this.convPlan(g);
    // Each chunk of images sums into its own partial (the weight gradient, then the bias
    // gradient), and the partials are added in chunk order: which thread takes which chunk
    // varies from call to call, and float32 addition is not associative, so per-thread
    // partials would make training irreproducible.
    const len = gw.length + (gb ? g.o : 0);
    const partials = plan.images.map(() => K.alloc(len * 4));
    this.runConv('conv2dBackwardWeight', g, 15, (geo, i0, i1, c) => [px, pg, partials[c], ...geo, i0, i1, 0, 0, gb ? 1 : 0], plan);
    for (let t = 1; t < partials.length; t++) K.exports.addInto(partials[0], partials[t], len);
    gw.set(K.view(partials[0], gw.length));
    gb?.set(K.view(partials[0] + gw.length * 4, g.o));
  }

  reluForward(x: Float32Array, y: Float32Array): void {
    const K = this.kernels;
    K.reset();
    const px = K.put(x),
      py = K.alloc(y.byteLength);
    this.split('reluForward', x.length, x.length, 4, (lo, hi) => [px, py, lo, hi]);
    y.set(K.view(py, y.length));
  }

  reluBackward(x: Float32Array, g: Float32Array, dx: Float32Array): void {
    const K = this.kernels;
    K.reset();
    const px = K.put(x),
      pg = K.put(g),
      pd = K.alloc(dx.byteLength);
    this.split('reluBackward', x.length, x.length, 4, (lo, hi) => [px, pg, pd, lo, hi]);
    dx.set(K.view(pd, dx.length));
  }

  maxPool2x2(x: Float32Array, y: Float32Array, winner: Int32Array, g: Pool2x2Geometry): void {
    const K = this.kernels;
    K.reset();
    const px = K.put(x),
      py = K.alloc(y.byteLength),
      pw = K.alloc(winner.byteLength);
    this.split('maxPool2x2', g.planes, x.length, 1, (lo, hi) => [px, py, pw, g.h, g.w, g.oh, g.ow, lo, hi]);
    y.set(K.view(py, y.length));
    winner.set(new Int32Array(K.memory.buffer, pw, winner.length));
  }

  maxPool2x2Backward(gOut: Float32Array, winner: Int32Array, dx: Float32Array, g: Pool2x2Geometry): void {
    const K = this.kernels;
    K.reset();
    const pg = K.put(gOut),
      pw = K.put(winner),
      pd = K.alloc(dx.byteLength);
    this.split('maxPool2x2Backward', g.planes, dx.length, 1, (lo, hi) => [pg, pw, pd, g.h, g.w, g.oh, g.ow, lo, hi]);
    dx.set(K.view(pd, dx.length));
  }

  channelMomentsAffine(
    x: Float32Array,
    y: Float32Array,
    g: ChannelGeometry,
    coefficients: (mean: Float64Array, m2: Float64Array) => ChannelAffine,
  ): void {
    const K = this.kernels;
    K.reset();
    const px = K.put(x),
      pm = K.alloc(g.C * 8),
      pm2 = K.alloc(g.C * 8);
    this.split('channelMoments', g.C, x.length, 1, (lo, hi) => [px, g.n, g.C, g.S, pm, pm2, lo, hi]);
    const { a, m, b } = coefficients(
      new Float64Array(K.memory.buffer, pm, g.C).slice(),
      new Float64Array(K.memory.buffer, pm2, g.C).slice(),
    );
    this.affine(px, y, g, a, m, b);
  }

  channelAffine(x: Float32Array, y: Float32Array, g: ChannelGeometry, { a, m, b }: ChannelAffine): void {
    this.kernels.reset();
    this.affine(this.kernels.put(x), y, g, a, m, b);
  }

  /** y = a (x - m) + b with x already in the arena at px. */
  private affine(px: number, y: Float32Array, g: ChannelGeometry, a: Float64Array, m: Float64Array, b: Float64Array): void {
    const K = this.kernels;
    const py = K.alloc(y.byteLength),
      pa = K.put(a),
      pm = K.put(m),
      pb = K.put(b);
    this.split('channelAffine', g.C, y.length, 1, (lo, hi) => [px, py, g.n, g.C, g.S, pa, pm, pb, lo, hi]);
    y.set(K.view(py, y.length));
  }

  channelGradAffine(...[gOut, x, d, g, mean, coefficients]: Parameters<NonNullable<Backend['channelGradAffine']>>): void {
    const K = this.kernels;
    K.reset();
    const pg = K.put(gOut),
      px = K.put(x),
      pmean = K.put(mean),
      ps = K.alloc(g.C * 8),
      psx = K.alloc(g.C * 8);
    this.split('channelGradSums', g.C, x.length, 1, (lo, hi) => [pg, px, g.n, g.C, g.S, pmean, ps, psx, lo, hi]);
    const { a, b, m, k } = coefficients(
      new Float64Array(K.memory.buffer, ps, g.C).slice(),
      new Float64Array(K.memory.buffer, psx, g.C).slice(),
    );
    if (!d) return;
    const pd = K.alloc(d.byteLength),
      pa = K.put(a),
      pb = K.put(b),
      pm = K.put(m),
      pk = K.put(k);
    this.split('channelAffine2', g.C, x.length, 1, (lo, hi) => [pg, px, pd, g.n, g.C, g.S, pa, pb, pm, pk, lo, hi]);
    d.set(K.view(pd, d.length));
  }

  /** Stops the worker threads; the backend keeps working single-threaded afterwards. */
  dispose(): void {
    this.poolStarted?.dispose();
    this.poolStarted = null;
    this.workerCount = 0;
  }
}

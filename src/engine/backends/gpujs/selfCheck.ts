/**
 * Parity of every gpu.js kernel with the engine's float64 reference, on small
 * odd-sized shapes. The parity tests run it in Node and in headless Chromium;
 * a page can run it once before training on a GPU it has never seen (a driver
 * that miscompiles a shader shows up here, not as a diverging loss curve).
 *
 * Inputs are float32 values; the reference computes on the same values widened
 * to float64, so only the kernels' arithmetic differs. Error is norm-wise,
 * max|gpu - ref| / max|ref|, against 1e-4: float32 sums of L terms of mixed sign
 * err by about sqrt(L/2)·6e-8 relative to their result, under 1e-5 for the
 * longest per-thread sum here (the kernels cap per-thread sums at 4096 terms
 * and add chunk partials after).
 */
import { referenceBackend } from '../../backend';
import { conv2d } from '../../functional/conv';
import { maxPool2d } from '../../functional/pool';
import { softmax } from '../../functional/softmax';
import { Rng } from '../../rng';
import { Tensor } from '../../tensor';
import '../../methods';
import type { GpuJsBackend, Pool2dGeometry } from './backend';
import { binaryKernels, unaryKernels, type BinaryOp, type UnaryOp } from './kernels';

export const PARITY_RTOL = 1e-4;

export interface KernelParity {
  kernel: string;
  /** The shape or variant checked. */
  detail: string;
  /** max|gpu - ref| / max|ref| */
  error: number;
  tolerance: number;
  ok: boolean;
  ms: number;
}

export interface SelfCheckOptions {
  seed?: number;
  /** Only kernels whose name contains one of these. */
  only?: string[];
}

function randomF32(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

function wide(a: Float32Array): Float64Array {
  return Float64Array.from(a);
}

function f64(a: Float32Array, shape: number[], requiresGrad = false): Tensor {
  return new Tensor(wide(a), shape, 'float64', requiresGrad);
}

export function normwiseError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

interface ConvCase { n: number; c: number; h: number; w: number; o: number; kh: number; kw: number; stride: number; padding: number }
const CONV_CASES: ConvCase[] = [
  { n: 2, c: 3, h: 9, w: 7, o: 4, kh: 3, kw: 3, stride: 1, padding: 1 },
  { n: 3, c: 2, h: 8, w: 9, o: 5, kh: 3, kw: 2, stride: 2, padding: 0 },
  // 48x48 outputs put one image per chunk: the weight gradient sums 3 device partials.
  { n: 3, c: 2, h: 48, w: 48, o: 3, kh: 3, kw: 3, stride: 1, padding: 1 },
];

const POOL_CASES: Array<Omit<Pool2dGeometry, 'oh' | 'ow'>> = [
  { n: 2, c: 3, h: 8, w: 8, k: 2, stride: 2, padding: 0 },
  { n: 2, c: 2, h: 7, w: 9, k: 3, stride: 2, padding: 1 },
];

const ROW_CASES: Array<[rows: number, cols: number]> = [[7, 50], [3, 5000]];

/** Runs every kernel once against the float64 reference; never throws for a mismatch, reports it. */
export function checkGpuKernels(backend: GpuJsBackend, options: SelfCheckOptions = {}): KernelParity[] {
  const rng = new Rng(options.seed ?? 7);
  const results: KernelParity[] = [];
  const wanted = (name: string) => !options.only || options.only.some((s) => name.includes(s));
  const check = (kernel: string, detail: string, run: () => { got: ArrayLike<number>; ref: ArrayLike<number> }) => {
    if (!wanted(kernel)) return;
    const t0 = performance.now();
    let error: number;
    try {
      const { got, ref } = run();
      error = normwiseError(got, ref);
    } catch (e) {
      // A kernel that fails to compile or run is a parity failure, named with its cause.
      results.push({ kernel, detail: `${detail}: ${(e as Error).message}`, error: Infinity, tolerance: PARITY_RTOL, ok: false, ms: performance.now() - t0 });
      return;
    }
    results.push({ kernel, detail, error, tolerance: PARITY_RTOL, ok: error <= PARITY_RTOL, ms: performance.now() - t0 });
  };

  // GEMM: every transpose combination, with and without accumulation.
  const [m, n, k] = [37, 29, 53];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        check('gemm', `${m}x${n}x${k}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}${accumulate ? ' C+=' : ''}`, () => {
          const a = randomF32(rng, m * k), b = randomF32(rng, k * n), c0 = randomF32(rng, m * n);
          const got = c0.slice();
          backend.gemm({ a, b, c: got, m, n, k, transA, transB, accumulate });
          const ref = wide(c0);
          referenceBackend.gemm({ a: wide(a), b: wide(b), c: ref, m, n, k, transA, transB, accumulate });
          return { got, ref };
        });
      }
    }
  }

  for (const cc of CONV_CASES) {
    const oh = Math.floor((cc.h + 2 * cc.padding - cc.kh) / cc.stride) + 1;
    const ow = Math.floor((cc.w + 2 * cc.padding - cc.kw) / cc.stride) + 1;
    const g = { ...cc, oh, ow };
    const detail = `x ${cc.n}x${cc.c}x${cc.h}x${cc.w}, w ${cc.o}x${cc.c}x${cc.kh}x${cc.kw}, stride ${cc.stride}, pad ${cc.padding}`;
    const x = randomF32(rng, cc.n * cc.c * cc.h * cc.w), w = randomF32(rng, cc.o * cc.c * cc.kh * cc.kw), gy = randomF32(rng, cc.n * cc.o * oh * ow);
    const X = f64(x, [cc.n, cc.c, cc.h, cc.w], true), W = f64(w, [cc.o, cc.c, cc.kh, cc.kw], true);
    const Y = conv2d(X, W, null, { stride: cc.stride, padding: cc.padding });
    Y.backward(f64(gy, Y.shape));
    check('conv2dForward', detail, () => {
      const got = new Float32Array(Y.size);
      backend.conv2dForward(x, w, got, g);
      return { got, ref: Y.data as Float64Array };
    });
    check('conv2dBackwardInput', detail, () => {
      const got = new Float32Array(X.size);
      backend.conv2dBackwardInput(gy, w, got, g);
      return { got, ref: X.grad!.data as Float64Array };
    });
    check('conv2dBackwardWeight', detail, () => {
      const got = new Float32Array(W.size);
      backend.conv2dBackwardWeight(x, gy, got, g);
      return { got, ref: W.grad!.data as Float64Array };
    });
  }

  for (const pc of POOL_CASES) {
    const oh = Math.floor((pc.h + 2 * pc.padding - pc.k) / pc.stride) + 1;
    const ow = Math.floor((pc.w + 2 * pc.padding - pc.k) / pc.stride) + 1;
    const g: Pool2dGeometry = { ...pc, oh, ow };
    const detail = `${pc.n}x${pc.c}x${pc.h}x${pc.w}, window ${pc.k}, stride ${pc.stride}, pad ${pc.padding}`;
    const x = randomF32(rng, pc.n * pc.c * pc.h * pc.w), gy = randomF32(rng, pc.n * pc.c * oh * ow);
    const X = f64(x, [pc.n, pc.c, pc.h, pc.w], true);
    const Y = maxPool2d(X, { kernelSize: pc.k, stride: pc.stride, padding: pc.padding });
    Y.backward(f64(gy, Y.shape));
    const argmax = new Int32Array(Y.size);
    check('maxPool2dForward', detail, () => {
      const got = new Float32Array(Y.size);
      backend.maxPool2dForward(x, got, argmax, g);
      return { got, ref: Y.data as Float64Array };
    });
    check('maxPool2dBackward', detail, () => {
      const got = new Float32Array(X.size);
      backend.maxPool2dBackward(gy, argmax, got, g);
      return { got, ref: X.grad!.data as Float64Array };
    });
  }

  const len = 1000;
  for (const op of Object.keys(unaryKernels) as UnaryOp[]) {
    check(`unary ${op}`, `${len} elements`, () => {
      // log and sqrt get positive inputs; the rest a span where exp and tanh still vary.
      const x = op === 'log' || op === 'sqrt' ? randomF32(rng, len, 0.05, 4) : randomF32(rng, len, -4, 4);
      const got = new Float32Array(len);
      backend.unary(op, x, got);
      const X = f64(x, [len]);
      const ref = op === 'square' ? X.square() : (X[op] as () => Tensor).call(X);
      return { got, ref: ref.data as Float64Array };
    });
  }
  for (const op of Object.keys(binaryKernels) as BinaryOp[]) {
    check(`binary ${op}`, `${len} elements`, () => {
      const a = randomF32(rng, len, -2, 2);
      // Divisors kept away from zero, where a float32 quotient's size says little.
      const b = op === 'div' ? randomF32(rng, len, 0.5, 2).map((v, i) => (i % 2 ? v : -v)) : randomF32(rng, len, -2, 2);
      const got = new Float32Array(len);
      backend.binary(op, a, b, got);
      const A = f64(a, [len], op === 'reluBackward'), B = f64(b, [len]);
      let ref: Float64Array;
      if (op === 'reluBackward') {
        A.relu().backward(B);
        ref = A.grad!.data as Float64Array;
      } else {
        ref = (A[op] as (o: Tensor) => Tensor).call(A, B).data as Float64Array;
      }
      return { got, ref };
    });
  }

  for (const [rows, cols] of ROW_CASES) {
    const x = randomF32(rng, rows * cols, -3, 3);
    const X = f64(x, [rows, cols]);
    check('sumRows', `${rows}x${cols}`, () => {
      const got = new Float32Array(rows);
      backend.sumRows(x, got, rows, cols);
      return { got, ref: X.sum(1).data as Float64Array };
    });
    check('softmaxRows', `${rows}x${cols}`, () => {
      const got = new Float32Array(rows * cols);
      backend.softmaxRows(x, got, rows, cols);
      return { got, ref: softmax(X, 1).data as Float64Array };
    });
  }
  return results;
}

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
import type { Conv2dGeometry } from '../../backend';
import { conv2d } from '../../functional/conv';
import { Rng } from '../../rng';
import { Tensor } from '../../tensor';
import { referenceBackend } from '../reference';
import type { GpuJsBackend } from './backend';

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
  let diff = 0,
    scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** A convolution's shape; the self-check derives the output size. */
type ConvCase = Omit<Conv2dGeometry, 'oh' | 'ow'>;
const CONV_CASES: ConvCase[] = [
  { n: 2, c: 3, h: 9, w: 7, o: 4, kh: 3, kw: 3, stride: 1, padding: 1 },
  { n: 3, c: 2, h: 8, w: 9, o: 5, kh: 3, kw: 2, stride: 2, padding: 0 },
  // 48x48 outputs put one image per chunk: the weight gradient sums 3 device partials.
  { n: 3, c: 2, h: 48, w: 48, o: 3, kh: 3, kw: 3, stride: 1, padding: 1 },
];

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
      results.push({
        kernel,
        detail: `${detail}: ${(e as Error).message}`,
        error: Infinity,
        tolerance: PARITY_RTOL,
        ok: false,
        ms: performance.now() - t0,
      });
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
          const a = randomF32(rng, m * k),
            b = randomF32(rng, k * n),
            c0 = randomF32(rng, m * n);
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
    const x = randomF32(rng, cc.n * cc.c * cc.h * cc.w),
      w = randomF32(rng, cc.o * cc.c * cc.kh * cc.kw),
      gy = randomF32(rng, cc.n * cc.o * oh * ow);
    const X = f64(x, [cc.n, cc.c, cc.h, cc.w], true),
      W = f64(w, [cc.o, cc.c, cc.kh, cc.kw], true);
    const Y = conv2d(X, W, null, { stride: cc.stride, padding: cc.padding });
    Y.backward(f64(gy, Y.shape));
    const kernels: Array<[kernel: string, run: (got: Float32Array) => void, ref: Tensor]> = [
      ['conv2dForward', (got) => backend.conv2dForward(x, w, got, g), Y],
      ['conv2dBackwardInput', (got) => backend.conv2dBackwardInput(gy, w, got, g), X.grad!],
      ['conv2dBackwardWeight', (got) => backend.conv2dBackwardWeight(x, gy, got, g), W.grad!],
    ];
    for (const [kernel, run, ref] of kernels) {
      check(kernel, detail, () => {
        const got = new Float32Array(ref.size);
        run(got);
        return { got, ref: ref.data as Float64Array };
      });
    }
  }
  return results;
}

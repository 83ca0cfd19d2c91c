/**
 * Loads the float64 WebAssembly SIMD GEMM (kernels/f64.ts) for the reference
 * backend. The module is ~1.4 KB with no imports, so it is compiled and
 * instantiated synchronously on first use, which browsers allow even on the
 * main thread for modules under 4 KB. Operands are copied into the module's
 * own memory and the result copied out: cheap next to the k multiply-adds
 * per element of C that the kernel does at twice the plain loop's speed.
 * Where WebAssembly (or its SIMD) is missing, `wasmGemm64` returns false and
 * the caller keeps its loop.
 */
import wasmBytes from 'gradlens:f64-kernels';

interface F64KernelExports {
  memory: WebAssembly.Memory;
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    transA: number,
    b: number,
    transB: number,
    c: number,
    accumulate: number,
    scratch: number,
  ): void;
}

const PAGE = 65536;
/** Address 0 is never handed to the kernel (a zero pointer stays an obvious bug). */
const BASE = 64;

let kernels: F64KernelExports | null | undefined;
/** A view over the whole memory, recreated whenever growing replaces the buffer. */
let heap = new Float64Array(0);

function load(): F64KernelExports | null {
  if (kernels !== undefined) return kernels;
  try {
    kernels =
      typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes)
        ? (new WebAssembly.Instance(new WebAssembly.Module(wasmBytes), {}).exports as unknown as F64KernelExports)
        : null;
  } catch {
    kernels = null;
  }
  return kernels;
}

/** Doubles rounded up to a 16-byte boundary, so every operand's rows start aligned for v128 loads. */
const span = (doubles: number) => doubles + (doubles & 1);

/**
 * C (m x n) = op(A) * op(B) (or C += when `accumulate`) on the WebAssembly kernel,
 * all operands contiguous Float64Arrays as the engine stores them. Returns false,
 * having touched nothing, where the kernel cannot run here.
 */
export function wasmGemm64(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): boolean {
  const kx = load();
  if (kx === null) return false;
  const aAt = BASE / 8;
  const bAt = aAt + span(m * k);
  const cAt = bAt + span(k * n);
  const scratchAt = cAt + span(m * n);
  const bytes = (scratchAt + (transB ? k * n : 0)) * 8;
  const have = kx.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      kx.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false; // beyond the module's 2 GiB: the plain loop still can
    }
  }
  if (heap.buffer !== kx.memory.buffer) heap = new Float64Array(kx.memory.buffer);
  heap.set(a.length === m * k ? a : a.subarray(0, m * k), aAt);
  heap.set(b.length === k * n ? b : b.subarray(0, k * n), bAt);
  if (accumulate) heap.set(c.subarray(0, m * n), cAt);
  kx.gemm(m, n, k, aAt * 8, transA ? 1 : 0, bAt * 8, transB ? 1 : 0, cAt * 8, accumulate ? 1 : 0, scratchAt * 8);
  c.set(heap.subarray(cAt, cAt + m * n));
  return true;
}

/**
 * Loads the WebAssembly SIMD kernels (kernels/simd.ts) over one shared linear
 * memory, and hands out space in it. The engine's tensors live in ordinary
 * Float32Arrays, so each call copies its operands in and its result out
 * (memcpy speed; cheap next to the O(n³) work) through a bump arena that is
 * reset per call. The memory is shared so worker threads can instantiate the
 * same module over it and work on the same operands without copies.
 */
import { setFlagsFromString } from 'node:v8';
import wasmBytes from 'gradlens:simd-kernels';
import relaxedBytes from 'gradlens:simd-kernels-relaxed';

/** A convolution's geometry and the slice [i0, i1) of images a call covers. */
type ConvGeometry = [
  c: number,
  h: number,
  wd: number,
  o: number,
  kh: number,
  kw: number,
  stride: number,
  pad: number,
  oh: number,
  ow: number,
  i0: number,
  i1: number,
  scratch: number,
];
/** Batch, channels, spatial size per channel, and the channel slice [c0, c1) a call covers. */
type ChannelSlice<Arrays extends number[]> = [...Arrays, n: number, C: number, S: number];

/** Pointers are byte offsets into the shared memory; booleans are 0/1. */
export interface SimdKernelExports {
  gemmScratchBytes(): number;
  tileRows(): number;
  gemm(
    ...args: [
      m: number,
      n: number,
      k: number,
      a: number,
      lda: number,
      transA: number,
      b: number,
      ldb: number,
      transB: number,
      c: number,
      ldc: number,
      accumulate: number,
      scratch: number,
    ]
  ): void;
  conv2dForward(x: number, w: number, out: number, bias: number, ...geometry: ConvGeometry): void;
  conv2dBackwardInput(gOut: number, w: number, gx: number, ...geometry: ConvGeometry): void;
  conv2dBackwardWeight(x: number, gOut: number, gw: number, ...rest: [...ConvGeometry, accumulate: number, withBias: number]): void;
  addInto(dst: number, src: number, len: number): void;
  reluForward(x: number, y: number, i0: number, i1: number): void;
  reluBackward(x: number, g: number, dx: number, i0: number, i1: number): void;
  maxPool2x2(x: number, y: number, winner: number, h: number, w: number, oh: number, ow: number, p0: number, p1: number): void;
  maxPool2x2Backward(g: number, winner: number, dx: number, h: number, w: number, oh: number, ow: number, p0: number, p1: number): void;
  channelMoments(...args: [...ChannelSlice<[x: number]>, mean: number, m2: number, c0: number, c1: number]): void;
  channelAffine(...args: [...ChannelSlice<[x: number, y: number]>, a: number, m: number, b: number, c0: number, c1: number]): void;
  channelGradSums(
    ...args: [...ChannelSlice<[g: number, x: number]>, mean: number, sumG: number, sumGXc: number, c0: number, c1: number]
  ): void;
  channelAffine2(
    ...args: [...ChannelSlice<[g: number, x: number, d: number]>, a: number, b: number, m: number, k: number, c0: number, c1: number]
  ): void;
}

/** The kernel entry points a worker thread may be asked to run, by index. */
export const KERNEL_NAMES = [
  'gemm',
  'conv2dForward',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'addInto',
  'reluForward',
  'reluBackward',
  'maxPool2x2',
  'maxPool2x2Backward',
  'channelMoments',
  'channelAffine',
  'channelGradSums',
  'channelAffine2',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

const PAGE = 65536;
/** 2 GiB: pointers stay below 2³¹, so they travel as int32 to workers. */
const MAX_PAGES = 32768;
/** Low memory the arena never hands out (address 0 stays an obvious bug). */
const ARENA_BASE = PAGE;

const compiled = new Map<'plain' | 'relaxed', WebAssembly.Module | null>();

function compile(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    return typeof WebAssembly === 'object' && typeof SharedArrayBuffer === 'function' && WebAssembly.validate(bytes)
      ? new WebAssembly.Module(bytes)
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether this runtime runs relaxed SIMD. Node 22+ and Electron ship it; Node 20's V8
 * has it behind a flag, which can be turned on before the module is compiled (it only
 * adds instructions, and only to modules compiled afterwards).
 */
function relaxedSimdAvailable(): boolean {
  if (WebAssembly.validate(relaxedBytes)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(relaxedBytes);
}

/**
 * The compiled kernel module, or null where this runtime lacks WebAssembly SIMD or
 * shared memory. By default the relaxed-SIMD build (fused multiply-add) where the
 * runtime has it, else the plain one; `relaxed: false` asks for the plain one.
 */
export function simdKernelModule(relaxed = true): WebAssembly.Module | null {
  const kind = relaxed && relaxedSimdAvailable() ? 'relaxed' : 'plain';
  if (!compiled.has(kind)) compiled.set(kind, compile(kind === 'relaxed' ? relaxedBytes : wasmBytes));
  return compiled.get(kind) ?? (kind === 'relaxed' ? simdKernelModule(false) : null);
}

export class SimdKernels {
  readonly memory: WebAssembly.Memory;
  /** Whether the GEMM fuses multiply and add (the relaxed-SIMD build). */
  readonly fused: boolean;
  /** Rows of the GEMM's register tile (4, or 6 in the relaxed-SIMD build). */
  readonly tileRows: number;
  readonly exports: SimdKernelExports;
  /** Bytes of packing scratch one gemm needs. */
  readonly gemmScratchBytes: number;
  private top = ARENA_BASE;

  constructor(readonly module: WebAssembly.Module) {
    this.memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as SimdKernelExports;
    this.gemmScratchBytes = this.exports.gemmScratchBytes();
    this.fused = module === compiled.get('relaxed');
    this.tileRows = this.exports.tileRows();
  }

  /** Forget every allocation (start of a kernel call). */
  reset(): void {
    this.top = ARENA_BASE;
  }

  /** Reserves `bytes` (64-byte aligned) and returns the pointer; grows the memory as needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = ptr + Math.ceil(bytes / 64) * 64;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(
          `fast CPU backend: a kernel call needs ${(this.top / 2 ** 20).toFixed(0)} MiB of WebAssembly memory, more than the ${MAX_PAGES / 16} MiB limit`,
        );
      }
      this.memory.grow(pages);
    }
    return ptr;
  }

  /** Copies `src` into a fresh arena block and returns its pointer. */
  put(src: Float32Array | Float64Array | Int32Array): number {
    const ptr = this.alloc(src.byteLength);
    new Uint8Array(this.memory.buffer, ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return ptr;
  }

  /** A Float32Array over `length` floats at `ptr` (recreated per use: the buffer changes when memory grows). */
  view(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
}

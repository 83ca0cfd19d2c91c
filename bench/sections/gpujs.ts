/**
 * gpu.js in Node, for the record behind the choice of CPU path: a 256^3 and a
 * 512^3 float32 GEMM through the gpu.js backend in each mode Node offers (no GL
 * context here, so 'webasm' is single-threaded WebAssembly SIMD, 'async' the
 * same over a worker pool, 'cpu' transpiled JavaScript), each checked against
 * the float64 reference on the same inputs.
 */
import { referenceBackend } from '../../src/engine';
import { GpuJsBackend, normwiseError, type GpuJsConstructor } from '../../src/engine/backends/gpujs';
import { median } from '../stats';
import type { BenchCell, BenchContext, BenchSectionResult } from './index';
import { GPU } from 'gpu.js';

const MODES = ['webasm', 'async', 'cpu'] as const;

function randomMatrix(n: number, seed: number): Float32Array {
  const out = new Float32Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export async function gpujsSection(ctx: BenchContext): Promise<BenchSectionResult> {
  const sizes = [256, 512];
  const rows: Array<Record<string, BenchCell>> = [];
  for (const n of sizes) {
    const a = randomMatrix(n, 1),
      b = randomMatrix(n, 2);
    const ref = new Float64Array(n * n);
    const t0 = performance.now();
    referenceBackend.gemm({ a: Float64Array.from(a), b: Float64Array.from(b), c: ref, m: n, n, k: n, transA: false, transB: false });
    rows.push({ mode: 'reference (float64 loops)', size: n, 'GFLOP/s': (2 * n ** 3) / ((performance.now() - t0) * 1e6), 'rel. error': 0 });
    for (const mode of MODES) {
      // 'cpu' is slow enough that one timed run at 512 says all there is to say.
      const runs = ctx.quick || mode === 'cpu' ? 1 : 5;
      ctx.log(`gpu.js ${mode} gemm ${n}^3`);
      const backend = new GpuJsBackend(new (GPU as unknown as GpuJsConstructor)({ mode }));
      try {
        const c = new Float32Array(n * n);
        const args = { a, b, c, m: n, n, k: n, transA: false, transB: false };
        await backend.gemmAsync(args); // compiles
        const times: number[] = [];
        for (let r = 0; r < runs; r++) {
          const t = performance.now();
          await backend.gemmAsync(args);
          times.push(performance.now() - t);
        }
        const [kernel] = backend.compiledKernels();
        rows.push({
          mode: `gpu.js ${mode} (${kernel.runsOn})`,
          size: n,
          'GFLOP/s': (2 * n ** 3) / (median(times) * 1e6),
          'rel. error': normwiseError(c, ref),
        });
      } finally {
        backend.dispose();
      }
    }
  }
  return {
    title: 'gpu.js GEMM in Node (float32, one thread per output; no GPU reachable from Node here)',
    rows,
    notes: [
      "'async' spreads the same WebAssembly kernel over gpu.js's worker pool; the engine's ops are synchronous, so only 'webasm' and 'cpu' could back them in Node.",
    ],
  };
}

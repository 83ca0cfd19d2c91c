/** GEMM throughput of each float32 candidate: the numbers behind the fast CPU path's design. */
import { type Backend, referenceBackend } from '../src/engine';
import { createBlockedJsBackend, createFastCpuBackend, type FastCpuBackend } from '../src/engine/backends';
import { timeRuns } from './stats';

export interface MatmulRow {
  backend: string;
  description: string;
  size: number;
  gflops: number;
}

function randomMatrix(n: number, seed: number): Float32Array {
  const out = new Float32Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export function benchMatmul(fast: Backend, sizes: number[], quick: boolean): MatmulRow[] {
  const singleThread = createFastCpuBackend({ threads: 1 });
  const candidates: Array<[string, Backend]> = [
    ['reference', referenceBackend],
    ['blocked JS', createBlockedJsBackend()],
    ['wasm SIMD, 1 thread', singleThread],
    [`fast CPU (${(fast as FastCpuBackend).threads ?? '?'} threads)`, fast],
  ];
  const rows: MatmulRow[] = [];
  try {
    for (const n of sizes) {
      const a = randomMatrix(n, 1),
        b = randomMatrix(n, 2),
        c = new Float32Array(n * n);
      for (const [label, backend] of candidates) {
        const slow = backend === referenceBackend || backend.name === 'blocked-js';
        const t = timeRuns(() => backend.gemm({ a, b, c, m: n, n, k: n, transA: false, transB: false }), {
          warmup: 1,
          warmupMs: slow ? 0 : 300,
          runs: quick ? 3 : slow ? 3 : 15,
          maxMs: slow ? 3000 : 2000,
        });
        rows.push({ backend: label, description: backend.description, size: n, gflops: (2 * n ** 3) / (t.medianMs * 1e6) });
      }
    }
  } finally {
    (singleThread as FastCpuBackend).dispose?.();
  }
  return rows;
}

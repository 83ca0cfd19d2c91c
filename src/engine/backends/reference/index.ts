/**
 * The reference backend: plain loops (and a float64 WebAssembly GEMM), exact in
 * float64. Every float64 kernel runs here, so gradient checks never depend on a
 * fast path, and the float32 backends are checked against it for parity.
 *
 * Nothing here may import node:* or a worker: src/engine/backend.ts imports it
 * directly and so does the browser page's bundle (unlike ../index.ts, which
 * starts the fast CPU path's worker threads).
 */
import type { Backend } from '../../backend';
import { referenceGemm } from './gemm';

export { referenceGemm, WASM_GEMM64_MIN_MACS } from './gemm';

export const referenceBackend: Backend = {
  name: 'reference',
  description: 'plain TypeScript loops (float64-exact reference)',
  gemm: referenceGemm,
};

/** The AssemblyScript kernels (kernels/simd.ts), compiled by esbuild.mjs and embedded as bytes. */
declare module 'gradlens:simd-kernels' {
  const wasmBytes: Uint8Array<ArrayBuffer>;
  export default wasmBytes;
}

/** The same kernels built with relaxed SIMD (fused multiply-add in the GEMM). */
declare module 'gradlens:simd-kernels-relaxed' {
  const wasmBytes: Uint8Array<ArrayBuffer>;
  export default wasmBytes;
}

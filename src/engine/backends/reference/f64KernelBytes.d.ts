/** The float64 GEMM (kernels/f64.ts), compiled by esbuild.mjs and embedded as bytes. */
declare module 'gradlens:f64-kernels' {
  const wasmBytes: Uint8Array<ArrayBuffer>;
  export default wasmBytes;
}

/** The AssemblyScript kernels (kernels/simd.ts), compiled by esbuild.mjs and embedded as bytes. */
declare module 'gradlens:simd-kernels' {
  const wasmBytes: Uint8Array<ArrayBuffer>;
  export default wasmBytes;
}

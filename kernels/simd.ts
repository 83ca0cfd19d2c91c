// AssemblyScript source of the fast CPU path's WebAssembly SIMD kernels.
// Compiled at build time by esbuild.mjs (AssemblyScript's JS API) and embedded
// in the bundles; src/engine/backends/wasmKernels.ts loads it.
//
// Every pointer is a byte address in the shared linear memory; every matrix is
// float32, row-major, with an explicit leading dimension (in floats) so that a
// thread can be handed a block of rows or columns by offsetting pointers.
// Nothing here allocates: callers pass a scratch region per thread, sized by
// gemmScratchBytes() (+ the im2col buffer for convolutions).

export { tileRows, gemmScratchBytes, gemm } from './simd/gemm';
export { conv2dForward, conv2dBackwardInput, conv2dBackwardWeight, addInto } from './simd/conv';
export { reluForward, reluBackward, maxPool2x2, maxPool2x2Backward } from './simd/pointwise';
export { channelMoments, channelAffine, channelGradSums, channelAffine2 } from './simd/channels';

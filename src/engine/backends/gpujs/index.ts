/**
 * The gpu.js backend: float32 GEMM and convolution kernels on WebGL2/WebGL in a
 * browser page (or gpu.js's WebAssembly and JavaScript modes elsewhere), the
 * environment probe that says whether to train on it, and the kernels' parity
 * self-check. Every other op runs on the CPU even when this backend is active.
 * Callers pass gpu.js's GPU class in: the browser build in a page, the Node
 * build in Node.
 */
export { GpuJsBackend } from './backend';
export type { GpuJsBackendOptions } from './backend';
export { chooseGpuBackend, isSoftwareRenderer, glRenderer, webGpuAdapter } from './probe';
export type { GpuChoice, ChooseGpuOptions, GpuApi } from './probe';
export { checkGpuKernels, normwiseError, PARITY_RTOL } from './selfCheck';
export type { KernelParity, SelfCheckOptions } from './selfCheck';
export type { GpuJsConstructor, GpuJsInstance } from './gpujsTypes';

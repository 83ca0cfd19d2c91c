/**
 * The gpu.js backend: float32 kernels on WebGL2/WebGL in a browser page (or
 * gpu.js's WebAssembly and JavaScript modes elsewhere), the environment probe
 * that says whether to train on it, and the kernels' parity self-check.
 * Callers pass gpu.js's GPU class in: the browser build in a page, the Node
 * build in Node.
 */
export { GpuJsBackend } from './backend';
export type { GpuJsBackendOptions, Pool2dGeometry } from './backend';
export { chooseGpuBackend, isSoftwareRenderer, glRenderer, webGpuAdapter } from './probe';
export type { GpuChoice, ChooseGpuOptions, GpuApi } from './probe';
export { checkGpuKernels, normwiseError, PARITY_RTOL } from './selfCheck';
export type { KernelParity, SelfCheckOptions } from './selfCheck';
export type { GpuJsConstructor, GpuJsInstance } from './gpujsTypes';
export type { UnaryOp, BinaryOp } from './kernels';

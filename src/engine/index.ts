/** The engine's public surface. Importing it attaches the Tensor methods. */
import './methods';
export { Tensor, EngineError, noGrad, isGradEnabled, fmtShape } from './tensor';
export type { DType, FloatDType, Shape, NestedArray, Storage } from './tensor';
export { Rng, manualSeed, getDefaultGenerator } from './rng';
export { tensor, zeros, ones, full, arange, randn, rand, zerosLike, onesLike, setDefaultDtype, getDefaultDtype } from './creation';
export type { TensorOptions, RandomOptions, TensorData } from './creation';
export {
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  exp,
  log,
  sqrt,
  abs,
  maximum,
  minimum,
  where,
  gt,
  ge,
  lt,
  le,
  eq,
  ne,
  logicalNot,
  clamp,
} from './ops/elementwise';
export { sum, mean, max, min, argmax, argmin } from './ops/reduce';
export {
  reshape,
  transpose,
  permute,
  squeeze,
  unsqueeze,
  flatten,
  expand,
  gather,
  concat,
  stack,
  narrow,
  index,
  slice,
  indexSelect,
} from './ops/shape';
export { matmul } from './ops/matmul';
export { setBackend, getActiveBackend, registerBackend, referenceBackend } from './backend';
export type { Backend, BackendName, GemmArgs, Conv2dGeometry } from './backend';
export * as F from './functional';
export * as nn from './nn';
export * as optim from './optim';
export * as init from './init';
export { kaimingNormal_, kaimingUniform_, xavierNormal_, xavierUniform_, calculateGain, calculateFanInAndFanOut } from './init';

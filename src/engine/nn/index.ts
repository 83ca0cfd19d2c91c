/** nn: layers as modules, PyTorch's torch.nn in camelCase. */
export { Module, initRng } from './module';
export type { ModuleOptions, InitOptions, LoadStateDictOptions } from './module';
export { Linear, initWeights } from './linear';
export type { LinearOptions, WeightInit } from './linear';
export { Conv2d } from './conv';
export type { Conv2dLayerOptions } from './conv';
export { BatchNorm1d, BatchNorm2d, LayerNorm } from './norm';
export type { BatchNormLayerOptions, LayerNormLayerOptions } from './norm';
export { Dropout } from './dropout';
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax } from './activation';
export { MaxPool2d, AvgPool2d } from './pool';
export type { PoolLayerOptions } from './pool';
export { Sequential, Flatten } from './container';
export { Embedding } from './embedding';
export { MultiHeadAttention } from './attention';
export type { MultiHeadAttentionOptions, AttentionCallOptions } from './attention';

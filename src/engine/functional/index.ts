/** F: the functional ops, PyTorch's torch.nn.functional in camelCase. */
export { linear, relu, leakyRelu, sigmoid, tanh, gelu, erf } from './activations';
export { softmax, logSoftmax } from './softmax';
export { crossEntropy, nllLoss, mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits } from './losses';
export type { ClassTargets } from './losses';
export { conv2d, convOutputSize } from './conv';
export type { Conv2dOptions } from './conv';
export { maxPool2d, avgPool2d } from './pool';
export type { Pool2dOptions } from './pool';
export { batchNorm, layerNorm } from './norm';
export type { BatchNormOptions, LayerNormOptions } from './norm';
export { dropout } from './dropout';
export type { DropoutOptions } from './dropout';
export { embedding } from './embedding';
export { patchify } from './patchify';
export { scaledDotProductAttention, scaledDotProductAttentionWithWeights } from './attention';
export type { AttentionOptions, AttentionResult } from './attention';

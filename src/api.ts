/**
 * What a user's layer file gets from `import { ... } from 'gradlens'`, and what
 * dist/gradlens.js exports: the engine plus the layer() contract.
 */
export * from './engine';
export { layer, isLayerDefinition } from './layers/contract';
export type { LayerSpec, LayerDefinition, LayerInput, LayerContext, InputTensors, ForwardResult, Gradients } from './layers/contract';

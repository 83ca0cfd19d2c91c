/**
 * What a user's layer file gets from `import { ... } from 'gradlens'`, and what
 * dist/gradlens.js exports: the engine plus the layer() contract.
 */
import { registerNodeBackends } from './engine/backends';

export * from './engine';
export { layer, isLayerDefinition } from './layers/contract';
export type { LayerSpec, LayerDefinition, LayerInput, LayerContext, InputTensors, ForwardResult, Gradients } from './layers/contract';

// In Node, float32 runs on the fast CPU backend from the first op; nothing starts until then.
registerNodeBackends();

/**
 * Adapts the ways of writing a JavaScript layer (layer() definitions, xxxForward/
 * xxxBackward pairs, loss functions) to the checker's CheckTarget (flat float64 arrays in
 * and out), checking on the way that what the user's code returns is what the contract
 * promises. One file per form; values.ts holds what they share.
 */
export { adaptLayerDefinition } from './definition';
export { adaptLossFunction, adaptPair, type LossSpec, type PairSpec } from './tagged';
export { type AdaptOptions, ContractError, toFlat } from './values';

/** The layers module's surface for the extension and the CLI. */
export { discoverCandidates, discoverLayers } from './javascript/discover';
export { formatTagArgs, parseGradcheckTag } from './tag';
export type { Tag, TagArg } from './tag';
export { checkFile, checkFiles, warmUp, disposeSandbox, DEFAULT_TIMEOUT_MS, DEFAULT_MEMORY_LIMIT_MB } from './sandbox';
export type { FileCheckResult, SandboxOptions } from './sandbox';
export { collectLayerFiles } from './files';
export { layer, isLayerDefinition } from './contract';
export type { LayerSpec, LayerDefinition, LayerInput, LayerContext } from './contract';
export type { DiscoveredLayer, CheckFileOptions, LayerConvention, LayerLanguage, TagCandidate } from './types';

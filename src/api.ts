/**
 * What a user's layer file gets from `import { ... } from 'gradlens'`, and what
 * dist/gradlens.js exports: the engine plus the layer() contract.
 */
export * from './engine';

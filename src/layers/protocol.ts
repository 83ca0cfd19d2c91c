/** Messages between the sandbox host (sandbox.ts) and its worker thread (sandboxWorker.ts). */
import type { CheckOptions, LayerReport } from '../gradcheck/types';
import type { Bundle, BundleOutcome } from './bundle';
import type { DiscoveredLayer, LayerConvention } from './types';

export interface RunRequest {
  type: 'run';
  /** Absolute path of the user's file. */
  file: string;
  /** The file bundled (by the bundler thread): the sandbox only runs it. */
  bundle: Bundle;
  discovered: DiscoveredLayer[];
  /** Layer ids (export names) already reported in this run. */
  skip: string[];
  /** Only these layer names (all when absent). */
  only?: string[];
  check: CheckOptions;
}

/** The bundler thread's requests and answers (the same script, started with role 'bundler'). */
export interface BundleRequest {
  type: 'bundle';
  id: number;
  file: string;
  text?: string;
}

export interface BundleResponse {
  type: 'bundled';
  id: number;
  outcome: BundleOutcome;
}

export type WorkerRole = 'sandbox' | 'bundler';

export interface RuntimeLayer {
  /** The export it comes from: unique within a file. */
  id: string;
  name: string;
  convention: LayerConvention;
}

export type WorkerMessage =
  | { type: 'loadError'; message: string }
  /** User code starts running now: the time limit counts from here, not from esbuild's start-up. */
  | { type: 'loading' }
  | { type: 'layers'; layers: RuntimeLayer[] }
  | { type: 'layerStart'; id: string }
  | { type: 'layerReport'; id: string; report: LayerReport }
  | { type: 'log'; text: string }
  | { type: 'done' };

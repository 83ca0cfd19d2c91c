/**
 * The trainer as Node uses it (the CLI, the extension host's worker): the training
 * loop of loop.ts with datasets read from files, the fast CPU backend by default, and
 * runs kept in a RunStore.
 */
import { getActiveBackend, referenceBackend, setBackend } from '../engine/backend';
import { useFastBackend } from '../engine/backends';
import { loadDataset } from './datasets/registry';
import type { Dataset } from './datasets/types';
import { ConfigError } from './errors';
import type { BackendChoice, TrainConfig, TrainEvent } from './events';
import { type BackendInfo, TrainLoop } from './loop';
import type { RunStore } from './runStore';

export { ConfigError };
export { TrainLoop, validateConfig, createTask } from './loop';
export type { BackendInfo, RunRecorder, TrainLoopOptions } from './loop';

/**
 * Put the requested float32 backend in place. 'auto' takes the fast CPU backend and
 * falls back to the reference loops when it cannot start here (no WebAssembly SIMD,
 * no worker threads); the 'started' event says which one trains.
 */
export function selectBackend(choice: BackendChoice = 'auto'): BackendInfo {
  if (choice === 'reference') {
    setBackend(referenceBackend);
  } else {
    try {
      useFastBackend();
    } catch (err) {
      if (choice === 'fast') throw new ConfigError(`the fast CPU backend cannot start here: ${(err as Error).message}`);
      setBackend(referenceBackend);
      return {
        name: referenceBackend.name,
        description: referenceBackend.description,
        note: `fast backend unavailable (${(err as Error).message}); using the reference loops`,
      };
    }
  }
  const b = getActiveBackend();
  return { name: b.name, description: b.description };
}

export interface TrainerOptions {
  onEvent?: (e: TrainEvent) => void;
  /** Keep the run (config, metrics, weights) here. */
  store?: RunStore;
  /** Use this dataset instead of loading config.dataset (tests, the panel's cache). */
  dataset?: Dataset;
}

export class Trainer extends TrainLoop {
  constructor(config: TrainConfig, opts: TrainerOptions = {}) {
    const store = opts.store;
    super(config, {
      onEvent: opts.onEvent,
      dataset: opts.dataset,
      loadDataset,
      selectBackend,
      startRecord: store ? (c, label) => store.create(c, label) : undefined,
    });
  }
}

/**
 * The messages between the panel's page and its training worker (trainWorker.ts). The
 * worker probes the GPU it can reach (WebGL2 on an OffscreenCanvas), trains with gpu.js,
 * and reports the loop's events and run record, which the page passes on to the host.
 */
import type { PageControl, PageRecordOp } from '../../src/trainingPanelProtocol';
import type { TrainConfig, TrainEvent } from '../../src/training/events';
import type { GpuChoice } from '../../src/engine/backends/gpujs';

/** What the worker's GPU probe found: the engine's GpuChoice without the backend object, which stays in the worker. */
export type GpuProbe = Omit<GpuChoice, 'backend'>;

export type ToWorker = { type: 'probe' } | { type: 'start'; config: TrainConfig } | { type: 'control'; request: PageControl };

export type FromWorker =
  | { type: 'probed'; probe: GpuProbe }
  | { type: 'event'; event: TrainEvent }
  | { type: 'record'; record: PageRecordOp }
  /** The loop ended (after its 'done' or 'error' event); the worker is ready for another run. */
  | { type: 'finished' }
  /** Something failed outside the loop (the probe, a bad request). */
  | { type: 'failed'; message: string };

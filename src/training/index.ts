/**
 * The training side of GradLens, for the extension host, the panel host and the CLI.
 *
 * - Trainer (Node) / TrainLoop (any runtime): one loop for the CNN, the GAN and the
 *   attention model. `new Trainer(config, { onEvent, store })`, then `run()`, with
 *   `pause()`, `resume()`, `stop()`. Configs (config.ts) and events (events.ts) are
 *   schemas (schema.ts): their types and their checks come from one definition.
 * - dist/trainWorker.js runs a Trainer in a worker_thread; WorkerRequest and
 *   WorkerMessage (events.ts) are its protocol.
 * - RunStore keeps runs on disk (config, metrics.jsonl, result, weights) and lists,
 *   reopens and exports them.
 * - modelSummary / summarizeNotation / formatSummary: the layer tables.
 * - DATASETS, PRESETS, downloadDataset: what can be picked, and fetching real data.
 */
export * from './events';
export { Trainer, TrainLoop, selectBackend, validateConfig, ConfigError } from './trainer';
export type { TrainerOptions, TrainLoopOptions, BackendInfo, RunRecorder } from './trainer';
export { RunStore, RunWriter, metricsToCsv, parseMetricsLines } from './runStore';
export type { RunSummary, RunData, RunResult, RunStatus, MetricRow, WeightEntry } from './runStore';
export { summarize, formatSummary, formatVolume, formatCount, SummaryError } from './summary';
export type { LayerSpec, ModelSummary, SummaryRow } from './summary';
export { parseNotation, summarizeNotation, looksLikeNotation } from './notation';
export { modelSummary, datasetShape, PRESETS } from './models/catalog';
export {
  DATASETS,
  DEFAULT_DATASET,
  datasetInfo,
  checkDatasetForModel,
  loadDataset,
  generateDataset,
  conventionalDataDir,
} from './datasets/registry';
export type { DatasetInfo, LoadOptions } from './datasets/registry';
export { downloadDataset, REMOTE_DATASETS } from './datasets/download';
export type { DownloadProgress, RemoteFile } from './datasets/download';
export { DatasetError } from './datasets/types';
export type { Dataset, ImageDataset, PointDataset, SequenceDataset } from './datasets/types';

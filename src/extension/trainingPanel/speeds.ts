/**
 * How fast a setup trains in each place, measured on the panel's own runs: what "Train
 * on: auto" decides on once it knows both (webview/panel/placement.ts). A GPU that looks
 * fast may not be (a software renderer, a slow integrated one), and a probe cannot tell;
 * a finished run can.
 *
 * A run's speed is its steady state: the median of the trainer's examples/s over the
 * second half of its steps, past gpu.js's kernel compilation and the first epochs'
 * warm-up. No vscode import: tested in plain Node.
 */
import { type MeasuredSpeeds, speedKey } from '../../trainingPanelProtocol';
import type { DatasetDescription, StepEvent, TrainConfig, TrainEvent } from '../../training/events';

/** Step events the second half of a run must hold before its median says anything. */
const MIN_STEADY_EVENTS = 3;

const UNITS: Record<DatasetDescription['kind'], string> = { image: 'images/s', points: 'points/s', sequence: 'sequences/s' };

/** The median examples/s of the run's second half, or null when it is too short to tell. */
export function steadySpeed(events: readonly TrainEvent[]): number | null {
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  const lastStep = steps.at(-1)?.step ?? 0;
  const rates = steps
    .filter((s) => s.step > lastStep / 2 && s.throughput > 0)
    .map((s) => s.throughput)
    .sort((a, b) => a - b);
  if (rates.length < MIN_STEADY_EVENTS) return null;
  const mid = rates.length >> 1;
  return rates.length % 2 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
}

/**
 * `speeds` with the finished job's measurement in, replacing the older one for the same
 * setup and place; null when the job says nothing (it failed, or was too short).
 */
export function withMeasuredSpeed(
  speeds: MeasuredSpeeds,
  config: TrainConfig,
  where: 'host' | 'page',
  events: readonly TrainEvent[],
): MeasuredSpeeds | null {
  const started = events.find((e) => e.type === 'started');
  if (!started || !events.some((e) => e.type === 'done')) return null;
  const speed = steadySpeed(events);
  if (speed === null) return null;
  const key = speedKey(config.model, config.preset, config.dataset);
  const unit = UNITS[started.dataset.kind];
  // A figure in another unit (the dataset changed kind) is not comparable: start over.
  const kept = speeds[key]?.unit === unit ? speeds[key] : { unit };
  return { ...speeds, [key]: { ...kept, [where]: speed } };
}

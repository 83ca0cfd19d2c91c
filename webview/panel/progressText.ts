/** The line under the progress bar: where a run is, or how it ended. */
import { formatDuration, formatInt, formatMetric } from './format';
import { isActive, type RunView } from './runState';

/** `opened`: the view is a past run opened from the history, not the live one. */
export function progressText(view: RunView, opened: boolean): string {
  if (view.status === 'interrupted') {
    return `Interrupted at step ${formatInt(view.step)} of ${formatInt(view.totalSteps)} (VS Code closed or reloaded while it ran)`;
  }
  if (view.status === 'idle' && !view.steps.length) return opened ? 'This run recorded no steps.' : 'Not started';
  if (view.done) {
    const m = view.done.metrics;
    const headline = ['testAccuracy', 'sequenceAccuracy', 'modesCovered'].find((k) => typeof m[k] === 'number');
    return (
      `${view.done.reason === 'completed' ? 'Completed' : 'Stopped'} at step ${formatInt(view.done.step)} in ${formatDuration(view.done.elapsedMs)}` +
      (headline ? ` · ${headline} ${formatMetric(m[headline])}` : '')
    );
  }
  const parts = [`Step ${formatInt(view.step)} / ${formatInt(view.totalSteps)}`];
  if (view.stepsPerEpoch > 0 || view.epoch > 0) parts.push(`epoch ${view.epoch.toFixed(1)}`);
  const tput = view.throughput[view.throughput.length - 1];
  if (tput !== undefined) parts.push(`${formatInt(tput)} examples/s`);
  parts.push(`${formatDuration(view.elapsedMs)} elapsed`);
  if (view.status === 'paused') parts.push('paused');
  else if (view.etaMs !== null && isActive(view.status)) parts.push(`ETA ${formatDuration(view.etaMs)}`);
  return parts.join(' · ');
}

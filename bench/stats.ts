/** Timing helpers: medians of repeated runs, with a wall-clock cap for slow subjects. */

export interface Timing {
  /** Median of the timed runs, in milliseconds. */
  medianMs: number;
  /** Every timed run, in milliseconds. */
  runsMs: number[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface TimeOptions {
  warmup: number;
  /** Keep warming up until this much time has gone too (lets V8 tier WebAssembly up to optimised code). */
  warmupMs?: number;
  runs: number;
  /** Stop adding runs (after at least one) once this much time has gone. */
  maxMs?: number;
}

export function timeRuns(fn: () => void, { warmup, warmupMs = 0, runs, maxMs = Infinity }: TimeOptions): Timing {
  const warmStart = performance.now();
  for (let i = 0; i < warmup || (i < 1000 && performance.now() - warmStart < warmupMs); i++) fn();
  const runsMs: number[] = [];
  const started = performance.now();
  while (runsMs.length < runs && (runsMs.length === 0 || performance.now() - started < maxMs)) {
    const t = performance.now();
    fn();
    runsMs.push(performance.now() - t);
  }
  return { medianMs: median(runsMs), runsMs };
}

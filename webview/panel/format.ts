/** Numbers and durations as the panel writes them (fixed locale, so tests and screenshots agree). */

/** 4181002 -> "4,181,002". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Compact numbers for metric read-outs: 3 significant digits, exponent when tiny or huge. */
export function formatMetric(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** 75 s -> "1m 15s"; 3725 s -> "1h 02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

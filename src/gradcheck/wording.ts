/** Numbers and lists as the diagnoses write them. */

/** Four significant digits, exponents only for the very small and the very large. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

/** "a, b and c"; past six items, the first six and the count. */
export function listOf(items: (string | number)[], conjunction = 'and'): string {
  const shown = items.slice(0, 6).map(String);
  if (items.length > 6) return `${shown.join(', ')}, … (${items.length} in all)`;
  if (shown.length === 1) return shown[0];
  return `${shown.slice(0, -1).join(', ')} ${conjunction} ${shown[shown.length - 1]}`;
}

/** Plain-text tables for the bench's stdout. */
import type { BenchCell } from './sections';

function cell(v: BenchCell): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.1) return v.toFixed(2);
  return v.toPrecision(2);
}

export function formatTable(title: string, rows: Array<Record<string, BenchCell>>, notes: string[] = []): string {
  const lines = [`\n## ${title}`];
  if (rows.length > 0) {
    const cols = Object.keys(rows[0]);
    const text = rows.map((r) => cols.map((c) => cell(r[c] ?? null)));
    const widths = cols.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)));
    const fmt = (cells: string[]) => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
    lines.push(fmt(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(fmt));
  }
  for (const n of notes) lines.push(`  ${n}`);
  return lines.join('\n');
}

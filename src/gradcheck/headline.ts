import type { LayerFinding, LayerReport } from './types';

/**
 * Which layer-level finding leads a failing layer's message on every surface (lens,
 * Problems, Test Explorer, CLI, report). A mix-up names the slip itself, so it outranks
 * the pass/fail finding, which only narrows down where the slip lies; both outrank the
 * per-input details, which say what is wrong but not why. One function decides, so no
 * two surfaces lead with different findings.
 */
const RANK: Record<LayerFinding['kind'], number> = { 'mix-up': 0, 'pass-fail': 1 };

export function layerHeadline(report: Pick<LayerReport, 'passed' | 'error' | 'findings'>): LayerFinding | undefined {
  if (report.passed || report.error !== undefined || !report.findings || report.findings.length === 0) return undefined;
  return report.findings.reduce((best, f) => (RANK[f.kind] < RANK[best.kind] ? f : best));
}

/** The findings after the headline, in the order found, for the surfaces that list them below it. */
export function otherFindings(report: Pick<LayerReport, 'passed' | 'error' | 'findings'>): LayerFinding[] {
  const headline = layerHeadline(report);
  return (report.findings ?? []).filter((f) => f !== headline);
}

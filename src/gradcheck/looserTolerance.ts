import type { LayerReport, Tolerance } from './types';

/**
 * A layer's own tolerance wins over the user's settings (it sits next to the code that
 * needs it), but a pass earned at a looser tolerance than the settings ask for is not the
 * pass the user asked for, so every surface says which tolerance it passed at.
 */
export function looserThanSettings(settings: Tolerance, layer: Tolerance): Partial<Pick<Tolerance, 'atol' | 'rtol'>> | undefined {
  const looser: Partial<Pick<Tolerance, 'atol' | 'rtol'>> = {};
  for (const key of ['atol', 'rtol'] as const) if (layer[key] > settings[key]) looser[key] = layer[key];
  return Object.keys(looser).length > 0 ? looser : undefined;
}

/** "passed at the layer's atol 1e-4 (settings: atol 1e-5)"; undefined unless a looser layer tolerance let the layer pass. */
export function looserPassText(report: Pick<LayerReport, 'passed' | 'looserTolerance' | 'settingsTolerance'>): string | undefined {
  const looser = report.looserTolerance;
  if (!report.passed || !looser || !report.settingsTolerance) return undefined;
  const keys = (['atol', 'rtol'] as const).filter((k) => looser[k] !== undefined);
  const at = keys.map((k) => `${k} ${show(looser[k] ?? NaN)}`).join(', ');
  const settings = keys.map((k) => `${k} ${show(report.settingsTolerance?.[k] ?? NaN)}`).join(', ');
  return `passed at the layer's ${at} (settings: ${settings})`;
}

/** Tolerances as people write them: 1e-5, 0.01. */
function show(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

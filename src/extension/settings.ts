/**
 * GradLens's settings (package.json `contributes.configuration`) turned into checker options.
 * Takes a getter rather than vscode's configuration so it is tested in plain Node.
 */
import type { CheckFileOptions } from '../layers/types';

export type CheckMode = 'full' | 'fast' | 'sparse';

export interface GradLensSettings {
  atol: number | null;
  rtol: number | null;
  eps: number | null;
  defaultMode: CheckMode;
  sampleSize: number;
  timeLimitSeconds: number;
  checkOnSave: boolean;
}

export type SettingGetter = <T>(key: string, fallback: T) => T;

const MODES: CheckMode[] = ['full', 'fast', 'sparse'];

function positiveOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

export function readSettings(get: SettingGetter): GradLensSettings {
  const mode = get<string>('defaultMode', 'full');
  const sampleSize = get<number>('sparse.sampleSize', 64);
  const timeLimit = get<number>('timeLimitSeconds', 30);
  return {
    atol: positiveOrNull(get<number | null>('tolerance.atol', null)),
    rtol: positiveOrNull(get<number | null>('tolerance.rtol', null)),
    eps: positiveOrNull(get<number | null>('tolerance.eps', null)),
    defaultMode: MODES.includes(mode as CheckMode) ? (mode as CheckMode) : 'full',
    sampleSize: Number.isInteger(sampleSize) && sampleSize > 0 ? sampleSize : 64,
    timeLimitSeconds: typeof timeLimit === 'number' && timeLimit > 0 ? timeLimit : 30,
    checkOnSave: get<boolean>('checkOnSave', false) === true,
  };
}

/** Options for one check; `mode` overrides the default (the Fast check lens). */
export function checkOptions(settings: GradLensSettings, mode?: CheckMode): CheckFileOptions {
  const tolerance: CheckFileOptions['tolerance'] = {};
  if (settings.atol !== null) tolerance.atol = settings.atol;
  if (settings.rtol !== null) tolerance.rtol = settings.rtol;
  if (settings.eps !== null) tolerance.eps = settings.eps;
  const chosen = mode ?? settings.defaultMode;
  return {
    mode: chosen,
    ...(chosen === 'sparse' ? { sampleSize: settings.sampleSize } : {}),
    ...(Object.keys(tolerance).length > 0 ? { tolerance } : {}),
    timeoutMs: Math.round(settings.timeLimitSeconds * 1000),
  };
}

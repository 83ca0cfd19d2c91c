/**
 * The gradient checker: checks a layer given as flat float64 arrays (a CheckTarget) and
 * reports on it. Decisions a caller should know:
 *  - Tolerance: defaults (PyTorch's), overridden by CheckOptions.tolerance (user
 *    settings), overridden by the layer's own tolerance.
 *  - An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
 *  - At a kink (ReLU at 0, max ties) the analytic value must lie between the one-sided
 *    slopes (a valid subgradient), or the element fails. An input with nothing but kinks
 *    that all lie within has status 'kink', which keeps its layer from passing: no
 *    derivative was verified.
 *  - A layer passes only when something was verified: no error, a deterministic
 *    forward, no failed or all-kink input, at least one passed input. Inputs without a
 *    gradient are 'not-checked' and neither fail nor pass it.
 *  - Fast mode compares directional derivatives along random unit directions; an input
 *    that disagrees (or hits a kink) is checked in full (InputReport.fastFallback).
 *  - When inputs fail, LayerReport.hint says where the slip lies given which inputs pass
 *    (layerHint.ts) and, when same-shape inputs look mixed up in the backward, which
 *    (mixUp.ts: a few more forward calls, at most half as many as the check took).
 */
export * from './types';
export { checkTarget, resolveTolerance } from './checker';
export { DEFAULT_SAMPLE_SIZE, DEFAULT_PROJECTIONS, HEATMAP_LIMIT } from './checkInput';
export { formatReport, toJsonReport } from './format';
export type { FormatOptions, JsonReport, JsonLayer, JsonInput } from './format';
export { toJUnitXml } from './junit';

import type { InputReport, LayerReport } from '../../src/gradcheck/types';

/** Reports as the checker makes them, for testing what the extension shows. */
export function input(over: Partial<InputReport> = {}): InputReport {
  return {
    name: 'x',
    status: 'passed',
    shape: [2, 2],
    maxAbsError: 1e-11,
    maxRelError: 3.1e-10,
    worst: [],
    kinkCount: 0,
    checkedCount: 4,
    ...over,
  };
}

export function layerReport(over: Partial<LayerReport> = {}): LayerReport {
  return {
    name: 'affine',
    file: '/w/affine.ts',
    line: 3,
    backwardLine: 9,
    passed: true,
    inputs: [input()],
    mode: 'full',
    timeMs: 12.4,
    forwardCalls: 17,
    tolerance: { atol: 1e-5, rtol: 1e-3, eps: 1e-6 },
    ...over,
  };
}

export const transposed = layerReport({
  passed: false,
  inputs: [
    input({ name: 'x' }),
    input({
      name: 'W',
      status: 'failed',
      maxAbsError: 1.2,
      maxRelError: 0.9,
      diagnosis:
        'the analytic gradient is the transpose of the right one (it matches the numeric gradient with its last two dimensions swapped)',
      worst: [{ index: [0, 1], analytic: 0.5, numeric: -0.7 }],
      analytic: [1, 3, 2, 4],
      numeric: [1, 2, 3, 4],
    }),
  ],
});

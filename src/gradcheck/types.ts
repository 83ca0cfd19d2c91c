/**
 * The checker's view of a layer, independent of how the user wrote it: flat
 * float64 arrays in and out. Both user conventions (layer() definitions and
 * xxxForward/xxxBackward pairs) are adapted to this in src/layers/.
 */
export interface Tolerance {
  atol: number;
  rtol: number;
  eps: number;
}

/** PyTorch gradcheck's defaults. */
export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-3, eps: 1e-6 };

export interface FlatTensor {
  data: Float64Array;
  shape: number[];
}

export interface CheckTarget {
  name: string;
  /** Input names in order, e.g. ['x', 'w', 'b']. */
  inputNames: string[];
  /** The values the check is made at (the checker perturbs copies, never these). */
  inputs: FlatTensor[];
  /**
   * Evaluate the layer. Implementations reset the layer's ctx.rng before every call,
   * so a layer using ctx.rng is deterministic. `cache` is passed back to backward.
   */
  forward(inputs: FlatTensor[]): { out: FlatTensor; cache: unknown };
  /**
   * The user's analytic gradients for upstream gradient `dout`, one entry per input in
   * order; null where the layer returned no gradient for that input (reported as
   * "not checked"). Shapes are as the user returned them (the checker validates).
   */
  backward(inputs: FlatTensor[], dout: FlatTensor, cache: unknown): (FlatTensor | null)[];
  tolerance?: Partial<Tolerance>;
}

export type CheckMode = 'full' | 'fast' | 'sparse';

export interface CheckOptions {
  mode: CheckMode;
  /** Elements sampled per input in sparse mode. */
  sampleSize?: number;
  /** Seeds the upstream gradient R, fast-mode projections and sparse samples. */
  seed?: number;
  tolerance?: Partial<Tolerance>;
}

export type InputStatus = 'passed' | 'failed' | 'not-checked' | 'kink';

export interface WorstElement {
  index: number[];
  analytic: number;
  numeric: number;
}

export interface InputReport {
  name: string;
  status: InputStatus;
  shape: number[];
  maxAbsError: number;
  maxRelError: number;
  worst: WorstElement[];
  /** What the error looks like, e.g. "looks transposed", "off by exactly 1/N". */
  diagnosis?: string;
  /** Elements skipped because a perturbation crossed a kink. */
  kinkCount: number;
  /** Elements compared (all of them in full mode, the sample in sparse mode). */
  checkedCount: number;
  sampled?: boolean;
  /** Full analytic and numeric gradients (flat, row-major) when computed, for heatmaps. */
  analytic?: number[];
  numeric?: number[];
}

export interface LayerReport {
  name: string;
  file?: string;
  /** 1-based line of the layer's definition (forward for the pair convention). */
  line?: number;
  /** 1-based line of the backward, where diagnostics belong. */
  backwardLine?: number;
  passed: boolean;
  /** A load/run error for this layer (syntax error, throw, timeout, bad shapes...). */
  error?: string;
  inputs: InputReport[];
  /** Set when two forward calls on the same input disagreed. */
  nondeterminism?: string;
  mode: CheckMode;
  timeMs: number;
  forwardCalls: number;
  tolerance: Tolerance;
}

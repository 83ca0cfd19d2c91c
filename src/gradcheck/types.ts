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
   * `inputs` are the checker's working arrays, perturbed in place between calls: a
   * forward must not write to them (the checker reports one that does). The checker is
   * done with `out` before it calls forward again, so a target may hand back the same
   * array each time.
   */
  forward(inputs: FlatTensor[]): { out: FlatTensor; cache: unknown };
  /**
   * The user's analytic gradients for upstream gradient `dout`, one entry per input in
   * order; null where the layer returned no gradient for that input (reported as
   * "not checked"). Shapes are as the user returned them (the checker validates).
   */
  backward(inputs: FlatTensor[], dout: FlatTensor, cache: unknown): (FlatTensor | null)[];
  /** How this kind of layer should draw randomness, said when its forward is nondeterministic (default: ctx.rng's advice). */
  randomnessAdvice?: string;
  /** The layer's own tolerance: it wins over CheckOptions.tolerance, which wins over the defaults. */
  tolerance?: Partial<Tolerance>;
  /**
   * Optional, for a layer that lives in another process, where each forward is a round
   * trip: L = sum(out * upstream) at `inputs` with element positions[k] of input `index`
   * moved by +step (plus[k]) and by -step (minus[k]), every k in one call. It must equal
   * what forward would give element by element. A fault names the element through a
   * numeric `position` property on the thrown error.
   */
  valuesAlong?(
    inputs: FlatTensor[],
    index: number,
    positions: Int32Array,
    step: number,
    upstream: Float64Array,
  ): { plus: Float64Array; minus: Float64Array };
}

export type CheckMode = 'full' | 'fast' | 'sparse';

export interface CheckOptions {
  mode: CheckMode;
  /** Elements sampled per input in sparse mode (default 64). */
  sampleSize?: number;
  /** Random directions per input in fast mode (default 2). */
  projections?: number;
  /** Seeds the upstream gradient R, fast-mode projections and sparse samples (default 0). */
  seed?: number;
  /**
   * The user's settings: they override the defaults, but a layer's own `tolerance` (set
   * next to the code that needs it) overrides them.
   */
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
  /** Elements where a perturbation crossed a kink: held to the one-sided slopes, not to the central difference. */
  kinkCount: number;
  /**
   * Elements compared (all of them in full mode, the sample in sparse mode), kinks
   * included; in a fast-mode pass, the number of random projections compared.
   */
  checkedCount: number;
  sampled?: boolean;
  /** Fast mode only: random directions compared (before any fallback). */
  projections?: number;
  /** Fast mode only: the projections disagreed (or crossed a kink), so the input was checked in full. */
  fastFallback?: boolean;
  /** Time and forward calls spent on this input's gradient (absent when it was not checked). */
  timeMs?: number;
  forwardCalls?: number;
  /** Full analytic and numeric gradients (flat, row-major) when computed, for heatmaps. */
  analytic?: number[];
  numeric?: number[];
}

export interface LayerReport {
  name: string;
  file?: string;
  /** In a notebook: the 0-based index of the cell that defines the layer; `line` is then within that cell. */
  cell?: number;
  /** 1-based line of the layer's definition (forward for the pair convention). */
  line?: number;
  /** 1-based line of the backward, where diagnostics belong. */
  backwardLine?: number;
  /**
   * True only when something was verified and nothing is wrong: no error, a deterministic
   * forward, no input failed, no input left unverifiable because all its elements sit at
   * kinks, and at least one input passed. Inputs without a gradient ('not-checked') do
   * not fail a layer but do not count as verified either.
   */
  passed: boolean;
  /** A load/run error for this layer (syntax error, throw, timeout, bad shapes...). */
  error?: string;
  inputs: InputReport[];
  /** Set when two forward calls on the same input disagreed. */
  nondeterminism?: string;
  /**
   * A finding about the layer as a whole, when some inputs fail: where the slip lies
   * given which inputs pass (e.g. "W2, b2 are right but x, W1, b1 are wrong: ..."), and
   * whether two same-shape inputs look mixed up in the backward.
   */
  hint?: string;
  /** The same findings one by one, so a surface can lead with the most useful (headline.ts). */
  findings?: LayerFinding[];
  mode: CheckMode;
  timeMs: number;
  forwardCalls: number;
  tolerance: Tolerance;
  /** The tolerance the settings (or defaults) alone give, when the layer's own is looser. */
  settingsTolerance?: Tolerance;
  /** The layer's atol/rtol where they are looser than settingsTolerance (looserTolerance.ts). */
  looserTolerance?: Partial<Pick<Tolerance, 'atol' | 'rtol'>>;
}

export interface LayerFinding {
  kind: 'mix-up' | 'pass-fail';
  /** A few words for a code lens, e.g. "backward uses W1 where W2 belongs, or W2 where W1 belongs". */
  short: string;
  /** The whole finding, as LayerReport.hint carries it. */
  text: string;
}

/** Layers as found in source text (for code lenses), before any code runs. */
export type LayerConvention = 'layer' | 'pair';

export interface DiscoveredLayer {
  /** The name reported and shown: the layer's `name:` or export name, or the pair's stem ("affine"). */
  name: string;
  convention: LayerConvention;
  /** The exported symbol: `affine` for layer(), `affineForward` for a pair. */
  exportName: string;
  /** 0-based line of the definition (where the code lens goes). */
  line: number;
  /** 0-based last line of the definition (the backward's end for a pair). */
  endLine: number;
  /** 0-based line where the backward starts (for diagnostics). */
  backwardLine?: number;
  /** Input names in order when they can be read from the text (the @gradcheck tag, the inputs object). */
  inputNames: string[];
}

export interface CheckFileOptions {
  mode?: 'full' | 'fast' | 'sparse';
  sampleSize?: number;
  seed?: number;
  tolerance?: { atol?: number; rtol?: number; eps?: number };
  /** Per-file time limit for user code, in ms (default 30000). */
  timeoutMs?: number;
  /** Only these layers (by name); all when absent. */
  only?: string[];
  /** Abort the run (cancellation from VS Code). */
  signal?: AbortSignal;
}

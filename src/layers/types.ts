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
  /** Pair convention: the shapes named by the @gradcheck tag, in input order. */
  inputShapes?: number[][];
  /** Pair convention: tolerance fields given in the tag (atol=..., rtol=..., eps=...). */
  tolerance?: { atol?: number; rtol?: number; eps?: number };
  /** Something wrong that can be seen in the text alone (a malformed @gradcheck tag). */
  problem?: string;
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
  /** Check this text instead of the file's contents on disk (an editor's unsaved buffer). */
  text?: string;
  /** Heap limit of the worker that runs user code, in MB (default 1024). */
  memoryLimitMb?: number;
  /** Where the user code's console output goes (default: this process's stderr). */
  onLog?: (text: string) => void;
}

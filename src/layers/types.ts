/** Layers as found in source text (for code lenses), before any code runs. */
import type { TagArg } from './tag';

/**
 * How a layer is written:
 * - 'layer': a layer() definition with the engine (JavaScript/TypeScript);
 * - 'pair': xxx_forward(...) -> (out, cache) with xxx_backward(dout, cache) -> grads;
 * - 'loss': a tagged function returning (loss, grads);
 * - 'object': a class with forward(...) and backward(dout) (Python's textbook layer objects);
 * - 'autograd': a torch.autograd.Function subclass, checked through Fn.apply.
 */
export type LayerConvention = 'layer' | 'pair' | 'loss' | 'object' | 'autograd';

export type LayerLanguage = 'javascript' | 'python';

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
  /** The language it is written in (absent: JavaScript/TypeScript). */
  language?: LayerLanguage;
  /** Every argument of the @gradcheck tag in order (inputs, integer labels, constants). */
  args?: TagArg[];
  /** The backward function's name (a pair): `affine_backward`, `affineBackwardNaive`. */
  backwardName?: string;
  /** A layer object: the tag names that are parameters of `__init__` (passed to the constructor). */
  constructorArgs?: string[];
  /** In a notebook: the 0-based index of the cell (among all cells) that defines it; `line` is then within that cell. */
  cell?: number;
}

/**
 * Something that looks like a layer but carries no @gradcheck tag: it gets an
 * "Add @gradcheck tag…" lens that asks for the shapes and writes the tag.
 */
export interface TagCandidate {
  /** What the lens names: the pair's stem, the function or the class. */
  name: string;
  convention: Exclude<LayerConvention, 'layer'>;
  language: LayerLanguage;
  /** 0-based line of the definition (where the lens goes). */
  line: number;
  /** 0-based line the tag is inserted at (above decorators), and that line's indentation. */
  insertLine: number;
  indent: string;
  /**
   * The arguments the tag should list, from the signature(s), in call order: a prefill
   * such as `x:[?] w:[?]` or `conv_param={}`; `kind` is a guess the user edits.
   */
  params: { name: string; guess: 'tensor' | 'int' | 'const' }[];
  /** In a notebook: the cell index, as for DiscoveredLayer. */
  cell?: number;
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
  /** The Python interpreter for .py and .ipynb files (default: `python3` on PATH). */
  pythonPath?: string;
  /**
   * A notebook's code cells as the editor holds them (saved or not), each with its index
   * among all the notebook's cells; without it, a .ipynb is read from disk.
   */
  notebookCells?: { index: number; source: string }[];
}

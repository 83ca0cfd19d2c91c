/**
 * Finding Python layers in source text, for code lenses: text in, layers out. Like the
 * JavaScript discovery it runs on every edit, so it tokenizes (never parses fully, never
 * runs code). The tokenizer follows Python's own rules for what matters here: string
 * literals of every kind (prefixes, triple quotes, escapes, f-string fields that reuse
 * the outer quote as Python 3.12 allows), comments, brackets and backslashes that join
 * physical lines into logical ones, and indentation, which alone says where a block
 * ends. Code-like text inside strings and comments therefore never becomes a def.
 *
 * Four conventions are recognised under a `@gradcheck` tag (the grammar is tag.ts's):
 * forward/backward function pairs, loss functions returning (loss, grads),
 * torch.autograd.Function subclasses, and layer objects with forward and backward
 * methods. Only top-level definitions count: what a module or notebook defines.
 *
 * The source's tokens are scan.ts's and its top-level definitions and tags outline.ts's; notebook.ts
 * reads each cell through the same outline, so a cell is read exactly as a .py file is.
 */
import { parseGradcheckTag } from '../tag';
import type { DiscoveredLayer, TagCandidate } from '../types';
import { topLevelDefinitions, type PyDefinition, type PyParam } from './outline';
import { scanPython } from './scan';

// ---------------------------------------------------------------------------------------
// Layers and candidates from the definitions of a file or of a notebook's cells.

/** The definitions of one source: a file, or one notebook cell (`cell` set). */
export interface PyUnit {
  cell?: number;
  definitions: PyDefinition[];
}

interface Located {
  definition: PyDefinition;
  cell?: number;
}

const AUTOGRAD_BASES = new Set(['Function', 'autograd.Function', 'torch.autograd.Function']);
const FORWARD = /forward/i;

/** `affine_forward` -> `affine_backward`, keeping the word's case (`convForward` -> `convBackward`). */
export function backwardNameOf(forwardName: string): string | undefined {
  const m = FORWARD.exec(forwardName);
  if (!m) return undefined;
  const word = m[0] === 'forward' ? 'backward' : m[0] === 'Forward' ? 'Backward' : m[0] === 'FORWARD' ? 'BACKWARD' : 'backward';
  return forwardName.slice(0, m.index) + word + forwardName.slice(m.index + m[0].length);
}

/**
 * The name a pair is shown by: the forward's name without `forward`, separators tidied
 * (`conv_forward_naive` -> `conv_naive`, `_relu_forward` -> `relu`, `convForwardNaive` ->
 * `convNaive`). A function named
 * just `forward` (or `_forward_`) keeps its whole name: an empty name says nothing.
 */
export function pairStem(forwardName: string): string {
  const stem = forwardName
    .replace(FORWARD, '')
    .replace(/_{2,}/g, '_')
    .replace(/^_+|_+$/g, '');
  return stem === '' ? forwardName : stem;
}

function isAutograd(definition: PyDefinition): boolean {
  return definition.bases.some((b) => AUTOGRAD_BASES.has(b));
}

function locate(units: PyUnit[]): Located[] {
  return units.flatMap((u) => u.definitions.map((definition) => (u.cell === undefined ? { definition } : { definition, cell: u.cell })));
}

/** Top-level functions by name; a later definition replaces an earlier one, as when the code runs. */
function functionsByName(all: Located[]): Map<string, Located> {
  const byName = new Map<string, Located>();
  for (const l of all) if (l.definition.kind === 'def') byName.set(l.definition.name, l);
  return byName;
}

function byPosition(a: { cell?: number; line: number }, b: { cell?: number; line: number }): number {
  return (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line;
}

/**
 * The layers tagged in these units. `where` names the scope in messages ("this file").
 * A pair's backward may be in another unit (a later notebook cell): then `backwardLine`
 * is a line of the backward's own cell and `endLine` stays the forward's.
 */
export function pythonLayersOf(units: PyUnit[], where: string): DiscoveredLayer[] {
  const all = locate(units);
  const functions = functionsByName(all);
  const layers: DiscoveredLayer[] = [];
  for (const { definition: d, cell } of all) {
    if (d.tag === undefined) continue;
    const tag = parseGradcheckTag(d.tag)!;
    const layer: DiscoveredLayer = {
      name: d.name,
      convention: 'loss',
      exportName: d.name,
      line: d.line,
      endLine: d.endLine,
      inputNames: tag.inputNames,
      inputShapes: tag.inputShapes,
      language: 'python',
      args: tag.args,
    };
    if (cell !== undefined) layer.cell = cell;
    if (tag.tolerance) layer.tolerance = tag.tolerance;
    if (tag.problem) layer.problem = tag.problem;
    const problem = (text: string) => {
      layer.problem ??= text;
    };

    if (d.kind === 'def') {
      const backwardName = backwardNameOf(d.name);
      if (backwardName !== undefined) {
        layer.convention = 'pair';
        layer.name = pairStem(d.name);
        layer.backwardName = backwardName;
        const backward = functions.get(backwardName);
        if (backward) {
          layer.backwardLine = backward.definition.line;
          if (backward.cell === cell) layer.endLine = Math.max(d.endLine, backward.definition.endLine);
        } else {
          problem(
            `no ${backwardName} in ${where} to pair with ${d.name}: a tagged forward needs its backward, named with 'backward' in place of 'forward'`,
          );
        }
      } else if (/backward/i.test(d.name)) {
        const forwardName = d.name.replace(/backward/i, (w) => (w === 'Backward' ? 'Forward' : w === 'BACKWARD' ? 'FORWARD' : 'forward'));
        problem(`@gradcheck belongs above the forward function ${forwardName}, not above ${d.name}`);
      }
    } else {
      const forward = d.methods.get('forward');
      const backward = d.methods.get('backward');
      if (isAutograd(d)) layer.convention = 'autograd';
      else {
        layer.convention = 'object';
        const init = new Set(d.methods.get('__init__')?.params.map((p) => p.name) ?? []);
        layer.constructorArgs = tag.args.map((a) => a.name).filter((name) => init.has(name) && name !== 'self');
      }
      if (backward) layer.backwardLine = backward.line;
      const missing = [forward ? undefined : 'forward', backward ? undefined : 'backward'].filter((m) => m !== undefined);
      if (missing.length > 0) {
        const kind =
          layer.convention === 'autograd'
            ? 'a torch.autograd.Function needs static forward(ctx, ...) and backward(ctx, grad)'
            : 'a layer object needs forward(...) and backward(dout) methods';
        problem(`class ${d.name} has no ${missing.join(' or ')} method: ${kind}`);
      }
    }
    layers.push(layer);
  }
  return layers.sort(byPosition);
}

/** Hyperparameters that are passed as constants, not checked. */
const CONSTANT_NAMES = new Set([
  'mode',
  'reg',
  'p',
  'eps',
  'momentum',
  'stride',
  'pad',
  'padding',
  'dilation',
  'lr',
  'axis',
  'dim',
  'training',
  'seed',
  'num_classes',
]);
/** Integer labels. */
const LABEL_NAMES = new Set(['y', 'labels', 'label', 'target', 'targets', 't']);

function guessKind(param: PyParam): 'tensor' | 'int' | 'const' {
  if (LABEL_NAMES.has(param.name)) return 'int';
  if (param.hasDefault || CONSTANT_NAMES.has(param.name) || /params?$/.test(param.name)) return 'const';
  return 'tensor';
}

/** Parameters a tag can list: positional ones, without `self`/`ctx` (dropped by the caller) and duplicates. */
function tagParams(params: PyParam[], taken: Set<string> = new Set()): TagCandidate['params'] {
  const out: TagCandidate['params'] = [];
  for (const p of params) {
    if (p.keywordOnly || taken.has(p.name)) continue;
    taken.add(p.name);
    out.push({ name: p.name, guess: guessKind(p) });
  }
  return out;
}

function withoutFirst(params: PyParam[] | undefined): PyParam[] {
  return (params ?? []).slice(1);
}

/**
 * Untagged definitions that look like layers: a forward with its backward present, a
 * loss-shaped function, a class with forward and backward methods. Loss-shaped is kept
 * narrow (a name with `loss` and a two-value return, or a second returned value that
 * names a gradient) so that ordinary helpers get no lens.
 */
export function pythonCandidatesOf(units: PyUnit[]): TagCandidate[] {
  const all = locate(units);
  const functions = functionsByName(all);
  const candidates: TagCandidate[] = [];
  for (const { definition: d, cell } of all) {
    if (d.tag !== undefined) continue;
    let found: Pick<TagCandidate, 'name' | 'convention' | 'params'> | undefined;
    if (d.kind === 'def') {
      const backwardName = backwardNameOf(d.name);
      if (backwardName !== undefined) {
        if (functions.has(backwardName)) found = { name: pairStem(d.name), convention: 'pair', params: tagParams(d.params) };
      } else if (!/backward/i.test(d.name) && ((/loss/i.test(d.name) && d.returnsPair) || d.returnsGradient)) {
        found = { name: d.name, convention: 'loss', params: tagParams(d.params) };
      }
    } else if (d.methods.has('forward') && d.methods.has('backward')) {
      if (isAutograd(d)) {
        // forward(ctx, ...); with setup_context (PyTorch 2) forward has no ctx.
        const forward = d.methods.get('forward')!.params;
        found = {
          name: d.name,
          convention: 'autograd',
          params: tagParams(d.methods.has('setup_context') ? forward : withoutFirst(forward)),
        };
      } else {
        const taken = new Set<string>();
        const init = tagParams(withoutFirst(d.methods.get('__init__')?.params), taken);
        found = {
          name: d.name,
          convention: 'object',
          params: [...init, ...tagParams(withoutFirst(d.methods.get('forward')!.params), taken)],
        };
      }
    }
    if (!found) continue;
    const candidate: TagCandidate = { ...found, language: 'python', line: d.line, insertLine: d.insertLine, indent: d.indent };
    if (cell !== undefined) candidate.cell = cell;
    candidates.push(candidate);
  }
  return candidates.sort(byPosition);
}

/** Every layer tagged in a Python file's text, sorted by line. */
export function discoverPythonLayers(text: string): DiscoveredLayer[] {
  return pythonLayersOf([{ definitions: topLevelDefinitions(scanPython(text)) }], 'this file');
}

/** Untagged layer-like definitions of a Python file, for "Add @gradcheck tag…", sorted by line. */
export function discoverPythonCandidates(text: string): TagCandidate[] {
  return pythonCandidatesOf([{ definitions: topLevelDefinitions(scanPython(text)) }]);
}

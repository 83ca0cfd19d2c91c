/**
 * Finding checkable layers in JavaScript and TypeScript text, for code lenses and for
 * choosing files: text in, layers with names and line ranges out, and the untagged
 * functions that look checkable, for "Add @gradcheck tag…". Reads the outline of
 * outline.ts; never runs code.
 */
import type { Tag } from '../tag';
import type { DiscoveredLayer, TagCandidate } from '../types';
import { type Declaration, forwardOf, functionDeclarations, IDENT, objectKeys, pairOf, stringLiteralAt, tagAbove } from './outline';
import { lineOf, lineStarts, matchBracket, scanJavaScript } from './scan';

/** The fields every convention takes from its tag. */
function fromTag(tag: Tag): Pick<DiscoveredLayer, 'inputNames' | 'inputShapes' | 'args' | 'tolerance' | 'problem'> {
  const fields: Pick<DiscoveredLayer, 'inputNames' | 'inputShapes' | 'args' | 'tolerance' | 'problem'> = {
    inputNames: tag.inputNames,
    inputShapes: tag.inputShapes,
    args: tag.args,
  };
  if (tag.tolerance) fields.tolerance = tag.tolerance;
  if (tag.problem) fields.problem = tag.problem;
  return fields;
}

/**
 * Every checkable layer in a file's text, in order of appearance:
 * - a pair: a function named xxxForward (or xxxForwardYyy) under a @gradcheck tag, with
 *   its xxxBackward (xxxBackwardYyy);
 * - a loss function: any other function under a @gradcheck tag, returning [loss, grads];
 * - a layer() definition (its inputs say what the tag says for the others).
 */
export function discoverLayers(text: string): DiscoveredLayer[] {
  const scanned = scanJavaScript(text);
  const { code } = scanned;
  const starts = lineStarts(text);
  const line = (pos: number) => lineOf(starts, pos);
  const layers: DiscoveredLayer[] = [];

  const functions = functionDeclarations(code);
  for (const fn of functions.values()) {
    const tag = tagAbove(scanned, text, fn);
    if (!tag) continue;
    const pair = pairOf(fn.name);
    if (pair) {
      const bwd = functions.get(pair.backwardName);
      const layer: DiscoveredLayer = {
        name: pair.name,
        convention: 'pair',
        exportName: fn.name,
        backwardName: pair.backwardName,
        line: line(fn.start),
        endLine: line(Math.max(fn.end, bwd?.end ?? 0)),
        ...fromTag(tag),
      };
      if (bwd) layer.backwardLine = line(bwd.start);
      layers.push(layer);
      continue;
    }
    const fwd = functions.get(forwardOf(fn.name) ?? '');
    if (fwd) {
      // A tag above the backward of a pair: the pair is meant, so say where the tag goes
      // (unless the forward has its own tag, which is the one read).
      const own = pairOf(fwd.name)!;
      if (tagAbove(scanned, text, fwd)) continue;
      layers.push({
        name: own.name,
        convention: 'pair',
        exportName: fwd.name,
        backwardName: fn.name,
        line: line(fwd.start),
        endLine: line(Math.max(fwd.end, fn.end)),
        backwardLine: line(fn.start),
        ...fromTag(tag),
        problem: `the @gradcheck tag of a pair goes above its forward, ${fwd.name}, not above ${fn.name}: move it up`,
      });
      continue;
    }
    layers.push({
      name: fn.name,
      convention: 'loss',
      exportName: fn.isDefault ? 'default' : fn.name,
      line: line(fn.start),
      endLine: line(fn.end),
      ...fromTag(tag),
    });
  }

  // layer() definitions: `export const affine = layer({ ... })` (or `export default layer(...)`).
  const layerCall = new RegExp(
    `(?:^|[^\\w$.])((?:export\\s+)?(?:(?:const|let|var)\\s+(${IDENT})\\s*(?::[^=;]*)?=|default)\\s*(?:${IDENT}\\s*\\.\\s*)?layer\\s*(?:<[^(]*>)?\\s*\\()`,
    'g',
  );
  for (let m = layerCall.exec(code); m; m = layerCall.exec(code)) {
    const start = m.index + m[0].indexOf(m[1]);
    const open = start + m[1].length - 1;
    const close = matchBracket(code, open);
    const exportName = m[2] ?? 'default';
    const layer: DiscoveredLayer = {
      name: exportName,
      convention: 'layer',
      exportName,
      line: line(start),
      endLine: line(close),
      inputNames: [],
    };
    const objectStart = open + 1 + /^\s*/.exec(code.slice(open + 1))![0].length;
    if (code[objectStart] === '{') {
      for (const k of objectKeys(code, text, objectStart)) {
        if (k.key === 'name') {
          const literal = stringLiteralAt(text, k.valuePos);
          if (literal) layer.name = literal;
        } else if (k.key === 'inputs' && code[k.valuePos] === '{') {
          layer.inputNames = objectKeys(code, text, k.valuePos).map((ik) => ik.key);
        } else if (k.key === 'backward') {
          layer.backwardLine = line(k.keyPos);
        }
      }
    }
    layers.push(layer);
  }

  return layers.sort((a, b) => a.line - b.line);
}

type TagParam = TagCandidate['params'][number];

const LABEL_NAMES = new Set(['y', 'label', 'labels', 'target', 'targets']);

/**
 * What a parameter most likely is, for the tag the user is about to write: labels by
 * their usual names; constants by a `...Param(s)` name, `mode`, a default value, a scalar
 * or object type annotation, or an object pattern; the rest are checked inputs.
 */
function guessKind(name: string, hints: { hasDefault: boolean; type?: string; objectPattern?: boolean }): TagParam['guess'] {
  if (LABEL_NAMES.has(name.toLowerCase())) return 'int';
  if (/(?:Params?|params?)$/.test(name) || name === 'mode' || hints.hasDefault || hints.objectPattern) return 'const';
  if (hints.type !== undefined && /^(?:number|string|boolean|\{[\s\S]*\}|Record\s*<[\s\S]*>)$/.test(hints.type.trim())) return 'const';
  return 'tensor';
}

/** Splits `text` at commas outside brackets (`<`/`>` of TypeScript types count, `=>` does not). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || (c === '>' && text[i - 1] !== '=')) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Index of the first `=` at depth 0 in `text` that is a default value's (not `=>`, `==`). */
function defaultAt(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || (c === '>' && text[i - 1] !== '=')) depth--;
    else if (c === '=' && depth === 0 && text[i + 1] !== '>' && text[i + 1] !== '=') return i;
  }
  return -1;
}

/** The parameters of a declaration, in call order, with a guess of what each is (rest parameters left out). */
function parametersOf(code: string, d: Declaration): TagParam[] {
  if (code[d.params] !== '(') {
    const lone = new RegExp(`^${IDENT}`).exec(code.slice(d.params));
    return lone ? [{ name: lone[0], guess: guessKind(lone[0], { hasDefault: false }) }] : [];
  }
  const list = code.slice(d.params + 1, matchBracket(code, d.params));
  const params: TagParam[] = [];
  splitTopLevel(list).forEach((p, i) => {
    if (p.startsWith('...')) return;
    const eq = defaultAt(p);
    const hasDefault = eq !== -1;
    if (p[0] === '{' || p[0] === '[') {
      params.push({ name: `arg${i + 1}`, guess: guessKind(`arg${i + 1}`, { hasDefault, objectPattern: p[0] === '{' }) });
      return;
    }
    const m = new RegExp(`^(${IDENT})\\s*\\??\\s*(?::([\\s\\S]*))?$`).exec(hasDefault ? p.slice(0, eq).trim() : p);
    if (!m || m[1] === 'this') return;
    params.push({ name: m[1], guess: guessKind(m[1], { hasDefault, type: m[2] }) });
  });
  return params;
}

/** Whether a function returns `[loss, ...]` or `{ loss, ... }` (a `return` or an arrow's expression body). */
function returnsLoss(code: string, d: Declaration): boolean {
  const body = code.slice(d.params, d.end + 1);
  for (const m of body.matchAll(new RegExp(`(?:\\breturn|=>)\\s*\\[\\s*(${IDENT})\\s*,`, 'g'))) {
    if (/loss/i.test(m[1])) return true;
  }
  return /(?:\breturn\s*\(?|=>\s*\()\s*\{[^{}]*\bloss\b\s*[,:}]/.test(body);
}

/** Whether a name says "loss": `loss`, `svm_loss`, `softmaxLoss`, `LossFn` (not `gloss`). */
const namesLoss = (name: string) => /(?:^|[^a-z])loss|Loss/.test(name);

/** For each position (in ascending order), whether it is outside every bracket of the code. */
function atTopLevel(code: string, positions: number[]): Set<number> {
  const top = new Set<number>();
  let depth = 0;
  let at = 0;
  for (const pos of positions) {
    for (; at < pos; at++) {
      const c = code[at];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
    }
    if (depth <= 0) top.add(pos);
  }
  return top;
}

/**
 * Untagged functions that look checkable, for an "Add @gradcheck tag…" lens: top-level
 * pairs with both halves present, and loss-shaped functions (a name with "loss", or
 * returning [loss, grads]). Tagged layers and layer() definitions are never candidates.
 */
export function discoverCandidates(text: string): TagCandidate[] {
  const scanned = scanJavaScript(text);
  const { code } = scanned;
  const starts = lineStarts(text);
  const functions = functionDeclarations(code);
  const all = [...functions.values()].sort((a, b) => a.start - b.start);
  const top = atTopLevel(
    code,
    all.map((d) => d.start),
  );
  const candidates: TagCandidate[] = [];
  const add = (name: string, convention: 'pair' | 'loss', d: Declaration) => {
    const line = lineOf(starts, d.start);
    candidates.push({
      name,
      convention,
      language: 'javascript',
      line,
      insertLine: line,
      indent: /^[ \t]*/.exec(text.slice(starts[line]))![0],
      params: parametersOf(code, d),
    });
  };
  for (const fn of all) {
    if (!top.has(fn.start) || tagAbove(scanned, text, fn)) continue;
    const pair = pairOf(fn.name);
    if (pair) {
      const bwd = functions.get(pair.backwardName);
      if (bwd && !tagAbove(scanned, text, bwd)) add(pair.name, 'pair', fn);
      continue;
    }
    // A backward is never a loss function, whether or not its forward is there.
    if (forwardOf(fn.name)) continue;
    if (namesLoss(fn.name) || returnsLoss(code, fn)) add(fn.name, 'loss', fn);
  }
  return candidates;
}

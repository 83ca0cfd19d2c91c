/**
 * Finding checkable layers in source text, for code lenses and for choosing files:
 * text in, layers with names and line ranges out. It runs on every keystroke's
 * worth of edits, so it only scans text (never parses fully, never runs code).
 * Strings and comments are blanked first so that code-like text inside them is not
 * mistaken for a layer; doc comments are kept aside to read @gradcheck tags (tag.ts
 * reads them, in the grammar every language shares).
 */
import { parseGradcheckTag, type Tag } from './tag';
import type { DiscoveredLayer, TagCandidate } from './types';

export { parseGradcheckTag } from './tag';

interface Comment {
  start: number;
  end: number;
  text: string;
}

interface Scanned {
  /** The text with string contents and comments replaced by spaces (same length, newlines kept). */
  code: string;
  comments: Comment[];
}

const IDENT = '[A-Za-z_$][\\w$]*';

/** Characters after which a `/` starts a regular expression rather than a division. */
const REGEX_PREFIX = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));

function scan(text: string): Scanned {
  const out = text.split('');
  const comments: Comment[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  // Open template literals: the brace depth of the `${` that interrupted each one.
  const templates: number[] = [];
  let braceDepth = 0;
  let lastSignificant = '';
  let i = 0;
  const n = text.length;

  const skipString = (quote: string): void => {
    const start = i + 1;
    i++;
    while (i < n && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    blank(start, Math.min(i, n));
    i++;
  };
  // Scans template text until its end or an interpolation; returns true at an interpolation.
  const skipTemplateText = (): boolean => {
    const start = i;
    while (i < n) {
      if (text[i] === '\\') i += 2;
      else if (text[i] === '`') {
        blank(start, i);
        i++;
        return false;
      } else if (text[i] === '$' && text[i + 1] === '{') {
        blank(start, i);
        i += 2;
        return true;
      } else i++;
    }
    blank(start, n);
    return false;
  };

  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      comments.push({ start: i, end: stop, text: text.slice(i, stop) });
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      comments.push({ start: i, end: stop, text: text.slice(i, stop) });
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      skipString(c);
      lastSignificant = c;
    } else if (c === '`') {
      i++;
      if (skipTemplateText()) {
        templates.push(braceDepth);
        braceDepth++;
      }
      lastSignificant = '`';
    } else if (c === '/' && (lastSignificant === '' || REGEX_PREFIX.has(lastSignificant))) {
      // A regex literal: skip to its closing slash (outside a character class).
      const start = i + 1;
      i++;
      let inClass = false;
      while (i < n && text[i] !== '\n' && (inClass || text[i] !== '/')) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        i++;
      }
      blank(start, Math.min(i, n));
      i++;
      lastSignificant = '/';
    } else {
      if (c === '{') braceDepth++;
      else if (c === '}') {
        braceDepth--;
        if (templates.length > 0 && templates[templates.length - 1] === braceDepth) {
          templates.pop();
          i++;
          if (skipTemplateText()) {
            templates.push(braceDepth);
            braceDepth++;
          }
          lastSignificant = '`';
          continue;
        }
      }
      if (!/\s/.test(c)) lastSignificant = /[\w$]/.test(c) ? 'a' : c;
      i++;
    }
  }
  return { code: out.join(''), comments };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index of the bracket closing the one at `open`, in blanked code; the text's end if unbalanced. */
function matchBracket(code: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (OPEN[c]) stack.push(OPEN[c]);
    else if (c === ')' || c === ']' || c === '}') {
      if (stack.pop() !== c) return i;
      if (stack.length === 0) return i;
    }
  }
  return code.length - 1;
}

/** Where a `function name(...) {...}` declaration whose name ends at `from` ends. */
function functionEnd(code: string, from: number): number {
  const paren = code.indexOf('(', from);
  if (paren === -1) return code.length - 1;
  const brace = code.indexOf('{', matchBracket(code, paren));
  return brace === -1 ? code.length - 1 : matchBracket(code, brace);
}

/** Where the expression assigned at `from` (just after the `=`) ends: a `;` or a line break that ends it. */
function expressionEnd(code: string, from: number): number {
  let depth = 0;
  let lastNonSpace = -1;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (OPEN[c]) depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth < 0) return lastNonSpace;
    } else if (depth === 0 && c === ';') return i;
    else if (depth === 0 && c === '\n' && lastNonSpace !== -1) {
      const next = /\S/.exec(code.slice(i))?.[0] ?? '';
      if (!/[=>,(+\-*/&|?:.[{]/.test(code[lastNonSpace]) && !/[.?:+\-*/&|)\]}=]/.test(next)) return lastNonSpace;
    }
    if (!/\s/.test(c)) lastNonSpace = i;
  }
  return code.length - 1;
}

interface ObjectKey {
  key: string;
  keyPos: number;
  /** First non-space character of the value (or of the method's parameters). */
  valuePos: number;
}

/** The top-level keys of the object literal whose `{` is at `open`. */
function objectKeys(code: string, text: string, open: number): ObjectKey[] {
  const close = matchBracket(code, open);
  const keys: ObjectKey[] = [];
  let depth = 0;
  let expectKey = true;
  for (let i = open + 1; i < close; i++) {
    const c = code[i];
    if (OPEN[c]) {
      depth++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      depth--;
      continue;
    }
    if (depth !== 0) continue;
    if (c === ',') {
      expectKey = true;
      continue;
    }
    if (!expectKey || /\s/.test(c)) continue;
    expectKey = false;
    let key: string | undefined;
    let end = i;
    if (c === '"' || c === "'") {
      const q = text.indexOf(c, i + 1);
      if (q === -1) continue;
      key = text.slice(i + 1, q);
      end = q + 1;
    } else {
      const m = new RegExp(`^(?:async\\s+)?(${IDENT})`).exec(code.slice(i, i + 200));
      if (!m) continue;
      key = m[1];
      end = i + m[0].length;
    }
    const after = /^\s*([:(,}]|$)/.exec(code.slice(end, close + 1));
    if (!after) continue;
    const valueStart = end + after[0].length - (after[1] === ':' ? 0 : after[1].length);
    const ws = /^\s*/.exec(code.slice(valueStart))![0].length;
    keys.push({ key, keyPos: i, valuePos: valueStart + ws });
    i = end - 1;
  }
  return keys;
}

function stringLiteralAt(text: string, pos: number): string | undefined {
  const q = text[pos];
  if (q !== '"' && q !== "'" && q !== '`') return undefined;
  const end = text.indexOf(q, pos + 1);
  return end === -1 ? undefined : text.slice(pos + 1, end);
}

/** The comment directly above `pos` (only whitespace between), merging consecutive `//` lines. */
function commentAbove(scanned: Scanned, text: string, pos: number): string | undefined {
  const { comments } = scanned;
  // The last comment starting before pos (comments are in order of position).
  let lo = 0;
  let hi = comments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid].start < pos) lo = mid + 1;
    else hi = mid;
  }
  let k = lo - 1;
  if (k < 0 || /\S/.test(text.slice(comments[k].end, pos))) return undefined;
  const parts = [comments[k].text];
  while (k > 0 && comments[k].text.startsWith('//') && comments[k - 1].text.startsWith('//') && !/\S/.test(text.slice(comments[k - 1].end, comments[k].start))) {
    parts.unshift(comments[--k].text);
  }
  return parts.join('\n');
}

interface Declaration {
  name: string;
  /** Start of the declaration (the `export` keyword when there is one). */
  start: number;
  end: number;
  /** Where the parameters start: the `(` of the list, or the lone parameter of `x => ...`. */
  params: number;
  /** `export default function name(...)`: the module exports it as `default`. */
  isDefault: boolean;
}

/** Function declarations and `const f = (...) =>` / `function` expressions, by name. */
function functionDeclarations(code: string): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  const re = new RegExp(
    `(?:^|[^\\w$.])((?:export\\s+(default\\s+)?)?(?:async\\s+)?function\\s*\\*?\\s*(${IDENT})\\s*[(<]|(?:export\\s+)?(?:const|let|var)\\s+(${IDENT})\\s*(?::[^=;]*)?=\\s*(?:async\\s+)?(?:function\\b|\\(|${IDENT}\\s*=>))`,
    'g',
  );
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const start = m.index + m[0].indexOf(m[1]);
    const name = m[3] ?? m[4];
    const afterHead = start + m[1].length;
    let end: number;
    let params: number;
    if (m[3]) {
      end = functionEnd(code, afterHead - 1);
      params = code.indexOf('(', afterHead - 1);
    } else {
      const eq = code.indexOf('=', start + m[1].indexOf(name) + name.length);
      end = expressionEnd(code, eq + 1);
      const value = /^\s*(?:async\s+)?(function\b)?/.exec(code.slice(eq + 1, eq + 200))!;
      params = value[1] ? code.indexOf('(', eq + 1 + value[0].length) : eq + 1 + value[0].length;
    }
    if (!found.has(name)) found.set(name, { name, start, end, params, isDefault: m[2] !== undefined });
  }
  return found;
}

/**
 * The names of a forward/backward pair from its forward's name: `Forward` (not followed
 * by a lowercase letter, so `Forwards` is no pair) is dropped for the pair's name and
 * becomes `Backward` for the backward's: affineForward -> affine, affineBackward;
 * convForwardNaive -> convNaive, convBackwardNaive.
 */
function pairOf(forwardName: string): { name: string; backwardName: string } | undefined {
  const m = /^(.+?)Forward(?![a-z])(.*)$/.exec(forwardName);
  return m ? { name: m[1] + m[2], backwardName: `${m[1]}Backward${m[2]}` } : undefined;
}

/** The forward's name for a function named like a pair's backward (affineBackward -> affineForward). */
function forwardOf(backwardName: string): string | undefined {
  const m = /^(.+?)Backward(?![a-z])(.*)$/.exec(backwardName);
  return m ? `${m[1]}Forward${m[2]}` : undefined;
}

/** Whether `@gradcheck` opens a line of the comment (after its markers), as a doc tag does. */
const TAG_AT_LINE_START = /(?:^|\n)[ \t]*(?:\/\*\*?|\*|\/\/)?[ \t]*@gradcheck\b/;

/**
 * The @gradcheck tag in the comment right above a declaration, if any. Any function
 * may be a loss function, so for those a comment that only mentions the tag in passing
 * ("the @gradcheck tag of ...") is not one: the tag must open a line or read cleanly.
 * A function named like a pair's forward takes any tag, and so has a malformed one explained.
 */
function tagAbove(scanned: Scanned, text: string, d: Declaration): Tag | undefined {
  const comment = commentAbove(scanned, text, d.start);
  const tag = comment === undefined ? undefined : parseGradcheckTag(comment);
  if (!tag?.problem || pairOf(d.name) || TAG_AT_LINE_START.test(comment!)) return tag;
  return undefined;
}

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
  const scanned = scan(text);
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
    const layer: DiscoveredLayer = { name: exportName, convention: 'layer', exportName, line: line(start), endLine: line(close), inputNames: [] };
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
  const scanned = scan(text);
  const { code } = scanned;
  const starts = lineStarts(text);
  const functions = functionDeclarations(code);
  const all = [...functions.values()].sort((a, b) => a.start - b.start);
  const top = atTopLevel(code, all.map((d) => d.start));
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

/**
 * Finding checkable layers in source text, for code lenses and for choosing files:
 * text in, layers with names and line ranges out. It runs on every keystroke's
 * worth of edits, so it only scans text (never parses fully, never runs code).
 * Strings and comments are blanked first so that code-like text inside them is not
 * mistaken for a layer; doc comments are kept aside to read @gradcheck tags.
 */
import type { DiscoveredLayer } from './types';

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

interface Tag {
  inputNames: string[];
  inputShapes: number[][];
  tolerance?: { atol?: number; rtol?: number; eps?: number };
  problem?: string;
}

/** Reads `@gradcheck x:[4,5] w:[5,3] b:[3] atol=1e-4` from a comment's text; undefined without a tag. */
export function parseGradcheckTag(comment: string): Tag | undefined {
  const at = comment.search(/@gradcheck\b/);
  if (at === -1) return undefined;
  let body = comment.slice(at + '@gradcheck'.length);
  const nextTag = body.search(/(^|\s)@\w/);
  if (nextTag !== -1) body = body.slice(0, nextTag);
  body = body
    .replace(/\*\/\s*$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*(\*|\/\/)/, ''))
    .join(' ');
  const tag: Tag = { inputNames: [], inputShapes: [] };
  const token = new RegExp(`(${IDENT})\\s*:\\s*\\[([^\\]]*)\\]|(atol|rtol|eps)\\s*=\\s*([^\\s,]+)|(\\S+)`, 'g');
  for (let m = token.exec(body); m; m = token.exec(body)) {
    if (m[1]) {
      const dims = m[2].trim() === '' ? [] : m[2].split(',').map((d) => d.trim());
      if (dims.some((d) => !/^\d+$/.test(d))) {
        tag.problem ??= `@gradcheck: the shape of '${m[1]}' must be whole numbers, like ${m[1]}:[4,5]; got [${m[2]}]`;
        continue;
      }
      if (tag.inputNames.includes(m[1])) tag.problem ??= `@gradcheck: input '${m[1]}' is named twice`;
      tag.inputNames.push(m[1]);
      tag.inputShapes.push(dims.map(Number));
    } else if (m[3]) {
      const v = Number(m[4]);
      if (!Number.isFinite(v) || v < 0) tag.problem ??= `@gradcheck: ${m[3]} must be a non-negative number, got ${m[4]}`;
      else (tag.tolerance ??= {})[m[3] as 'atol' | 'rtol' | 'eps'] = v;
    } else if (m[5] && m[5] !== ',') {
      tag.problem ??= `@gradcheck: could not read '${m[5]}'; write each input as name:[d1,d2,...] (and optionally atol=, rtol=, eps=)`;
    }
  }
  if (tag.inputNames.length === 0) tag.problem ??= '@gradcheck names no inputs; write them in order with shapes, like x:[4,5] w:[5,3]';
  return tag;
}

/** The comment directly above `pos` (only whitespace between), merging consecutive `//` lines. */
function commentAbove(scanned: Scanned, text: string, pos: number): string | undefined {
  const { comments } = scanned;
  let k = comments.length - 1;
  while (k >= 0 && comments[k].start >= pos) k--;
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
}

/** Function declarations and `const f = (...) =>` / `function` expressions, by name. */
function functionDeclarations(code: string): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  const re = new RegExp(
    `(?:^|[^\\w$.])((?:export\\s+)?(?:async\\s+)?function\\s*\\*?\\s*(${IDENT})\\s*[(<]|(?:export\\s+)?(?:const|let|var)\\s+(${IDENT})\\s*(?::[^=;]*)?=\\s*(?:async\\s+)?(?:function\\b|\\(|${IDENT}\\s*=>))`,
    'g',
  );
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const start = m.index + m[0].indexOf(m[1]);
    const name = m[2] ?? m[3];
    const afterHead = start + m[1].length;
    const end = m[2] ? functionEnd(code, afterHead - 1) : expressionEnd(code, code.indexOf('=', start + m[1].indexOf(name) + name.length) + 1);
    if (!found.has(name)) found.set(name, { name, start, end });
  }
  return found;
}

/** Every checkable layer in a file's text, in order of appearance. */
export function discoverLayers(text: string): DiscoveredLayer[] {
  const scanned = scan(text);
  const { code } = scanned;
  const starts = lineStarts(text);
  const line = (pos: number) => lineOf(starts, pos);
  const layers: DiscoveredLayer[] = [];

  // Forward/backward pairs: a function named xxxForward under a @gradcheck tag.
  const functions = functionDeclarations(code);
  for (const fwd of functions.values()) {
    const stem = /^(.*)Forward$/.exec(fwd.name)?.[1];
    if (!stem) continue;
    const comment = commentAbove(scanned, text, fwd.start);
    const tag = comment === undefined ? undefined : parseGradcheckTag(comment);
    if (!tag) continue;
    const bwd = functions.get(`${stem}Backward`);
    const layer: DiscoveredLayer = {
      name: stem,
      convention: 'pair',
      exportName: fwd.name,
      line: line(fwd.start),
      endLine: line(Math.max(fwd.end, bwd?.end ?? 0)),
      inputNames: tag.inputNames,
      inputShapes: tag.inputShapes,
    };
    if (bwd) layer.backwardLine = line(bwd.start);
    if (tag.tolerance) layer.tolerance = tag.tolerance;
    if (tag.problem) layer.problem = tag.problem;
    layers.push(layer);
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

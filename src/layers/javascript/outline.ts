/**
 * The declarations of scanned JavaScript (scan.ts) that layers are made of: functions by
 * name with their extents and parameters' start, the keys of object literals, the comment
 * right above a declaration and the @gradcheck tag in it, and the naming rule that makes
 * two functions a forward/backward pair.
 */
import { parseGradcheckTag, type Tag } from '../tag';
import { matchBracket, OPEN, type Scanned } from './scan';

/** An identifier, as regular-expression source. */
export const IDENT = '[A-Za-z_$][\\w$]*';

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

export interface ObjectKey {
  key: string;
  keyPos: number;
  /** First non-space character of the value (or of the method's parameters). */
  valuePos: number;
}

/** The top-level keys of the object literal whose `{` is at `open`. */
export function objectKeys(code: string, text: string, open: number): ObjectKey[] {
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

export function stringLiteralAt(text: string, pos: number): string | undefined {
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
  while (
    k > 0 &&
    comments[k].text.startsWith('//') &&
    comments[k - 1].text.startsWith('//') &&
    !/\S/.test(text.slice(comments[k - 1].end, comments[k].start))
  ) {
    parts.unshift(comments[--k].text);
  }
  return parts.join('\n');
}

export interface Declaration {
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
export function functionDeclarations(code: string): Map<string, Declaration> {
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
export function pairOf(forwardName: string): { name: string; backwardName: string } | undefined {
  const m = /^(.+?)Forward(?![a-z])(.*)$/.exec(forwardName);
  return m ? { name: m[1] + m[2], backwardName: `${m[1]}Backward${m[2]}` } : undefined;
}

/** The forward's name for a function named like a pair's backward (affineBackward -> affineForward). */
export function forwardOf(backwardName: string): string | undefined {
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
export function tagAbove(scanned: Scanned, text: string, d: Declaration): Tag | undefined {
  const comment = commentAbove(scanned, text, d.start);
  const tag = comment === undefined ? undefined : parseGradcheckTag(comment);
  if (!tag?.problem || pairOf(d.name) || TAG_AT_LINE_START.test(comment!)) return tag;
  return undefined;
}

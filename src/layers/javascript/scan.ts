/**
 * JavaScript and TypeScript text with the contents of strings, template literals, regular
 * expressions and comments blanked out (same length, line breaks kept), so that code-like
 * text inside them is never mistaken for code; the comments are kept aside, for the
 * @gradcheck tags in them. No parse: it runs on every keystroke's worth of edits.
 */

export interface Comment {
  start: number;
  end: number;
  text: string;
}

export interface Scanned {
  /** The text with string contents and comments replaced by spaces (same length, newlines kept). */
  code: string;
  comments: Comment[];
}

/** Characters after which a `/` starts a regular expression rather than a division. */
const REGEX_PREFIX = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));

export function scanJavaScript(text: string): Scanned {
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

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

export function lineOf(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index of the bracket closing the one at `open`, in blanked code; the text's end if unbalanced. */
export function matchBracket(code: string, open: number): number {
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

/**
 * Python source as tokens and logical lines, by Python's own rules: string literals of
 * every kind (prefixes, triple quotes, escapes, f-string fields), comments, brackets and
 * backslashes that join physical lines, and indentation, which alone says where a block
 * ends. Code-like text in strings and comments never becomes a token of code. outline.ts
 * reads the definitions from this; notebook.ts scans each cell with it.
 */

export interface PyToken {
  kind: 'name' | 'number' | 'string' | 'op';
  /** Offsets into the text: [start, end). A string's start is at its prefix. */
  start: number;
  end: number;
  /** 0-based physical lines of the first and last character. */
  line: number;
  endLine: number;
  /** A string's prefix, lower-cased ('', 'r', 'f', 'rb', ...); '' for other tokens (one shape for all tokens keeps scanning fast). */
  prefix: string;
}

/** A logical line: tokens [first, end) joined across brackets and backslashes. */
export interface PyStatement {
  first: number;
  end: number;
  line: number;
  endLine: number;
  /** Width of its indentation, tabs to the next multiple of 8 as Python counts them. */
  indent: number;
}

export interface PyScan {
  text: string;
  tokens: PyToken[];
  statements: PyStatement[];
  /** For each statement, the index of the last statement of the block it opens (itself when it opens none). */
  blockEnd: number[];
  /** Comments alone on their line (nothing but whitespace before them), by 0-based line. */
  lineComments: Map<number, string>;
  /** Lines skipped as IPython magics or shell escapes (with ScanOptions.magics). */
  magicLines: Set<number>;
  lineStarts: number[];
}

export interface ScanOptions {
  /** Skip IPython magics and shell escapes: a logical line starting with `%` or `!` (notebook cells). */
  magics?: boolean;
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);
/**
 * One token (or run of blanks, a byte-order mark among them) at a time, by group: 1 blanks, 2 newline, 3 comment,
 * 4 backslash continuation, 5 name, 6 number, 7 quote, 8 operator. A regex consumes
 * each token natively, so even a file read once, before the JIT warms up, scans fast.
 */
const TOKEN = new RegExp(
  [
    /([ \t\f\r\v\ufeff]+)/,
    /(\n)/,
    /(#[^\n]*)/,
    /(\\\r?\n)/,
    /([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)/,
    /(0[xX][\da-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)/,
    /(["'])/,
    /(\*\*=|\/\/=|>>=|<<=|\.\.\.|->|:=|\*\*|\/\/|==|!=|<=|>=|<<|>>|[-+*/%&|^@]=|[^\s])/,
  ]
    .map((r) => r.source)
    .join('|'),
  'y',
);
/** A line that starts a definition: where an unclosed bracket above it is given up (see scanPython). */
const DEFINITION_START = /(?:async[ \t]+)?(?:def|class)[ \t]/y;
/** What can end or interrupt a string, by quote and by whether it is formatted (f/t). */
const STRING_STOPS: Record<string, RegExp> = { "'": /['\\\n]/g, '"': /["\\\n]/g, "f'": /['\\\n{]/g, 'f"': /["\\\n{]/g };

/** The end (exclusive) of the string literal whose opening quote is at `open`. */
function stringEnd(text: string, open: number, formatted: boolean): number {
  const quote = text[open];
  const triple = text[open + 1] === quote && text[open + 2] === quote;
  const stops = STRING_STOPS[formatted ? `f${quote}` : quote];
  let i = open + (triple ? 3 : 1);
  for (;;) {
    stops.lastIndex = i;
    if (!stops.test(text)) return text.length;
    i = stops.lastIndex - 1;
    const c = text[i];
    if (c === '\\') i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
    else if (c === quote) {
      if (!triple) return i + 1;
      if (text[i + 1] === quote && text[i + 2] === quote) return i + 3;
      i++;
    } else if (c === '\n') {
      if (!triple) return i;
      i++;
    } else i = text[i + 1] === '{' ? i + 2 : fieldEnd(text, i + 1, quote, triple);
  }
}

/**
 * The end of an f-string replacement field whose expression starts at `i`. Quotes in
 * the expression open nested strings (Python 3.12 lets them reuse the outer quote;
 * older code never has the outer quote there, so reading it this way suits both).
 */
function fieldEnd(text: string, i: number, outerQuote: string, triple: boolean): number {
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n' && !triple) return i;
    if (c === '"' || c === "'") {
      i = stringEnd(text, i, /[ft]/.test(prefixBefore(text, i)));
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (c === '}') {
      if (depth === 0) return i + 1;
      depth--;
    } else if (c === ':' && depth === 0) return formatSpecEnd(text, i + 1, outerQuote, triple);
    i++;
  }
  return text.length;
}

/** The end of a replacement field's format spec (literal text with nested `{...}` fields). */
function formatSpecEnd(text: string, i: number, outerQuote: string, triple: boolean): number {
  while (i < text.length) {
    const c = text[i];
    if ((c === '\n' || c === outerQuote) && !triple) return i;
    if (c === '\\') i += 2;
    else if (c === '{') i = fieldEnd(text, i + 1, outerQuote, triple);
    else if (c === '}') return i + 1;
    else i++;
  }
  return text.length;
}

/** The string prefix written just before the quote at `quote` ('' if none). */
function prefixBefore(text: string, quote: number): string {
  let start = quote;
  while (start > quote - 2 && start > 0 && /[A-Za-z]/.test(text[start - 1])) start--;
  if (start > 0 && /[\w\u0080-\uffff]/.test(text[start - 1])) return '';
  const prefix = text.slice(start, quote).toLowerCase();
  return STRING_PREFIXES.has(prefix) ? prefix : '';
}

function indentWidth(whitespace: string): number {
  let width = 0;
  for (const c of whitespace) width = c === '\t' ? (Math.floor(width / 8) + 1) * 8 : c === '\f' ? 0 : width + 1;
  return width;
}

/** Tokens, logical lines and own-line comments of Python source; one pass, no backtracking. */
export function scanPython(text: string, options: ScanOptions = {}): PyScan {
  const n = text.length;
  const lineStarts = [0];
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  const tokens: PyToken[] = [];
  const statements: PyStatement[] = [];
  const lineComments = new Map<number, string>();
  const magicLines = new Set<number>();
  let depth = 0;
  let line = 0;
  let first = -1; // first token of the open logical line, -1 when none is open
  let lineHasToken = false;

  const closeStatement = () => {
    if (first !== -1) {
      const head = tokens[first];
      const indent = indentWidth(text.slice(lineStarts[head.line], head.start));
      statements.push({ first, end: tokens.length, line: head.line, endLine: tokens[tokens.length - 1].endLine, indent });
    }
    first = -1;
    depth = 0;
  };
  const push = (kind: PyToken['kind'], start: number, end: number, endLine: number, prefix: string) => {
    if (first === -1) first = tokens.length;
    tokens.push({ kind, start, end, line, endLine, prefix });
    lineHasToken = true;
  };
  const pushString = (start: number, quote: number, prefix: string): number => {
    const end = stringEnd(text, quote, prefix.includes('f') || prefix.includes('t'));
    let endLine = line;
    for (let k = text.indexOf('\n', start); k !== -1 && k < end; k = text.indexOf('\n', k + 1)) endLine++;
    push('string', start, end, endLine, prefix);
    line = endLine;
    return end;
  };

  let i = 0;
  while (i < n) {
    if (options.magics && first === -1 && !lineHasToken && (text[i] === '%' || text[i] === '!')) {
      const stop = text.indexOf('\n', i);
      magicLines.add(line);
      i = stop === -1 ? n : stop;
      continue;
    }
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    const end = TOKEN.lastIndex;
    if (m === null)
      i++; // whitespace Python would reject anyway
    else if (m[1] !== undefined) {
      i = end;
    } else if (m[2] !== undefined) {
      i = end;
      line++;
      lineHasToken = false;
      if (depth === 0) closeStatement();
      else {
        // An unclosed bracket would swallow the rest of the file while someone types;
        // a column-0 def or class can never sit inside brackets, so it starts afresh.
        DEFINITION_START.lastIndex = i;
        if (DEFINITION_START.test(text)) closeStatement();
      }
    } else if (m[3] !== undefined) {
      if (!lineHasToken) lineComments.set(line, m[3].replace(/\r$/, ''));
      i = end;
    } else if (m[4] !== undefined) {
      i = end;
      line++;
    } else if (m[5] !== undefined) {
      const prefix = m[5].toLowerCase();
      if ((text[end] === '"' || text[end] === "'") && STRING_PREFIXES.has(prefix)) i = pushString(i, end, prefix);
      else {
        push('name', i, end, line, '');
        i = end;
      }
    } else if (m[6] !== undefined) {
      push('number', i, end, line, '');
      i = end;
    } else if (m[7] !== undefined) {
      i = pushString(i, i, '');
    } else {
      const op = m[8];
      if (op === '(' || op === '[' || op === '{') depth++;
      else if ((op === ')' || op === ']' || op === '}') && depth > 0) depth--;
      push('op', i, end, line, '');
      i = end;
    }
  }
  closeStatement();

  // Each block ends before the first later statement indented no deeper than its header.
  const blockEnd = statements.map((_, k) => k);
  const open: number[] = [];
  statements.forEach((s, k) => {
    while (open.length > 0 && statements[open[open.length - 1]].indent >= s.indent) blockEnd[open.pop()!] = k - 1;
    open.push(k);
  });
  for (const k of open) blockEnd[k] = statements.length - 1;
  return { text, tokens, statements, blockEnd, lineComments, magicLines, lineStarts };
}

/** The source text of a token. */
export function tokenText(scan: PyScan, k: number): string {
  return scan.text.slice(scan.tokens[k].start, scan.tokens[k].end);
}

/** Whether token k is the operator or name `text`. */
export function tokenIs(scan: PyScan, k: number, text: string): boolean {
  const t = scan.tokens[k];
  return t !== undefined && t.kind !== 'string' && t.end - t.start === text.length && scan.text.startsWith(text, t.start);
}

/** The index of the bracket token closing the one at `open`, or `end` when it is not closed before `end`. */
export function closingBracket(scan: PyScan, open: number, end: number): number {
  let depth = 0;
  for (let k = open; k < end; k++) {
    const t = scan.tokens[k];
    if (t.kind !== 'op' || t.end - t.start !== 1) continue;
    const c = scan.text[t.start];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') if (--depth === 0) return k;
  }
  return end;
}

/** Token ranges [from, to) of the parts of [from, end) separated by `separator` (an operator or keyword) outside brackets. */
export function splitTokens(scan: PyScan, from: number, end: number, separator: string): [number, number][] {
  const parts: [number, number][] = [];
  let start = from;
  let depth = 0;
  for (let k = from; k < end; k++) {
    const t = scan.tokens[k];
    if (t.kind === 'string' || t.kind === 'number') continue;
    const c = scan.text[t.start];
    if (t.kind === 'op' && t.end - t.start === 1 && (c === '(' || c === '[' || c === '{')) depth++;
    else if (t.kind === 'op' && t.end - t.start === 1 && (c === ')' || c === ']' || c === '}')) depth--;
    else if (depth === 0 && tokenIs(scan, k, separator)) {
      parts.push([start, k]);
      start = k + 1;
    }
  }
  parts.push([start, end]);
  return parts;
}

/**
 * The outline of Python source, from its text alone: tokens and logical lines by
 * Python's own rules (string literals of every kind, with prefixes, triple quotes,
 * escapes and f-string fields; comments; brackets and backslashes that join physical
 * lines; indentation, which alone says where a block ends), then the top-level
 * definitions with their decorators, parameters, methods, docstrings and the
 * @gradcheck tag above them. Code-like text in strings and comments never becomes a
 * def. discover.ts reads layers from this outline; notebook.ts reuses it per cell.
 */

// ---------------------------------------------------------------------------------------
// Scanning: tokens and logical lines.

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
    if (m === null) i++; // whitespace Python would reject anyway
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
function tokenIs(scan: PyScan, k: number, text: string): boolean {
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

// ---------------------------------------------------------------------------------------
// The outline: top-level functions and classes.

export interface PyParam {
  name: string;
  hasDefault: boolean;
  /** After `*` or `*args`: it cannot be passed positionally. */
  keywordOnly: boolean;
}

export interface PyMethod {
  name: string;
  line: number;
  endLine: number;
  params: PyParam[];
}

export interface PyDefinition {
  kind: 'def' | 'class';
  name: string;
  /** 0-based line of the `def`/`class` keyword, and the block's last line. */
  line: number;
  endLine: number;
  /** The first decorator's line, or `line`: where a tag goes; and that line's indentation. */
  insertLine: number;
  indent: string;
  /** The first line of the comment lines directly above insertLine, when there are any. */
  commentLine?: number;
  /** Statements from the first decorator to the block's last statement. */
  firstStatement: number;
  lastStatement: number;
  /** The @gradcheck tag's text (from the comments above or the docstring), when tagged. */
  tag?: string;
  /** A function's parameters. */
  params: PyParam[];
  /** A class's bases as written, without spaces (`torch.autograd.Function`); keywords left out. */
  bases: string[];
  /** A class's methods, by name (the last definition wins, as in Python). */
  methods: Map<string, PyMethod>;
  /** A function has a `return a, b` (two values). */
  returnsPair: boolean;
  /** ... whose second value mentions a gradient (grads, dx, dW, d_out). */
  returnsGradient: boolean;
}

/** If statement s starts a def or class: its keyword, name and the name's token. */
function definitionHead(scan: PyScan, s: number): { kind: 'def' | 'class'; name: string; nameToken: number } | undefined {
  const { first, end } = scan.statements[s];
  let k = first;
  if (tokenIs(scan, k, 'async')) k++;
  const kind = tokenIs(scan, k, 'def') ? 'def' : tokenIs(scan, k, 'class') && k === first ? 'class' : undefined;
  if (!kind || k + 1 >= end || scan.tokens[k + 1].kind !== 'name') return undefined;
  return { kind, name: tokenText(scan, k + 1), nameToken: k + 1 };
}

function isDecorator(scan: PyScan, s: number): boolean {
  return tokenIs(scan, scan.statements[s].first, '@');
}

function readParams(scan: PyScan, open: number, close: number): PyParam[] {
  const params: PyParam[] = [];
  let keywordOnly = false;
  for (const [from, to] of splitTokens(scan, open + 1, close, ',')) {
    if (from >= to || tokenIs(scan, from, '**') || tokenIs(scan, from, '/')) continue;
    if (tokenIs(scan, from, '*')) {
      keywordOnly = true;
      continue;
    }
    if (scan.tokens[from].kind !== 'name') continue;
    const hasDefault = splitTokens(scan, from, to, '=').length > 1;
    params.push({ name: tokenText(scan, from), hasDefault, keywordOnly });
  }
  return params;
}

/** The token index of the `:` ending a def or class header, from the token after its name. */
function headerColon(scan: PyScan, from: number, end: number): number {
  let depth = 0;
  for (let k = from; k < end; k++) {
    if (scan.tokens[k].kind !== 'op') continue;
    const c = scan.text[scan.tokens[k].start];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && tokenIs(scan, k, ':')) return k;
  }
  return end;
}

/** The docstring's token: the first thing in the body (same line or the next statement). */
function docstringToken(scan: PyScan, s: number, colon: number): number | undefined {
  const { end } = scan.statements[s];
  if (colon + 1 < end) return scan.tokens[colon + 1].kind === 'string' ? colon + 1 : undefined;
  if (scan.blockEnd[s] === s) return undefined;
  const body = scan.statements[s + 1].first;
  return scan.tokens[body].kind === 'string' ? body : undefined;
}

function stringContent(scan: PyScan, k: number): string {
  const t = scan.tokens[k];
  const literal = scan.text.slice(t.start + t.prefix.length, t.end);
  const q = literal.startsWith('"""') || literal.startsWith("'''") ? 3 : 1;
  const closed = literal.length >= 2 * q && literal.endsWith(literal.slice(0, q));
  return literal.slice(q, closed ? literal.length - q : literal.length);
}

/** The start of a tag argument: `name:[`, `name:int[` or `name=`. */
const TAG_ARG_START = /^\s*[A-Za-z_$][\w$]*\s*(?::\s*(?:int\s*)?\[|=)/;

function bracketBalance(line: string): number {
  let balance = 0;
  let inString = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (inString) {
      if (c === '\\') k++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') balance++;
    else if (c === ']' || c === '}') balance--;
  }
  return balance;
}

/**
 * The tag in these lines (comment markers removed): its line, and the lines after it
 * that continue it (those that start with an argument or close an open bracket).
 * Prose after a tag ("Computes the affine forward pass.") is not part of it, so a
 * tagged docstring or comment block can go on to explain the layer.
 */
function tagWithin(lines: string[], onlyFirstLine: boolean): string | undefined {
  const start = lines.findIndex((l) => /@gradcheck\b/.test(l));
  if (start === -1) return undefined;
  if (onlyFirstLine && lines.slice(0, start).some((l) => l.trim() !== '')) return undefined;
  const parts = [lines[start]];
  let open = bracketBalance(lines[start]);
  for (let k = start + 1; k < lines.length && (open > 0 || TAG_ARG_START.test(lines[k])); k++) {
    parts.push(lines[k]);
    open += bracketBalance(lines[k]);
  }
  return parts.join('\n');
}

/** The contiguous own-line comments ending on the line above `line`: [first line, texts]. */
function commentsAbove(scan: PyScan, line: number): { first: number; texts: string[] } | undefined {
  let first = line;
  while (scan.lineComments.has(first - 1)) first--;
  if (first === line) return undefined;
  const texts: string[] = [];
  for (let l = first; l < line; l++) texts.push(scan.lineComments.get(l)!.replace(/^\s*#+/, ''));
  return { first, texts };
}

/** A gradient's name: grads, dx_grad, dW, d_out, dscores (not data, dim or done). */
const GRADIENT_NAME = /grad|^d[A-Z_\d]|^d(?:x|w|b|h|y|z|a|s|q|k|v|out|in|input|inputs|scores|logits|probs|theta|params?|gamma|beta|weights?|bias)\d*$/;

/** Whether a function's own body (not nested functions) returns two values, the second a gradient. */
function returnShape(scan: PyScan, s: number, colon: number): { pair: boolean; gradient: boolean } {
  const shape = { pair: false, gradient: false };
  const look = (from: number, end: number) => {
    if (!tokenIs(scan, from, 'return')) return;
    let parts = splitTokens(scan, from + 1, end, ',');
    if (parts.length === 1 && tokenIs(scan, from + 1, '(') && closingBracket(scan, from + 1, end) === end - 1) {
      parts = splitTokens(scan, from + 2, end - 1, ',');
    }
    if (parts.length === 3 && parts[2][0] === parts[2][1]) parts.pop();
    if (parts.length !== 2 || parts[1][0] === parts[1][1]) return;
    shape.pair = true;
    for (let k = parts[1][0]; k < parts[1][1]; k++) {
      if (scan.tokens[k].kind === 'name' && GRADIENT_NAME.test(tokenText(scan, k))) shape.gradient = true;
    }
  };
  const { end } = scan.statements[s];
  if (colon + 1 < end) for (const [from, to] of splitTokens(scan, colon + 1, end, ';')) look(from, to);
  for (let k = s + 1; k <= scan.blockEnd[s]; k++) {
    if (definitionHead(scan, k)) {
      k = scan.blockEnd[k];
      continue;
    }
    const st = scan.statements[k];
    for (const [from, to] of splitTokens(scan, st.first, st.end, ';')) look(from, to);
  }
  return shape;
}

function classBases(scan: PyScan, nameToken: number, end: number): string[] {
  if (!tokenIs(scan, nameToken + 1, '(')) return [];
  const close = closingBracket(scan, nameToken + 1, end);
  return splitTokens(scan, nameToken + 2, close, ',')
    .filter(([from, to]) => from < to && splitTokens(scan, from, to, '=').length === 1)
    .map(([from, to]) => scan.text.slice(scan.tokens[from].start, scan.tokens[to - 1].end).replace(/\s+/g, ''));
}

function classMethods(scan: PyScan, s: number): Map<string, PyMethod> {
  const methods = new Map<string, PyMethod>();
  const last = scan.blockEnd[s];
  if (last === s) return methods;
  const bodyIndent = scan.statements[s + 1].indent;
  for (let k = s + 1; k <= last; k = scan.blockEnd[k] + 1) {
    if (scan.statements[k].indent !== bodyIndent) continue;
    const head = definitionHead(scan, k);
    if (head?.kind !== 'def') continue;
    const open = head.nameToken + 1;
    const { end } = scan.statements[k];
    const params = tokenIs(scan, open, '(') ? readParams(scan, open, closingBracket(scan, open, end)) : [];
    methods.set(head.name, { name: head.name, line: scan.statements[k].line, endLine: scan.statements[scan.blockEnd[k]].endLine, params });
  }
  return methods;
}

/** Every top-level def and class of scanned source, in order, with what discovery needs to know. */
export function topLevelDefinitions(scan: PyScan): PyDefinition[] {
  const { statements, blockEnd } = scan;
  const found: PyDefinition[] = [];
  let decoratorStart = -1;
  for (let s = 0; s < statements.length; s = blockEnd[s] + 1) {
    if (statements[s].indent !== 0) continue;
    if (isDecorator(scan, s)) {
      if (decoratorStart === -1) decoratorStart = s;
      continue;
    }
    const firstStatement = decoratorStart === -1 ? s : decoratorStart;
    decoratorStart = -1;
    const head = definitionHead(scan, s);
    if (!head) continue;
    const { end, line } = statements[s];
    const insertLine = statements[firstStatement].line;
    const colon = headerColon(scan, head.nameToken + 1, end);
    const definition: PyDefinition = {
      kind: head.kind,
      name: head.name,
      line,
      endLine: statements[blockEnd[s]].endLine,
      insertLine,
      indent: /^[ \t]*/.exec(scan.text.slice(scan.lineStarts[insertLine], scan.lineStarts[insertLine] + 200))![0],
      firstStatement,
      lastStatement: blockEnd[s],
      params: [],
      bases: [],
      methods: new Map(),
      returnsPair: false,
      returnsGradient: false,
    };
    // The tag: comments above the decorators (or between them and the def), else the docstring.
    const above = commentsAbove(scan, insertLine);
    if (above) definition.commentLine = above.first;
    let tag = above && tagWithin(above.texts, false);
    if (!tag && insertLine !== line) tag = tagWithin(commentsAbove(scan, line)?.texts ?? [], false);
    const doc = docstringToken(scan, s, colon);
    if (!tag && doc !== undefined) tag = tagWithin(stringContent(scan, doc).split(/\r?\n/), true);
    if (tag) definition.tag = tag;

    if (head.kind === 'def') {
      const open = head.nameToken + 1;
      if (tokenIs(scan, open, '(')) definition.params = readParams(scan, open, closingBracket(scan, open, end));
      const shape = returnShape(scan, s, colon);
      definition.returnsPair = shape.pair;
      definition.returnsGradient = shape.gradient;
    } else {
      definition.bases = classBases(scan, head.nameToken, end);
      definition.methods = classMethods(scan, s);
    }
    found.push(definition);
  }
  return found;
}


/**
 * The outline of scanned Python source (scan.ts): its top-level functions and classes with
 * their decorators, parameters, methods, docstrings, the shape of what they return, and
 * the @gradcheck tag above them (in the comments or the docstring's first line).
 * discover.ts reads layers from this outline; notebook.ts reuses it per cell.
 */
import { outsideJsonStrings } from '../tag';
import { closingBracket, type PyScan, splitTokens, tokenIs, tokenText } from './scan';

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
  for (const k of outsideJsonStrings(line)) {
    const c = line[k];
    if (c === '[' || c === '{') balance++;
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
const GRADIENT_NAME =
  /grad|^d[A-Z_\d]|^d(?:x|w|b|h|y|z|a|s|q|k|v|out|in|input|inputs|scores|logits|probs|theta|params?|gamma|beta|weights?|bias)\d*$/;

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

/**
 * Notebooks (.ipynb, nbformat 4): their cells, the layers defined across them, and a
 * definitions-only program to check those layers with.
 *
 * A notebook is not a module: its top level trains models, plots and shells out. To
 * check a layer GradLens needs the definitions without the rest, so the program keeps
 * only what defines names and cannot reasonably fail: imports, def and class blocks
 * (with decorators and tag comments), and assignments of literal values whose shape
 * matches their targets. Calls, loops, if/with/try blocks, `raise`, magics and shell
 * escapes are left out, because running any of them could take minutes or raise
 * before a single layer is checked. Cells are scanned one at a time with the same
 * scanner as .py files, so an unclosed string in one cell never hides the next.
 */
import type { DiscoveredLayer, TagCandidate } from '../types';
import { pythonCandidatesOf, pythonLayersOf, type PyUnit } from './discover';
import { topLevelDefinitions } from './outline';
import { closingBracket, scanPython, splitTokens, tokenText, type PyScan, type PyToken } from './scan';

export interface NotebookCell {
  /** 0-based position among all the notebook's cells (messages say index + 1). */
  index: number;
  kind: 'code' | 'markdown' | 'raw';
  source: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A notebook's cells; throws an Error saying what is wrong and where when the JSON is not an nbformat 4 notebook. */
export function parseNotebook(json: string): NotebookCell[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`the notebook is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(doc)) throw new Error('the notebook is not a JSON object');
  if (typeof doc.nbformat === 'number' && doc.nbformat !== 4)
    throw new Error(`the notebook is nbformat ${doc.nbformat}; only nbformat 4 is read (save it again from Jupyter)`);
  if (!Array.isArray(doc.cells)) throw new Error('the notebook has no cells array');
  return doc.cells.map((cell: unknown, index: number): NotebookCell => {
    // Messages count cells from 1, as a reader counts them down the notebook.
    const at = `cell ${index + 1}`;
    if (!isRecord(cell)) throw new Error(`${at} is not an object`);
    const kind = cell.cell_type;
    if (kind !== 'code' && kind !== 'markdown' && kind !== 'raw') {
      throw new Error(`${at} has cell_type ${JSON.stringify(kind) ?? 'missing'}; expected "code", "markdown" or "raw"`);
    }
    const { source } = cell;
    if (source === undefined) throw new Error(`${at} has no source`);
    if (typeof source === 'string') return { index, kind, source };
    if (Array.isArray(source) && source.every((s) => typeof s === 'string')) return { index, kind, source: source.join('') };
    throw new Error(`${at} has a source that is neither a string nor a list of strings`);
  });
}

/** The code cells of a notebook's JSON, each with its index among all cells. Throws as parseNotebook does. */
export function notebookCodeCells(json: string): { index: number; source: string }[] {
  return parseNotebook(json)
    .filter((c) => c.kind === 'code')
    .map(({ index, source }) => ({ index, source }));
}

/** Cell magics whose body is still Python run once; any other `%%` cell (bash, html, writefile...) is not Python. */
const PYTHON_CELL_MAGICS = new Set(['time', 'capture', 'prun']);

function isPythonCell(source: string): boolean {
  const magic = /^\s*%%(\w+)/.exec(source);
  return !magic || PYTHON_CELL_MAGICS.has(magic[1]);
}

interface ScannedCell {
  index: number;
  scan: PyScan;
  unit: PyUnit;
}

function scanCells(cells: { index: number; source: string }[]): ScannedCell[] {
  return cells
    .filter((c) => isPythonCell(c.source))
    .map((c) => {
      const scan = scanPython(c.source, { magics: true });
      return { index: c.index, scan, unit: { cell: c.index, definitions: topLevelDefinitions(scan) } };
    });
}

/**
 * The layers tagged anywhere in the notebook, each with its `cell` and lines within that
 * cell. A pair's backward may be defined in another cell (the last definition in cell
 * order wins, as when the notebook runs top to bottom): `backwardLine` is then a line of
 * the backward's own cell, and `endLine` is the forward's own end.
 */
export function discoverNotebookLayers(cells: { index: number; source: string }[]): DiscoveredLayer[] {
  return pythonLayersOf(
    scanCells(cells).map((c) => c.unit),
    'this notebook',
  );
}

/** Untagged layer-like definitions anywhere in the notebook (a pair's halves may be in different cells). */
export function discoverNotebookCandidates(cells: { index: number; source: string }[]): TagCandidate[] {
  return pythonCandidatesOf(scanCells(cells).map((c) => c.unit));
}

// ---------------------------------------------------------------------------------------
// Literal assignments: `X = 3`, `a, b = 1, 2`, `N: int = 4`, `cfg = {"stride": 2}`.

type Literal = { kind: 'atom'; hashable: true } | { kind: 'tuple' | 'list' | 'set' | 'dict'; items: Literal[]; hashable: boolean };
type Target = { kind: 'name' } | { kind: 'sequence'; items: Target[] };

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);
/** Annotations that evaluate without any import (annotations at the top level are evaluated). */
const BUILTIN_TYPES = new Set([
  'int',
  'float',
  'complex',
  'bool',
  'str',
  'bytes',
  'list',
  'tuple',
  'dict',
  'set',
  'frozenset',
  'object',
  'type',
  'None',
]);

/** Reads literals from tokens [k, end); every reader returns undefined for anything that is not one. */
class LiteralReader {
  constructor(
    private readonly scan: PyScan,
    private k: number,
    private readonly end: number,
  ) {}

  private text(k = this.k): string {
    return k < this.end ? tokenText(this.scan, k) : '';
  }

  private token(k = this.k): PyToken | undefined {
    return k < this.end ? this.scan.tokens[k] : undefined;
  }

  /** A whole expression list: `1, 2` is a tuple. Only succeeds when it uses every token. */
  readAll(): Literal | undefined {
    if (this.k >= this.end) return undefined;
    const items = this.readList(this.end);
    if (!items || this.k !== this.end) return undefined;
    return items.trailingComma || items.values.length !== 1 ? tuple(items.values) : items.values[0];
  }

  private readList(stop: number): { values: Literal[]; trailingComma: boolean } | undefined {
    const values: Literal[] = [];
    let trailingComma = false;
    while (this.k < stop) {
      const value = this.readValue();
      if (!value) return undefined;
      values.push(value);
      trailingComma = false;
      if (this.k < stop && this.text() !== ',') return undefined;
      if (this.k < stop) {
        this.k++;
        trailingComma = true;
      }
    }
    return { values, trailingComma };
  }

  private readValue(): Literal | undefined {
    const t = this.token();
    if (!t) return undefined;
    const text = this.text();
    if (t.kind === 'number') {
      this.k++;
      return { kind: 'atom', hashable: true };
    }
    if (t.kind === 'string') {
      // Adjacent strings concatenate; f- and t-strings run code, and bytes cannot join str.
      const bytes = t.prefix.includes('b');
      while (this.token()?.kind === 'string') {
        const p = this.scan.tokens[this.k].prefix;
        if (/[ft]/.test(p) || p.includes('b') !== bytes) return undefined;
        this.k++;
      }
      return { kind: 'atom', hashable: true };
    }
    if (text === 'None' || text === 'True' || text === 'False' || text === '...') {
      this.k++;
      return { kind: 'atom', hashable: true };
    }
    if (text === '-' || text === '+') {
      this.k++;
      return this.token()?.kind === 'number' ? this.readValue() : undefined;
    }
    if (text === '(' || text === '[' || text === '{') return this.readBracketed(text);
    return undefined;
  }

  private readBracketed(open: string): Literal | undefined {
    const close = closingBracket(this.scan, this.k, this.end);
    if (close === this.end) return undefined;
    const outer = this.k;
    this.k++;
    if (open === '{' && this.k < close && splitTokens(this.scan, this.k, close, ':').length > 1) return this.readDict(close);
    const items = this.readList(close);
    if (!items) return undefined;
    this.k = close + 1;
    if (open === '[') return { kind: 'list', items: items.values, hashable: false };
    if (open === '{') {
      if (items.values.length === 0) return { kind: 'dict', items: [], hashable: false };
      return items.values.every((v) => v.hashable) ? { kind: 'set', items: items.values, hashable: false } : undefined;
    }
    // `(1)` is the number; `(1,)` and `()` are tuples.
    if (items.values.length === 1 && !items.trailingComma && close > outer + 1) return items.values[0];
    return tuple(items.values);
  }

  private readDict(close: number): Literal | undefined {
    const items: Literal[] = [];
    for (const [from, to] of splitTokens(this.scan, this.k, close, ',')) {
      if (from === to && to === close) continue;
      const pair = splitTokens(this.scan, from, to, ':');
      if (pair.length !== 2) return undefined;
      const key = new LiteralReader(this.scan, pair[0][0], pair[0][1]).readAll();
      const value = new LiteralReader(this.scan, pair[1][0], pair[1][1]).readAll();
      if (!key?.hashable || !value) return undefined;
      items.push(value);
    }
    this.k = close + 1;
    return { kind: 'dict', items, hashable: false };
  }
}

function tuple(items: Literal[]): Literal {
  return { kind: 'tuple', items, hashable: items.every((i) => i.hashable) };
}

/** An assignment target of plain names: `x`, `a, b`, `(a, [b, c])`. */
function readTarget(scan: PyScan, from: number, to: number): Target | undefined {
  const parts = splitTokens(scan, from, to, ',');
  if (parts.length > 1) {
    if (parts[parts.length - 1][0] === to) parts.pop();
    const items = parts.map(([f, t]) => readTarget(scan, f, t));
    return items.every((i) => i !== undefined) ? { kind: 'sequence', items: items as Target[] } : undefined;
  }
  const text = from < to ? tokenText(scan, from) : '';
  if (to === from + 1 && scan.tokens[from].kind === 'name' && !KEYWORDS.has(text) && text !== '__debug__') return { kind: 'name' };
  if ((text === '(' || text === '[') && closingBracket(scan, from, to) === to - 1) {
    const inner = readTarget(scan, from + 1, to - 1);
    if (inner?.kind === 'sequence' || (inner && text === '(')) return inner;
    return inner && { kind: 'sequence', items: [inner] };
  }
  return undefined;
}

/** Whether unpacking `value` into `target` succeeds (a length mismatch raises). */
function fits(target: Target, value: Literal): boolean {
  if (target.kind === 'name') return true;
  if (value.kind !== 'tuple' && value.kind !== 'list') return false;
  return value.items.length === target.items.length && target.items.every((t, k) => fits(t, value.items[k]));
}

function isBuiltinAnnotation(scan: PyScan, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let k = from; k < to; k++) {
    const t = scan.tokens[k];
    const text = tokenText(scan, k);
    if (
      t.kind === 'string'
        ? /[ft]/.test(t.prefix)
        : t.kind === 'name'
          ? !BUILTIN_TYPES.has(text)
          : !['[', ']', ',', '|', '...'].includes(text)
    )
      return false;
  }
  return true;
}

/** `name = <literal>`, `a, b = <literals>`, `x = y = <literal>`, `N: int = <literal>`. */
function isLiteralAssignment(scan: PyScan, from: number, to: number): boolean {
  const parts = splitTokens(scan, from, to, '=');
  if (parts.length < 2) return false;
  const [valueFrom, valueTo] = parts[parts.length - 1];
  const value = new LiteralReader(scan, valueFrom, valueTo).readAll();
  if (!value) return false;
  const targets = parts.slice(0, -1);
  const annotated = splitTokens(scan, targets[0][0], targets[0][1], ':');
  if (annotated.length > 1) {
    if (targets.length !== 1 || annotated.length !== 2) return false;
    const [[nameFrom, nameTo], [annotationFrom, annotationTo]] = annotated;
    return (
      nameTo === nameFrom + 1 &&
      readTarget(scan, nameFrom, nameTo)?.kind === 'name' &&
      isBuiltinAnnotation(scan, annotationFrom, annotationTo)
    );
  }
  return targets.every(([f, t]) => {
    const target = readTarget(scan, f, t);
    return target !== undefined && fits(target, value);
  });
}

/** `import x` or an absolute `from x import y` (a relative import has no package to be relative to). */
function isImport(scan: PyScan, from: number, to: number): boolean {
  const head = tokenText(scan, from);
  if (head === 'import') return to > from + 1;
  return head === 'from' && from + 1 < to && scan.tokens[from + 1].kind === 'name' && splitTokens(scan, from, to, 'import').length === 2;
}

function isFutureImport(scan: PyScan, from: number): boolean {
  return tokenText(scan, from) === 'from' && tokenText(scan, from + 1) === '__future__';
}

/**
 * A definitions-only Python program from code cells in order (see the top of this file
 * for what is kept). `lines[k]` is where line k (0-based) of `source` came from: a cell
 * index and a 0-based line in that cell, so a traceback's line maps back to the cell.
 * `from __future__` imports go first, where Python requires them.
 */
export function notebookDefinitions(cells: { index: number; source: string }[]): {
  source: string;
  lines: { cell: number; line: number }[];
} {
  const future: { text: string; at: { cell: number; line: number } }[] = [];
  const body: { text: string; at: { cell: number; line: number } }[] = [];
  for (const { index, scan, unit } of scanCells(cells)) {
    const physical = scan.text.split('\n').map((l) => l.replace(/\r$/, ''));
    const keep = (to: typeof body, fromLine: number, toLine: number) => {
      for (let l = fromLine; l <= toLine; l++) {
        // A magic inside a def stays a statement, so a block it alone made up is still a block.
        const text = scan.magicLines.has(l) ? `${/^[ \t]*/.exec(physical[l])![0]}pass` : physical[l];
        to.push({ text, at: { cell: index, line: l } });
      }
    };
    const definitionAt = new Map(unit.definitions.map((d) => [d.firstStatement, d]));
    const { statements, blockEnd } = scan;
    for (let s = 0; s < statements.length; s = blockEnd[s] + 1) {
      const definition = definitionAt.get(s);
      if (definition) {
        keep(body, definition.commentLine ?? definition.insertLine, definition.endLine);
        s = definition.lastStatement;
        continue;
      }
      const st = statements[s];
      if (st.indent !== 0 || blockEnd[s] !== s) continue;
      const parts = splitTokens(scan, st.first, st.end, ';').filter(([f, t]) => f < t);
      if (parts.length === 0 || !parts.every(([f, t]) => isImport(scan, f, t) || isLiteralAssignment(scan, f, t))) continue;
      keep(parts.length === 1 && isFutureImport(scan, st.first) ? future : body, st.line, st.endLine);
    }
  }
  const all = [...future, ...body];
  return { source: all.map((l) => `${l.text}\n`).join(''), lines: all.map((l) => l.at) };
}

/**
 * Giving a workspace the types of `gradlens` (the "Add Types for 'gradlens' Imports" command):
 * which config lists them, and the edit to its text. Pure text in, text out (no vscode), so it
 * is tested without an editor.
 *
 * The types are one ambient file (dist/gradlens.d.ts, copied to .gradlens/gradlens.d.ts beside
 * the config). TypeScript uses an ambient file only when it is part of the project, and its
 * wildcards never match a folder starting with '.', so the config names the file itself.
 */

/** Where the copy of the types goes, relative to the folder of the config that lists it. */
export const TYPES_PATH = '.gradlens/gradlens.d.ts';

/** Config file names TypeScript looks for in each folder, in its order. */
export const CONFIG_NAMES = ['tsconfig.json', 'jsconfig.json'] as const;

export type ConfigEdit =
  | { kind: 'unchanged' }
  | { kind: 'edited'; text: string; listedIn: 'files' | 'include' }
  | { kind: 'manual'; reason: string };

/** Where a file mentions the module `gradlens` (import, export from, import(), require()): the offset just inside the quotes. */
export function gradlensSpecifierOffset(text: string): number | undefined {
  const m = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)(['"])gradlens\1/m.exec(text);
  return m ? m.index + m[0].length - 'gradlens'.length - 1 : undefined;
}

/** The config GradLens writes when a folder has none: a jsconfig, as for a folder of loose files. */
export function newJsConfig(): string {
  return (
    '{\n' +
    `  // Written by GradLens so the editor knows the types of 'gradlens' (${TYPES_PATH}).\n` +
    '  "compilerOptions": { "target": "ES2022", "module": "ESNext", "moduleResolution": "bundler", "checkJs": false },\n' +
    `  "include": ["**/*", "${TYPES_PATH}"]\n` +
    '}\n'
  );
}

/**
 * Adds TYPES_PATH to a tsconfig/jsconfig (JSON with comments), keeping everything else as
 * written: to `files` when it has one (an exact list), else to `include`. A config with neither
 * includes everything by default, so it gets `include: ["**\/*", TYPES_PATH]`, unless it extends
 * another config whose `include` it would then override: that one is left to the user.
 */
export function addTypesToConfig(text: string, typesPath = TYPES_PATH): ConfigEdit {
  let top: TopLevel;
  try {
    top = scanTopLevel(text);
  } catch (e) {
    return { kind: 'manual', reason: `it is not valid JSON with comments (${(e as Error).message})` };
  }
  const quoted = JSON.stringify(typesPath);
  const target = top.arrays.get('files') ? 'files' : top.arrays.get('include') ? 'include' : undefined;
  if (target) {
    const array = top.arrays.get(target)!;
    if (array.strings.includes(typesPath)) return { kind: 'unchanged' };
    const edited =
      array.lastValueEnd === undefined
        ? text.slice(0, array.open + 1) + quoted + text.slice(array.open + 1)
        : `${text.slice(0, array.lastValueEnd)}, ${quoted}${text.slice(array.lastValueEnd)}`;
    return { kind: 'edited', text: edited, listedIn: target };
  }
  for (const key of ['files', 'include'] as const) {
    if (top.keys.has(key)) return { kind: 'manual', reason: `its "${key}" is not a list of paths` };
  }
  if (top.keys.has('extends')) {
    return { kind: 'manual', reason: 'it extends another config, whose "include" an added one would replace' };
  }
  const member = `"include": ["**/*", ${quoted}]`;
  const insert = top.empty ? `\n  ${member}\n` : `\n  ${member},`;
  return { kind: 'edited', text: text.slice(0, top.open + 1) + insert + text.slice(top.open + 1), listedIn: 'include' };
}

interface ArrayInfo {
  /** Offset of '['. */
  open: number;
  /** End offset of the last element, or undefined for an empty array. */
  lastValueEnd?: number;
  /** The string elements' values. */
  strings: string[];
}

interface TopLevel {
  /** Offset of the top-level '{'. */
  open: number;
  empty: boolean;
  keys: Set<string>;
  /** Top-level members whose value is an array. */
  arrays: Map<string, ArrayInfo>;
}

type Token =
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'punct' | 'word'; value: string; start: number; end: number };

/** JSONC's tokens, comments and white space dropped. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (text.startsWith('//', i)) i = text.includes('\n', i) ? text.indexOf('\n', i) : text.length;
    else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unclosed comment at offset ${i}`);
      i = end + 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new Error(`unclosed string at offset ${i}`);
      tokens.push({ kind: 'string', value: JSON.parse(text.slice(i, j + 1)) as string, start: i, end: j + 1 });
      i = j + 1;
    } else if ('{}[]:,'.includes(c)) {
      tokens.push({ kind: 'punct', value: c, start: i, end: i + 1 });
      i++;
    } else {
      const m = /^[^\s{}[\]:,"/]+/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected '${c}' at offset ${i}`);
      tokens.push({ kind: 'word', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    }
  }
  return tokens;
}

function scanTopLevel(text: string): TopLevel {
  const tokens = tokenize(text);
  if (tokens[0]?.value !== '{' || tokens[0].kind !== 'punct') throw new Error('it does not start with {');
  const top: TopLevel = { open: tokens[0].start, empty: tokens[1]?.value === '}', keys: new Set(), arrays: new Map() };
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'punct' && (t.value === '{' || t.value === '[')) depth++;
    else if (t.kind === 'punct' && (t.value === '}' || t.value === ']')) {
      depth--;
      if (depth < 0) throw new Error(`unbalanced '${t.value}' at offset ${t.start}`);
    } else if (depth === 1 && t.kind === 'string' && tokens[k + 1]?.value === ':') {
      top.keys.add(t.value);
      const open = tokens[k + 2];
      if (open?.kind === 'punct' && open.value === '[') top.arrays.set(t.value, readArray(tokens, k + 2));
    }
  }
  if (depth !== 0) throw new Error('a { or [ is never closed');
  return top;
}

/** A flat array's elements from its '[' token (nested values count as elements but are not read). */
function readArray(tokens: Token[], openIndex: number): ArrayInfo {
  const info: ArrayInfo = { open: tokens[openIndex].start, strings: [] };
  let depth = 0;
  for (let k = openIndex; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'punct' && (t.value === '[' || t.value === '{')) depth++;
    if (t.kind === 'punct' && (t.value === ']' || t.value === '}')) {
      depth--;
      if (depth === 0) return info;
      if (depth === 1) info.lastValueEnd = t.end;
    } else if (depth === 1 && !(t.kind === 'punct' && t.value === ',')) {
      if (t.kind === 'string') info.strings.push(t.value);
      if (!(t.kind === 'punct' && t.value === '[' && k === openIndex)) info.lastValueEnd = t.end;
    }
  }
  throw new Error('an array is never closed');
}

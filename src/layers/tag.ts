/**
 * The `@gradcheck` tag, one grammar for every language GradLens reads:
 *
 *   @gradcheck x:[2,3,4] y:int[2]<5 conv_param={"stride": 2, "pad": 1} atol=1e-4
 *
 * - `name:[d1,...]`     a checked float64 input, seeded standard normal;
 * - `name:int[d1,...]<K` integer labels in [0, K), passed but not checked;
 * - `name=<JSON>`        a constant passed as it is (the JSON may contain spaces);
 * - `atol=`, `rtol=`, `eps=` the layer's tolerances.
 * Arguments are passed positionally, in tag order. The comment markers of JavaScript
 * (`//`, `/** *\/`, leading `*`) and Python (`#`) are stripped before reading.
 */

export type TagArg =
  | { kind: 'tensor'; name: string; shape: number[] }
  | { kind: 'int'; name: string; shape: number[]; high: number }
  | { kind: 'const'; name: string; value: unknown };

export interface Tag {
  /** Every argument in tag order (what a call passes, positionally). */
  args: TagArg[];
  /** The checked inputs' names, in order (the `tensor` args). */
  inputNames: string[];
  /** The checked inputs' shapes, in order. */
  inputShapes: number[][];
  tolerance?: { atol?: number; rtol?: number; eps?: number };
  /** The first thing wrong with the tag, in words that say how to fix it. */
  problem?: string;
}

const TOLERANCES = new Set(['atol', 'rtol', 'eps']);
const IDENT = /[A-Za-z_$][\w$]*/y;

/** The tag's text with comment markers removed, or undefined when the text holds no tag. */
function tagBody(comment: string): string | undefined {
  const at = comment.search(/@gradcheck\b/);
  if (at === -1) return undefined;
  let body = comment.slice(at + '@gradcheck'.length);
  const nextTag = body.search(/(^|\s)@\w/);
  if (nextTag !== -1) body = body.slice(0, nextTag);
  return body
    .replace(/\*\/\s*$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*(\*|\/\/|#)/, ''))
    .join(' ');
}

/**
 * The offsets of tag text outside its JSON strings, from `from` on: a constant's string
 * may hold any character (a `?`, a bracket) without it counting as the tag's own.
 */
export function* outsideJsonStrings(text: string, from = 0): Generator<number> {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else yield i;
  }
}

/** Where the JSON value starting at `from` ends (exclusive): brackets balanced, strings skipped. */
function jsonEnd(body: string, from: number): number {
  const first = body[from];
  if (first === '"') {
    let i = from + 1;
    while (i < body.length && body[i] !== '"') i += body[i] === '\\' ? 2 : 1;
    return Math.min(i + 1, body.length);
  }
  if (first !== '{' && first !== '[') {
    const m = /[^\s,]*/y;
    m.lastIndex = from;
    m.exec(body);
    return m.lastIndex;
  }
  let depth = 0;
  for (const i of outsideJsonStrings(body, from)) {
    const c = body[i];
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return body.length;
}

function readDims(name: string, text: string): number[] | string {
  const dims = text.trim() === '' ? [] : text.split(',').map((d) => d.trim());
  if (dims.some((d) => !/^\d+$/.test(d)))
    return `@gradcheck: the shape of '${name}' must be whole numbers, like ${name}:[4,5]; got [${text}]`;
  return dims.map(Number);
}

/** Reads a tag from a comment's (or docstring's) text; undefined when there is no tag. */
export function parseGradcheckTag(comment: string): Tag | undefined {
  const body = tagBody(comment);
  if (body === undefined) return undefined;
  const tag: Tag = { args: [], inputNames: [], inputShapes: [] };
  const problem = (text: string) => {
    tag.problem ??= text;
  };
  const seen = new Set<string>();
  let i = 0;
  const skipSpace = () => {
    while (i < body.length && /[\s,]/.test(body[i])) i++;
  };
  for (skipSpace(); i < body.length; skipSpace()) {
    IDENT.lastIndex = i;
    const ident = IDENT.exec(body);
    const after = ident ? /^\s*([:=])\s*/.exec(body.slice(IDENT.lastIndex)) : null;
    if (!ident || !after) {
      const word = /^\S+/.exec(body.slice(i))![0];
      problem(
        `@gradcheck: could not read '${word}'; write each input as name:[d1,d2,...], labels as y:int[N]<K, constants as name=<JSON> (and optionally atol=, rtol=, eps=)`,
      );
      i += word.length;
      continue;
    }
    const name = ident[0];
    i = IDENT.lastIndex + after[0].length;
    if (after[1] === '=') {
      const end = jsonEnd(body, i);
      const text = body.slice(i, end);
      i = end;
      if (TOLERANCES.has(name)) {
        const v = Number(text);
        if (text === '' || !Number.isFinite(v) || v < 0)
          problem(`@gradcheck: ${name} must be a non-negative number, got ${text || 'nothing'}`);
        else (tag.tolerance ??= {})[name as 'atol' | 'rtol' | 'eps'] = v;
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        problem(`@gradcheck: the constant '${name}' must be JSON, like ${name}={"stride": 2} or ${name}=0.5; got ${text || 'nothing'}`);
        continue;
      }
      if (seen.has(name)) problem(`@gradcheck: '${name}' is named twice`);
      seen.add(name);
      tag.args.push({ kind: 'const', name, value });
      continue;
    }
    const shape = /^(int\s*)?\[([^\]]*)\]/.exec(body.slice(i));
    if (!shape) {
      const word = /^\S*/.exec(body.slice(i))![0];
      problem(`@gradcheck: the shape of '${name}' must be in brackets, like ${name}:[4,5]; got '${word}'`);
      i += Math.max(word.length, 1);
      continue;
    }
    i += shape[0].length;
    const dims = readDims(name, shape[2]);
    if (typeof dims === 'string') {
      problem(dims);
      continue;
    }
    if (seen.has(name)) problem(`@gradcheck: '${name}' is named twice`);
    seen.add(name);
    if (shape[1]) {
      const high = /^\s*<\s*(\d+)/.exec(body.slice(i));
      if (!high || Number(high[1]) < 1) {
        problem(`@gradcheck: the labels '${name}' need a bound, like ${name}:int[${dims.join(',')}]<10 for values in [0, 10)`);
        continue;
      }
      i += high[0].length;
      tag.args.push({ kind: 'int', name, shape: dims, high: Number(high[1]) });
    } else {
      tag.args.push({ kind: 'tensor', name, shape: dims });
      tag.inputNames.push(name);
      tag.inputShapes.push(dims);
    }
  }
  if (tag.inputNames.length === 0) {
    problem(
      tag.args.length === 0
        ? '@gradcheck names no inputs; write them in order with shapes, like x:[4,5] w:[5,3]'
        : '@gradcheck names no checked input: give at least one float input a shape, like x:[4,5]',
    );
  }
  return tag;
}

/** A tag's arguments written back as tag text (for "Add @gradcheck tag…" and messages). */
export function formatTagArgs(args: TagArg[], tolerance?: Tag['tolerance']): string {
  const parts = args.map((a) =>
    a.kind === 'tensor'
      ? `${a.name}:[${a.shape.join(',')}]`
      : a.kind === 'int'
        ? `${a.name}:int[${a.shape.join(',')}]<${a.high}`
        : `${a.name}=${JSON.stringify(a.value)}`,
  );
  for (const key of ['atol', 'rtol', 'eps'] as const) if (tolerance?.[key] !== undefined) parts.push(`${key}=${tolerance[key]}`);
  return parts.join(' ');
}

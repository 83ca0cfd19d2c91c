/**
 * A small schema builder: a message or a config is described once, and both its
 * TypeScript type (`Infer<typeof S>`) and its runtime check come from that description,
 * so the type, the panel's message check and the loop's config check cannot drift apart.
 *
 * A failed check throws SchemaError with the field's path and what it wanted, in the
 * words a reader would use: "config.seed must be a whole number from 0 to 4294967295,
 * got -1", "'pageRecord' message.record.entries[2].shape must be an array, got nothing".
 * Objects are strict (a field they do not declare is refused, not dropped quietly, so a
 * typo or a version skew shows) and come back rebuilt with only the fields given.
 *
 * Hand-written rather than zod or valibot: the house wants its own sentences in the
 * errors ("must be ..., got ..."), which those libraries produce only through a
 * formatter over their issue lists, and what is needed here (numbers with bounds,
 * strings, lists, strict objects, unions on a tag) is this one file. No Node or DOM
 * APIs: the host, the CLI, the page and its worker bundle it alike.
 */

export class SchemaError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'SchemaError';
  }
}

export interface Schema<T> {
  /** What a valid value is, completing "must be ...": "a whole number from 1 to 10". */
  readonly expected: string;
  /** The value as T; throws SchemaError naming `path` when it is not one. */
  parse(value: unknown, path: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** A field an object may leave out. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}

type Shape = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
export type InferShape<S extends Shape> = Simplify<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

/** A value as an error message shows it: strings quoted and cut short, containers by kind. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

function fail(path: string, expected: string, got: unknown): never {
  throw new SchemaError(path, `${path} must be ${expected}, got ${describe(got)}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "a or b", "one of a, b, c": how a closed choice reads. */
function choiceText(values: readonly unknown[]): string {
  return values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
}

export interface TextOptions {
  /** Whether '' is allowed (messages may be empty; names may not). */
  empty?: boolean;
  max?: number;
  pattern?: RegExp;
  /** How the pattern reads, for the message ("a run id"). */
  expected?: string;
}

export function text(opts: TextOptions = {}): Schema<string> {
  const expected =
    opts.expected ??
    `${opts.empty ? 'a string' : 'a non-empty string'}${opts.max !== undefined ? ` of at most ${opts.max} characters` : ''}`;
  return {
    expected,
    parse(v, path) {
      if (
        typeof v !== 'string' ||
        (!opts.empty && v.length === 0) ||
        (opts.max !== undefined && v.length > opts.max) ||
        (opts.pattern && !opts.pattern.test(v))
      ) {
        fail(path, expected, v);
      }
      return v;
    },
  };
}

/** A whole number (a safe integer) from `min`, up to `max` when given. */
export function whole(min: number, max?: number): Schema<number> {
  const expected =
    max !== undefined
      ? `a whole number from ${min} to ${max}`
      : min === 1
        ? 'a positive whole number'
        : `a whole number of at least ${min}`;
  return {
    expected,
    parse(v, path) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || (max !== undefined && v > max)) fail(path, expected, v);
      return v;
    },
  };
}

/** A finite number, with open (`above`) or closed (`atLeast`) lower bound when given. */
export function number(bounds: { above?: number; atLeast?: number } = {}): Schema<number> {
  const parts = [
    bounds.above !== undefined ? `above ${bounds.above}` : '',
    bounds.atLeast !== undefined ? `of at least ${bounds.atLeast}` : '',
  ].filter(Boolean);
  const expected = `a${parts.length ? '' : ' finite'} number${parts.length ? ` ${parts.join(' and ')}` : ''}`;
  return {
    expected,
    parse(v, path) {
      if (
        typeof v !== 'number' ||
        !Number.isFinite(v) ||
        (bounds.above !== undefined && v <= bounds.above) ||
        (bounds.atLeast !== undefined && v < bounds.atLeast)
      ) {
        fail(path, expected, v);
      }
      return v;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    expected: 'true or false',
    parse(v, path) {
      if (typeof v !== 'boolean') fail(path, 'true or false', v);
      return v;
    },
  };
}

/** One of a closed list of strings or numbers; `values` is that list, for pickers and messages. */
export function oneOf<const V extends readonly (string | number)[]>(values: V): Schema<V[number]> & { readonly values: V } {
  const expected = choiceText(values);
  return {
    values,
    expected,
    parse(v, path) {
      if (!(values as readonly unknown[]).includes(v)) fail(path, expected, v);
      return v as V[number];
    },
  };
}

/** Any value at all: data the receiver stores as it is (a run's metric rows). */
export function anything(): Schema<unknown> {
  return { expected: 'anything', parse: (v) => v };
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    expected: 'an array',
    parse(v, path) {
      if (!Array.isArray(v)) fail(path, 'an array', v);
      return v.map((x, i) => item.parse(x, `${path}[${i}]`));
    },
  };
}

/** Two values, as [x, y]. */
export function pair<T>(item: Schema<T>): Schema<[T, T]> {
  return {
    expected: 'a pair [a, b]',
    parse(v, path) {
      if (!Array.isArray(v) || v.length !== 2) fail(path, 'a pair [a, b]', v);
      return [item.parse(v[0], `${path}[0]`), item.parse(v[1], `${path}[1]`)];
    },
  };
}

/** An object used as a map: any keys, every value checked. */
export function record<T>(value: Schema<T>): Schema<Record<string, T>> {
  return {
    expected: 'an object',
    parse(v, path) {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = value.parse(x, `${path}.${k}`);
      return out;
    },
  };
}

export function nullable<T>(s: Schema<T>): Schema<T | null> {
  const expected = `${s.expected} or null`;
  return {
    expected,
    parse(v, path) {
      if (v === null) return null;
      try {
        return s.parse(v, path);
      } catch (err) {
        // The value itself is wrong (not a field inside it): say that null would do too.
        if (err instanceof SchemaError && err.path === path) fail(path, expected, v);
        throw err;
      }
    },
  };
}

export function optional<T>(s: Schema<T>): OptionalSchema<T> {
  return { optional: true, expected: s.expected, parse: (v, path) => (v === undefined ? undefined : s.parse(v, path)) };
}

/** Every field of a shape made optional: a config whose unset fields take defaults. */
export function allOptional<S extends Shape>(shape: S): { [K in keyof S]: OptionalSchema<Infer<S[K]>> } {
  return Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, optional(s)])) as { [K in keyof S]: OptionalSchema<Infer<S[K]>> };
}

export interface ObjectOptions {
  /** What an undeclared field is not, for the message: "a training setting". */
  unknown?: string;
}

export interface ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly shape: S;
}

export function object<S extends Shape>(shape: S, opts: ObjectOptions = {}): ObjectSchema<S> {
  const keys = Object.keys(shape);
  const unknown = opts.unknown ?? `one of its fields (${keys.join(', ') || 'none'})`;
  return {
    shape,
    expected: 'an object',
    parse(v, path) {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      // A key holding undefined is as good as absent (JSON drops it on the way anyway).
      for (const k of Object.keys(v)) {
        if (!Object.hasOwn(shape, k) && v[k] !== undefined) throw new SchemaError(`${path}.${k}`, `${path}.${k} is not ${unknown}`);
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const x = shape[k].parse(v[k], `${path}.${k}`);
        if (x !== undefined) out[k] = x;
      }
      return out as InferShape<S>;
    },
  };
}

type Tagged<K extends string, M extends Record<string, Shape>> = {
  [T in keyof M & string]: Simplify<{ [P in K]: T } & InferShape<M[T]>>;
}[keyof M & string];

export interface VariantOptions {
  /** The message for a tag no member has (default: "<path>.<key> must be one of ..."). */
  unknown?: (tag: unknown, path: string) => string;
  /** The path a member's fields are named under (default: the variant's own). */
  pathOf?: (tag: string, path: string) => string;
}

/** A union told apart by one string field (`key`): each member is a strict object. */
export function variant<K extends string, M extends Record<string, Shape>>(
  key: K,
  members: M,
  opts: VariantOptions = {},
): Schema<Tagged<K, M>> & { readonly tags: (keyof M & string)[] } {
  const tags = Object.keys(members) as (keyof M & string)[];
  const objects = new Map<string, Schema<unknown>>(tags.map((t) => [t, object({ [key]: oneOf([t]), ...members[t] } as Shape)]));
  const expected = `an object whose ${key} is ${choiceText(tags)}`;
  return {
    tags,
    expected,
    parse(v, path) {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      const tag = v[key];
      const member = typeof tag === 'string' && Object.hasOwn(members, tag) ? objects.get(tag) : undefined;
      if (!member) {
        throw new SchemaError(
          `${path}.${key}`,
          opts.unknown ? opts.unknown(tag, path) : `${path}.${key} must be ${choiceText(tags)}, got ${describe(tag)}`,
        );
      }
      return member.parse(v, opts.pathOf ? opts.pathOf(tag as string, path) : path) as Tagged<K, M>;
    },
  };
}

/** An object holding exactly one of the given fields: { run: id } or { config: {...} }. */
export function exactlyOne<M extends Shape>(members: M): Schema<{ [K in keyof M]: { [P in K]: Infer<M[K]> } }[keyof M]> {
  const keys = Object.keys(members);
  const expected = `an object holding either ${keys.map((k) => `${k} (${members[k].expected})`).join(' or ')}`;
  return {
    expected,
    parse(v, path) {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      const given = Object.keys(v).filter((k) => v[k] !== undefined);
      if (given.length !== 1 || !Object.hasOwn(members, given[0])) {
        throw new SchemaError(path, `${path} must be ${expected}, got ${given.length ? given.join(', ') : 'neither'}`);
      }
      const k = given[0];
      return { [k]: members[k].parse(v[k], `${path}.${k}`) } as { [K in keyof M]: { [P in K]: Infer<M[K]> } }[keyof M];
    },
  };
}

/** `s` with a further check across its fields; `problem` says what is wrong, or null. */
export function refine<T>(s: Schema<T>, problem: (value: T) => string | null): Schema<T> {
  return {
    expected: s.expected,
    parse(v, path) {
      const value = s.parse(v, path);
      const why = problem(value);
      if (why !== null) throw new SchemaError(path, `${path}: ${why}`);
      return value;
    },
  };
}

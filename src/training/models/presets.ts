/**
 * Preset tables: each entry is written without its name and gets its key as `name`,
 * and a lookup that names the choices when a name is unknown.
 */
import { ConfigError } from '../errors';

/** A table of presets keyed by name; every entry's `name` is its key. */
export function presetTable<P extends { name: string }>(entries: Record<string, Omit<P, 'name'>>): Record<string, P> {
  return Object.fromEntries(Object.entries(entries).map(([name, p]) => [name, { name, ...p } as P]));
}

/** The preset `name` from `table`, or a ConfigError that lists the choices. */
export function pickPreset<P>(kind: string, table: Record<string, P>, name: string): P {
  const p = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!p) throw new ConfigError(`unknown ${kind} preset '${name}'; choose one of ${Object.keys(table).join(', ')}`);
  return p;
}

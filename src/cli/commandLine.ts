import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Every subcommand reads its arguments the same way: strict flags, positionals allowed,
 * and -h/--help. A wrong flag throws CommandLineError, which each command turns into its
 * own usage message.
 */
export class CommandLineError extends Error {}

export function readCommandLine<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: joinNegativeValues(argv, options),
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as T & { help: { type: 'boolean'; short: 'h' } },
    });
  } catch (err) {
    throw new CommandLineError((err as Error).message);
  }
}

/**
 * `--lr -1` as `--lr=-1`: parseArgs reads a value that starts with '-' as a flag and
 * refuses it as "ambiguous", so a negative number would never reach the check that says
 * what the flag must be.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (flag !== undefined && options[flag]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

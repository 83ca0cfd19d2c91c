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
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as T & { help: { type: 'boolean'; short: 'h' } },
    });
  } catch (err) {
    throw new CommandLineError((err as Error).message);
  }
}

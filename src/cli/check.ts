// Placeholder replaced by the module that owns the 'check' subcommand.
export async function runCheck(_argv: string[]): Promise<number> {
  throw new Error("'check' is being built");
}

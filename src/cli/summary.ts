// Placeholder replaced by the module that owns the 'summary' subcommand.
export async function runSummary(_argv: string[]): Promise<number> {
  throw new Error("'summary' is being built");
}

// Placeholder replaced by the module that owns the 'train' subcommand.
export async function runTrain(_argv: string[]): Promise<number> {
  throw new Error("'train' is being built");
}

/**
 * gradlens: the terminal front end. Each subcommand lives in its own module and
 * returns the process exit code.
 */
import { runCheck } from './check';
import { runTrain } from './train';
import { runExport } from './export';
import { runSummary } from './summary';

const USAGE = `usage: gradlens <command> [options]

commands:
  check <files or folders...>   finite-difference check every layer found
      [--fast] [--sparse K] [--seed N] [--json] [--junit FILE] [--timeout S]
  train <cnn|gan|attention>     train a model and print its metrics
      [--preset P] [--dataset NAME] [--data-dir DIR] [--epochs N | --steps N]
      [--batch-size B] [--lr X] [--seed S] [--json]
  export <cnn|gan|attention> --out DIR  write train.py for PyTorch (DDP) with the same
      model, initial weights and settings as train (same options)
  summary <model or notation>   layer-by-layer output volumes and parameter counts
      e.g. gradlens summary "INPUT 32x32x1, CONV5-10, POOL2, FC-10"

exit codes: 0 success, 1 a check failed, 2 a file could not be loaded or bad usage`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return runCheck(rest);
    case 'train':
      return runTrain(rest);
    case 'export':
      return runExport(rest);
    case 'summary':
      return runSummary(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`gradlens: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`gradlens: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  },
);

/**
 * `gradlens export <cnn|gan|attention> [train's options] --out DIR`: write a standalone
 * PyTorch training script for the run those options describe (see training/export).
 * Exit 0 on success, 2 for bad usage, a dataset that cannot load or a model that cannot be exported.
 */
import { DatasetError } from '../training/datasets/types';
import { ConfigError } from '../training/errors';
import { exportPyTorch } from '../training/export';
import { CommandLineError, readCommandLine } from './commandLine';
import { configFromArgs, TRAIN_OPTIONS, UsageError } from './train';

const USAGE = `usage: gradlens export <cnn|gan|attention> [options] --out DIR
  writes DIR/train.py (PyTorch, DistributedDataParallel-ready), DIR/initial_weights.safetensors,
  DIR/README.md and, for generated datasets, DIR/data/
  --out DIR          the folder to write (created if missing)
  --preset P  --dataset NAME  --data-dir DIR  --epochs N | --steps N
  --batch-size B  --lr X  --weight-decay X  --seed S  --train-limit N  --test-limit N  --causal
                     the same options as gradlens train choose the same model, weights and settings
  --json             print the result as one JSON object`;

export async function runExport(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = readCommandLine(argv, { ...TRAIN_OPTIONS, out: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.download) throw new UsageError('--download belongs to gradlens train; export reads the data already there');
    const config = configFromArgs(values, positionals);
    if (!values.out) throw new UsageError('--out DIR is required: where to write train.py');
    const result = await exportPyTorch(config, values.out);
    if (values.json) console.log(JSON.stringify(result));
    else console.log(`${result.summary}\n${result.files.map((f) => `  ${f}`).join('\n')}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandLineError) {
      console.error(`gradlens export: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof DatasetError || err instanceof ConfigError) {
      console.error(`gradlens export: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** The README written beside an exported train.py. */

export interface ReadmeInfo {
  title: string;
  dataset: string;
  bundled: boolean;
  format: string;
  task: 'image' | 'sequence';
  batchSize: number;
}

export function exportReadme(r: ReadmeInfo): string {
  const data = r.bundled
    ? `The data of the generated dataset \`${r.dataset}\` is in \`data/\` beside the script and is used by default.`
    : r.format === 'cifar10'
      ? `Pass \`--data-dir\`: the folder with CIFAR-10's binary version (\`data_batch_1.bin\` .. \`data_batch_5.bin\` and \`test_batch.bin\`, or their \`cifar-10-batches-bin/\` folder).`
      : `Pass \`--data-dir\`: the folder with the four IDX files of ${r.dataset} (\`train-images-idx3-ubyte\`, \`train-labels-idx1-ubyte\`, \`t10k-images-idx3-ubyte\`, \`t10k-labels-idx1-ubyte\`, raw or \`.gz\`; Debian's dataset package puts them in \`/usr/share/datasets/${r.dataset}\`).`;
  const dd = r.bundled ? '' : ' --data-dir DATA';
  return `# ${r.title}, exported from GradLens

\`train.py\` trains the same model as GradLens: the same layers (plain \`nn.Module\` code, NCHW),
the same initial weights (\`initial_weights.safetensors\`, loaded by default), Adam with the same
learning rate, weight decay (L2 added to the gradient, as \`torch.optim.Adam\`) and constant schedule,
the same batch size (${r.batchSize}) and loss. It needs only PyTorch: no torchvision, no downloads.

## Data
${data}

## One CPU or GPU
    python3 train.py${dd}                 # --device auto: CUDA when present
    python3 train.py${dd} --epochs 10 --batch-size ${r.batchSize}
    python3 train.py${dd} --steps 500 --device cpu

## N GPUs on one machine (or N CPU processes)
    python3 train.py${dd} --nproc 4

\`--nproc N\` starts N processes with \`torch.multiprocessing\` and trains with
\`DistributedDataParallel\` (nccl on GPUs, gloo on CPU, rendezvous on tcp://127.0.0.1, \`--port\`
to choose it). \`--batch-size\` stays the global batch: each process takes batch/N examples of its
own shard (\`DistributedSampler\`) and the gradients are averaged. Printed metrics are global.

## N machines
Start the script under \`torchrun\`; it reads \`RANK\`, \`WORLD_SIZE\`, \`LOCAL_RANK\`,
\`MASTER_ADDR\` and \`MASTER_PORT\` from the environment:

    torchrun --nnodes 2 --nproc-per-node 4 --node-rank 0 --master-addr HOST0 --master-port 29500 train.py${dd}
    torchrun --nnodes 2 --nproc-per-node 4 --node-rank 1 --master-addr HOST0 --master-port 29500 train.py${dd}

## Output
- \`--json\`: one JSON object per line, as \`gradlens train --json\`: \`{"event":"step","step","totalSteps","epoch","loss","accuracy","throughput","elapsedMs"}\`,
  \`{"event":"epoch",...,"valLoss","valAccuracy"}\` and last \`{"event":"done","steps","epochs","elapsedMs","testLoss","testAccuracy",...}\`.
  GradLens's training panel can import such a log as a run.
- \`--eval-only\`: evaluates the loaded weights and prints \`{"event":"eval","testLoss","testAccuracy"}\`;
  for the initial weights it equals \`gradlens train ... --steps 0 --json\`'s \`testLoss\`.
- \`--weights FILE\` loads other weights (\`none\`: PyTorch's own initialisation); \`--save-weights DIR\`
  writes each process's final weights as \`DIR/rank<R>.safetensors\`.
`;
}

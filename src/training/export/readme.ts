/** The README written beside an exported train.py. */

export interface ReadmeInfo {
  title: string;
  dataset: string;
  bundled: boolean;
  format: string;
  task: 'image' | 'sequence' | 'gan';
  batchSize: number;
}

export function exportReadme(r: ReadmeInfo): string {
  const data = r.bundled
    ? `The data of the generated dataset \`${r.dataset}\` is in \`data/\` beside the script and is used by default.`
    : r.format === 'cifar10'
      ? `Pass \`--data-dir\`: the folder with CIFAR-10's binary version (\`data_batch_1.bin\` .. \`data_batch_5.bin\` and \`test_batch.bin\`, or their \`cifar-10-batches-bin/\` folder).`
      : `Pass \`--data-dir\`: the folder with the four IDX files of ${r.dataset} (\`train-images-idx3-ubyte\`, \`train-labels-idx1-ubyte\`, \`t10k-images-idx3-ubyte\`, \`t10k-labels-idx1-ubyte\`, raw or \`.gz\`; Debian's dataset package puts them in \`/usr/share/datasets/${r.dataset}\`).`;
  const dd = r.bundled ? '' : ' --data-dir DATA';
  const gan = r.task === 'gan';
  const intro = gan
    ? `\`train.py\` trains the same GAN as GradLens: the same generator and discriminator (plain \`nn.Module\`
code, children \`G\` and \`D\`), the same initial weights for both (\`initial_weights.safetensors\`, names
\`G.*\` and \`D.*\`, loaded by default), two Adams with betas (0.5, 0.999) and the same learning rate and
weight decay (L2 added to the gradient, as \`torch.optim.Adam\`), and the same step: one discriminator
step on BCE(D(x), 1) + BCE(D(G(z)), 0), then one generator step on the run's objective (minimax or
non-saturating), batch ${r.batchSize}. It needs only PyTorch: no torchvision, no downloads.`
    : `\`train.py\` trains the same model as GradLens: the same layers (plain \`nn.Module\` code, NCHW),
the same initial weights (\`initial_weights.safetensors\`, loaded by default), Adam with the same
learning rate, weight decay (L2 added to the gradient, as \`torch.optim.Adam\`) and constant schedule,
the same batch size (${r.batchSize}) and loss. It needs only PyTorch: no torchvision, no downloads.`;
  const evalBatch = gan
    ? `\n\`data/gan-eval-real.f32\` and \`data/gan-eval-noise.f32\` (float32, little-endian) are GradLens's fixed evaluation
batch: the first real samples of the training pool and latent vectors from a fixed seed.`
    : '';
  return `# ${r.title}, exported from GradLens

${intro}

## Data
${data}${evalBatch}

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
${gan ? GAN_OUTPUT : CLASSIFIER_OUTPUT}- \`--weights FILE\` loads other weights (\`none\`: PyTorch's own initialisation); \`--save-weights DIR\`
  writes each process's final weights as \`DIR/rank<R>.safetensors\`.
`;
}

const CLASSIFIER_OUTPUT = `- \`--json\`: one JSON object per line, as \`gradlens train --json\`: \`{"event":"step","step","totalSteps","epoch","loss","accuracy","throughput","elapsedMs"}\`,
  \`{"event":"epoch",...,"valLoss","valAccuracy"}\` and last \`{"event":"done","steps","epochs","elapsedMs","testLoss","testAccuracy",...}\`.
  GradLens's training panel can import such a log as a run.
- \`--eval-only\`: evaluates the loaded weights and prints \`{"event":"eval","testLoss","testAccuracy"}\`;
  for the initial weights it equals \`gradlens train ... --steps 0 --json\`'s \`testLoss\`.
`;

const GAN_OUTPUT = `- \`--json\`: one JSON object per line, as \`gradlens train gan --json\`: \`{"event":"step","step","totalSteps","epoch","loss","lossG","objective","dReal","dFake","throughput","elapsedMs"}\`
  (loss is D's), \`{"event":"epoch",...,"trainLoss","trainLossG",...}\` and last \`{"event":"done",...,"testLoss","testLossG","testAccuracy"}\`
  (on the fixed evaluation batch). GradLens's training panel can import such a log as a run.
- \`--eval-only\`: evaluates the loaded weights on the evaluation batch and prints \`{"event":"eval","testLoss","testLossG","testAccuracy"}\`
  (D's loss, G's loss, D's share of right calls); for the initial weights they equal \`gradlens train gan ... --steps 0 --json\`'s.
`;

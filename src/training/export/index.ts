/**
 * Export a run as a standalone PyTorch training script: train.py (the model as plain
 * nn.Module code, Adam with the run's lr and weight decay, the same data formats, --json
 * lines like `gradlens train --json`, DistributedDataParallel over --nproc processes or
 * under torchrun), the initial weights as safetensors, the data of a generated dataset,
 * and a README. The model, its initial weights and the hyperparameters come from the very
 * code that starts a GradLens run (loop.ts resolveRun), so step 0 is the same.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DATASET, checkDatasetForModel, loadDataset } from '../datasets/registry';
import { imageBatch } from '../datasets/batches';
import type { Dataset, ImageSplit, SequenceSplit } from '../datasets/types';
import { ConfigError } from '../errors';
import type { ResolvedConfig, TrainConfig } from '../events';
import { DEFAULT_LENGTH, resolveRun, validateConfig } from '../loop';
import { ganLayers, ganPreset } from '../models/gan';
import { GAN_EVAL_COUNT, ganEvalNoise } from '../tasks/gan';
import type { TrainTask } from '../tasks/task';
import { cnnLayers, cnnPreset } from '../models/cnnPresets';
import { attentionPreset, vitPatchSize } from '../models/attention';
import { formatCount } from '../summary';
import { cnnPython, ganPython, sequencePython, vitPython } from './pyModel';
import { encodeSafetensors, type SafeTensor } from './safetensors';
import { GAN_SCRIPT_BODY, SCRIPT_BODY, scriptHead } from './script';
import { exportReadme } from './readme';

export interface ExportResult {
  dir: string;
  files: string[];
  summary: string;
}

/** Engine state-dict names to PyTorch's (batch-norm buffers are snake_case there). */
function torchName(name: string): string {
  return name.replace(/\brunningMean$/, 'running_mean').replace(/\brunningVar$/, 'running_var');
}

function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function cifarBytes(split: ImageSplit, limit: number | null): Uint8Array {
  const n = Math.min(split.count, limit ?? Infinity),
    size = 3 * 32 * 32;
  const out = new Uint8Array(n * (size + 1));
  for (let i = 0; i < n; i++) {
    out[i * (size + 1)] = split.labels[i];
    out.set(split.pixels.subarray(i * size, (i + 1) * size), i * (size + 1) + 1);
  }
  return out;
}

function int32Bytes(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(4 * i, v, true));
  return out;
}

/** Files for a generated dataset, in formats train.py reads (name relative to data/ -> bytes). */
function bundledData(ds: Dataset, trainLimit: number | null, testLimit: number | null): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  if (ds.kind === 'image') {
    if (ds.channels === 3 && ds.height === 32 && ds.width === 32 && ds.classNames.length <= 10) {
      files.set('data_batch_1.bin', cifarBytes(ds.train, trainLimit));
      files.set('test_batch.bin', cifarBytes(ds.test, testLimit));
    } else {
      const size = ds.channels * ds.height * ds.width;
      for (const [prefix, split, limit] of [
        ['train', ds.train, trainLimit],
        ['t10k', ds.test, testLimit],
      ] as const) {
        const n = Math.min(split.count, limit ?? Infinity);
        const dims = ds.channels === 1 ? [n, ds.height, ds.width] : [n, ds.channels, ds.height, ds.width];
        files.set(`${prefix}-images-idx3-ubyte`, idxBytes(dims, split.pixels.subarray(0, n * size)));
        files.set(`${prefix}-labels-idx1-ubyte`, idxBytes([n], split.labels.subarray(0, n)));
      }
    }
  } else if (ds.kind === 'sequence') {
    for (const [part, split, limit] of [
      ['train', ds.train, trainLimit],
      ['test', ds.test, testLimit],
    ] as [string, SequenceSplit, number | null][]) {
      const n = Math.min(split.count, limit ?? Infinity);
      files.set(`${ds.name}-${part}-inputs.i32`, int32Bytes(split.inputs.subarray(0, n * ds.length)));
      files.set(`${ds.name}-${part}-targets.i32`, int32Bytes(split.targets.subarray(0, n * ds.length)));
    }
  }
  return files;
}

/** Writes train.py, the initial weights and a README into outDir (created if missing); same model, initial weights (from the seed), optimiser, lr, weight decay, schedule, batch size as `gradlens train` with that config. */
export async function exportPyTorch(requested: TrainConfig, outDir: string): Promise<ExportResult> {
  const config = validateConfig(requested);
  const datasetName = config.dataset ?? DEFAULT_DATASET[config.model];
  const info = checkDatasetForModel(datasetName, config.model);
  const seed = config.seed ?? 0;
  const dataset = loadDataset(datasetName, { dataDir: config.dataDir, seed, causal: config.causal });
  const { task, resolved } = resolveRun(config, dataset);
  if (config.model === 'gan') return exportGan(config, outDir, dataset, task, resolved, !info.needsDataDir);
  const modules = Object.values(task.modules());
  if (modules.length !== 1)
    throw new ConfigError(`the ${config.model} model has ${modules.length} networks; only single-network models are exported`);
  const state = modules[0].stateDict();
  const tensors: SafeTensor[] = Object.entries(state).map(([name, t]) => ({
    name: torchName(name),
    shape: [...t.shape],
    data: t.data as ArrayLike<number>,
  }));

  let modelCode: string;
  let taskKind: 'image' | 'sequence';
  let title: string;
  const extra: Record<string, unknown> = {};
  if (dataset.kind === 'image') {
    taskKind = 'image';
    const input = [dataset.channels, dataset.height, dataset.width];
    const classes = dataset.classNames.length;
    if (config.model === 'cnn') {
      const preset = cnnPreset(resolved.preset);
      modelCode = cnnPython(input, cnnLayers(preset, input, classes));
      title = `CNN (${preset.name}) on ${datasetName}`;
    } else {
      const p = attentionPreset(resolved.preset);
      modelCode = vitPython(input, classes, vitPatchSize(input), p.dim, p.heads, p.mlp, p.layers);
      title = `tiny ViT (${p.name}) on ${datasetName}`;
    }
    extra.mean = dataset.mean;
    extra.std = dataset.std;
    extra.classNames = dataset.classNames;
  } else if (dataset.kind === 'sequence') {
    taskKind = 'sequence';
    const p = attentionPreset(resolved.preset);
    modelCode = sequencePython(dataset.vocabSize, dataset.length, dataset.causal, p.dim, p.heads, p.mlp, p.layers);
    title = `transformer (${p.name}${dataset.causal ? ', causal' : ''}) on ${datasetName}`;
    extra.tokenNames = dataset.tokenNames;
  } else {
    throw new ConfigError(`dataset '${datasetName}' (points) has no PyTorch export`);
  }

  const bundled = !info.needsDataDir;
  const length = scriptLength(config);
  const trainCount = task.dataset.trainCount,
    testCount = task.dataset.testCount;
  const data: Record<string, unknown> = {
    name: datasetName,
    bundled,
    format: dataset.kind === 'sequence' ? 'sequence' : dataset.channels === 3 && dataset.height === 32 ? 'cifar10' : 'idx',
    inputShape: task.dataset.inputShape,
  };
  if (dataset.kind === 'sequence') Object.assign(data, { length: dataset.length, train: trainCount, test: testCount });
  const CONFIG = {
    title,
    model: config.model,
    task: taskKind,
    preset: resolved.preset,
    dataset: datasetName,
    seed,
    lr: resolved.lr,
    weightDecay: resolved.weightDecay,
    betas: [0.9, 0.999],
    batchSize: resolved.batchSize,
    length,
    trainLimit: resolved.trainLimit,
    testLimit: resolved.testLimit,
    data,
    ...extra,
  };

  const { files, write } = writer(outDir);
  write('train.py', scriptText(title, CONFIG, modelCode, SCRIPT_BODY));
  write(
    'initial_weights.safetensors',
    encodeSafetensors(tensors, { format: 'pt', producer: 'gradlens', model: config.model, preset: resolved.preset, seed: String(seed) }),
  );
  if (bundled) {
    mkdirSync(join(outDir, 'data'), { recursive: true });
    for (const [name, bytes] of bundledData(dataset, resolved.trainLimit, resolved.testLimit)) write(join('data', name), bytes);
  }
  write(
    'README.md',
    exportReadme({ title, dataset: datasetName, bundled, format: String(data.format), task: taskKind, batchSize: resolved.batchSize }),
  );
  const params = tensors.filter((t) => !/running_(mean|var)$/.test(t.name)).reduce((n, t) => n + t.data.length, 0);
  const summary = `${title}: ${formatCount(params)} parameters, Adam lr ${resolved.lr}, weight decay ${resolved.weightDecay}, batch ${resolved.batchSize}, seed ${seed} -> ${outDir}`;
  return { dir: outDir, files, summary };
}

/** The run length train.py defaults to: the one asked for (steps win over epochs), else the model's (loop.ts). */
function scriptLength(config: TrainConfig): { epochs: number | null; steps: number | null } {
  const given = config.steps !== undefined || config.epochs !== undefined;
  const { epochs, steps } = given
    ? { epochs: config.steps !== undefined ? undefined : config.epochs, steps: config.steps }
    : DEFAULT_LENGTH[config.model];
  return { epochs: epochs ?? null, steps: steps ?? null };
}

function writer(outDir: string): { files: string[]; write: (rel: string, bytes: Uint8Array | string) => void } {
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const write = (rel: string, bytes: Uint8Array | string): void => {
    const p = join(outDir, rel);
    writeFileSync(p, bytes);
    files.push(p);
  };
  return { files, write };
}

function scriptText(title: string, config: Record<string, unknown>, modelCode: string, body: string): string {
  return `${scriptHead(title)}
CONFIG = json.loads(r"""
${JSON.stringify(config, null, 2)}
""")


# ---------------------------------------------------------------- model
${modelCode}
${body}`;
}

function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/** The GAN: both players in one safetensors file (G. and D. prefixes), the training pool and the fixed evaluation batch in data/. */
function exportGan(
  config: TrainConfig,
  outDir: string,
  dataset: Dataset,
  task: TrainTask,
  resolved: ResolvedConfig,
  bundled: boolean,
): ExportResult {
  if (dataset.kind === 'sequence') throw new ConfigError(`the GAN trains on points or images; '${dataset.name}' is a sequence task`);
  const images = dataset.kind === 'image';
  const preset = ganPreset(resolved.preset);
  const sampleSize = images ? dataset.channels * dataset.height * dataset.width : 2;
  const { latent, g, d } = ganLayers(preset, sampleSize, images);
  const { generator, discriminator } = task.modules();
  const tensors: SafeTensor[] = [];
  for (const [prefix, module] of [
    ['G.', generator],
    ['D.', discriminator],
  ] as const) {
    for (const [name, t] of Object.entries(module.stateDict()))
      tensors.push({ name: prefix + torchName(name), shape: [...t.shape], data: t.data as ArrayLike<number> });
  }
  const count = task.dataset.trainCount;
  const evalCount = Math.min(GAN_EVAL_COUNT, count);
  const evalIdx = Int32Array.from({ length: evalCount }, (_, i) => i);
  const evalReal = images ? imageBatch(dataset, dataset.train, evalIdx, 'tanh').data : dataset.points.subarray(0, 2 * evalCount);
  const title = `GAN (${preset.name}, ${resolved.ganLoss}) on ${dataset.name}`;
  const length = scriptLength(config);
  const format = images ? (dataset.channels === 3 && dataset.height === 32 && dataset.width === 32 ? 'cifar10' : 'idx') : 'points';
  const CONFIG: Record<string, unknown> = {
    title,
    model: 'gan',
    task: 'gan',
    preset: preset.name,
    dataset: dataset.name,
    seed: resolved.seed,
    lr: resolved.lr,
    weightDecay: resolved.weightDecay,
    betas: [0.5, 0.999],
    batchSize: resolved.batchSize,
    ganLoss: resolved.ganLoss,
    latent,
    sampleSize,
    length,
    trainLimit: resolved.trainLimit,
    testLimit: resolved.testLimit,
    data: {
      name: dataset.name,
      bundled,
      format,
      count,
      inputShape: task.dataset.inputShape,
      ...(images ? {} : { points: 'ring-points.f32' }),
    },
    eval: { count: evalCount, real: 'gan-eval-real.f32', noise: 'gan-eval-noise.f32' },
  };
  if (!images) CONFIG.ring = { centres: dataset.centres, spread: dataset.spread };

  const { files, write } = writer(outDir);
  write('train.py', scriptText(title, CONFIG, ganPython(latent, sampleSize, g, d, 0.2), GAN_SCRIPT_BODY));
  write(
    'initial_weights.safetensors',
    encodeSafetensors(tensors, { format: 'pt', producer: 'gradlens', model: 'gan', preset: preset.name, seed: String(resolved.seed) }),
  );
  mkdirSync(join(outDir, 'data'), { recursive: true });
  if (bundled) {
    if (images) for (const [name, bytes] of bundledData(dataset, resolved.trainLimit, resolved.testLimit)) write(join('data', name), bytes);
    else write(join('data', 'ring-points.f32'), float32Bytes(dataset.points.subarray(0, 2 * count)));
  }
  write(join('data', 'gan-eval-real.f32'), float32Bytes(evalReal));
  write(join('data', 'gan-eval-noise.f32'), float32Bytes(ganEvalNoise(latent, evalCount)));
  write('README.md', exportReadme({ title, dataset: dataset.name, bundled, format, task: 'gan', batchSize: resolved.batchSize }));
  const params = tensors.reduce((n, t) => n + t.data.length, 0);
  const summary = `${title}: ${formatCount(params)} parameters, two Adams (betas 0.5, 0.999) lr ${resolved.lr}, weight decay ${resolved.weightDecay}, batch ${resolved.batchSize}, seed ${resolved.seed} -> ${outDir}`;
  return { dir: outDir, files, summary };
}

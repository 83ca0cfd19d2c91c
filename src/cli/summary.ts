/**
 * `gradlens summary <model or notation>`: each layer's output volume and parameter
 * count. A model is cnn, gan or attention (with --preset and --dataset, or the shorthand
 * cnn:seed); anything starting with INPUT is read as the course's layer notation.
 */
import { CommandLineError, readCommandLine } from './commandLine';
import { modelSummary } from '../training/models/catalog';
import { looksLikeNotation, summarizeNotation } from '../training/notation';
import { formatSummary, type ModelSummary, SummaryError } from '../training/summary';
import { MODEL_KINDS, type ModelKind } from '../training/events';
import { ConfigError } from '../training/errors';
import { DatasetError } from '../training/datasets/types';

const USAGE = `usage: gradlens summary <model or notation> [--preset P] [--dataset NAME] [--causal] [--json]
  models: cnn, gan, attention (shorthand: cnn:seed, attention:vit, ...)
  notation: "INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10"
    INPUT HxWxD | INPUT N, CONVf-n[-Ss], POOLk, FC-n, RELU, BN, DROPOUT[p]`;

export async function runSummary(argv: string[]): Promise<number> {
  let summary: ModelSummary;
  let json = false;
  try {
    const { values, positionals } = readCommandLine(argv, {
      preset: { type: 'string' },
      dataset: { type: 'string' },
      causal: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    json = values.json ?? false;
    // The notation has spaces and commas; accept it quoted or not.
    const what = positionals.join(' ').trim();
    if (!what) throw new SummaryError('which model or notation? e.g. cnn, cnn:seed, or "INPUT 32x32x1, CONV5-10, POOL2, FC-10"');
    if (looksLikeNotation(what)) {
      summary = summarizeNotation(what);
    } else {
      const [model, shortPreset] = what.split(':');
      if (!MODEL_KINDS.includes(model as ModelKind)) {
        throw new SummaryError(`'${what}' is neither a model (${MODEL_KINDS.join(', ')}) nor layer notation starting with INPUT`);
      }
      summary = modelSummary({
        model: model as ModelKind,
        preset: values.preset ?? shortPreset,
        dataset: values.dataset,
        causal: values.causal,
      });
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof SummaryError || err instanceof ConfigError || err instanceof DatasetError || err instanceof CommandLineError) {
      console.error(`gradlens summary: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  console.log(json ? JSON.stringify(summary) : formatSummary(summary));
  return 0;
}

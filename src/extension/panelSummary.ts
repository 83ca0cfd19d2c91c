/**
 * What "GradLens: Show Model Summary" accepts: a built-in model by name (cnn, gan,
 * attention; a preset as cnn:seed) or the course's layer notation
 * (`INPUT 32x32x1, CONV5-10, POOL2, CONV5-10, POOL2, FC-10`). No vscode import: tested in Node.
 */
import { MODEL_KINDS } from '../training/events';
import type { ModelKind } from '../training/events';
import { modelSummary } from '../training/models/catalog';
import { looksLikeNotation, summarizeNotation } from '../training/notation';
import type { ModelSummary } from '../training/summary';

export function summaryOf(text: string): ModelSummary {
  if (looksLikeNotation(text)) return summarizeNotation(text);
  const [model, preset] = text
    .trim()
    .toLowerCase()
    .split(/[:\s]+/);
  if (!(MODEL_KINDS as readonly string[]).includes(model)) {
    throw new Error(
      `'${text.trim()}' is neither a model (${MODEL_KINDS.join(', ')}; a preset as cnn:seed) nor layer notation starting with INPUT`,
    );
  }
  return modelSummary({ model: model as ModelKind, preset: preset || undefined });
}

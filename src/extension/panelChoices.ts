/**
 * What the panel's pickers offer, taken from the training modules' own tables so a new
 * preset or dataset shows up without touching the page. No vscode import: tested in Node.
 */
import { DATASETS, DEFAULT_DATASET } from '../training/datasets/registry';
import { MODEL_KINDS } from '../training/events';
import type { ModelKind } from '../training/events';
import { ATTENTION_PRESETS } from '../training/models/attention';
import { CNN_PRESETS } from '../training/models/cnnPresets';
import { GAN_PRESETS } from '../training/models/gan';
import type { PanelChoices, PresetOption } from '../trainingPanelProtocol';

const LABELS: Record<ModelKind, string> = { cnn: 'CNN', gan: 'GAN', attention: 'Attention' };

const PRESETS: Record<ModelKind, Record<string, { name: string; description: string }>> = {
  cnn: CNN_PRESETS,
  gan: GAN_PRESETS,
  attention: ATTENTION_PRESETS,
};

export function panelChoices(): PanelChoices {
  return {
    models: MODEL_KINDS.map((kind) => ({
      kind,
      label: LABELS[kind],
      presets: Object.values(PRESETS[kind]).map((p): PresetOption => ({ name: p.name, description: p.description })),
      defaultDataset: DEFAULT_DATASET[kind],
    })),
    datasets: DATASETS.map((d) => ({ name: d.name, description: d.description, models: [...d.models], needsDataDir: d.needsDataDir })),
  };
}

/**
 * The run form in the page: fills the pickers from the host's choices, keeps the preset
 * and dataset lists in step with the chosen model, shows only the fields that apply,
 * and remembers what was typed across reloads.
 */
import type { PanelChoices } from '../../src/trainingPanelProtocol';
import type { TrainConfig } from '../../src/training/events';
import { byId, h } from '../shared/dom';
import { datasetsFor, FormError, formToConfig, type FormValues } from './formConfig';

const TEXT_FIELDS = [
  'model',
  'preset',
  'dataset',
  'dataDir',
  'length',
  'lengthUnit',
  'batchSize',
  'lr',
  'seed',
  'trainLimit',
  'ganLoss',
  'backendChoice',
] as const;

type Control = HTMLInputElement | HTMLSelectElement;

export class ConfigForm {
  private choices: PanelChoices = { models: [], datasets: [] };

  constructor(private readonly onChange: (values: FormValues) => void) {
    for (const id of [...TEXT_FIELDS, 'causal']) {
      byId<Control>(id).addEventListener('change', () => this.changed(id));
    }
  }

  private control(id: string): Control {
    return byId<Control>(id);
  }

  setChoices(choices: PanelChoices, saved?: Record<string, string | boolean>): void {
    this.choices = choices;
    const model = this.control('model') as HTMLSelectElement;
    model.replaceChildren(...choices.models.map((m) => h('option', { value: m.kind, text: m.label })));
    const savedModel =
      typeof saved?.model === 'string' && choices.models.some((m) => m.kind === saved.model) ? saved.model : choices.models[0]?.kind;
    if (savedModel) model.value = savedModel;
    this.fillForModel(saved);
    if (saved) {
      for (const id of TEXT_FIELDS) {
        if (id === 'model' || id === 'preset' || id === 'dataset') continue;
        const v = saved[id];
        if (typeof v === 'string') this.control(id).value = v;
      }
      if (typeof saved.causal === 'boolean') (this.control('causal') as HTMLInputElement).checked = saved.causal;
    }
    this.updateVisibility();
  }

  /** Presets and datasets of the chosen model, keeping earlier picks where they still apply. */
  private fillForModel(saved?: Record<string, string | boolean>): void {
    const kind = this.control('model').value;
    const model = this.choices.models.find((m) => m.kind === kind);
    if (!model) return;
    const preset = this.control('preset') as HTMLSelectElement;
    preset.replaceChildren(
      h('option', { value: '', text: 'default', title: 'the preset that suits the dataset' }),
      ...model.presets.map((p) => h('option', { value: p.name, text: p.name, title: p.description })),
    );
    const wantPreset = typeof saved?.preset === 'string' ? saved.preset : '';
    preset.value = model.presets.some((p) => p.name === wantPreset) ? wantPreset : '';
    const dataset = this.control('dataset') as HTMLSelectElement;
    const options = datasetsFor(this.choices, kind);
    dataset.replaceChildren(...options.map((d) => h('option', { value: d.name, text: d.name, title: d.description })));
    const wantDataset = typeof saved?.dataset === 'string' ? saved.dataset : model.defaultDataset;
    dataset.value = options.some((d) => d.name === wantDataset) ? wantDataset : model.defaultDataset;
    this.setCausalDefault();
  }

  private setCausalDefault(): void {
    // The copy task reads its answer after a delay, left to right: causal by default.
    (this.control('causal') as HTMLInputElement).checked = this.control('dataset').value === 'copy';
  }

  private changed(id: string): void {
    if (id === 'model') this.fillForModel();
    if (id === 'dataset') this.setCausalDefault();
    this.updateVisibility();
    this.onChange(this.values());
  }

  private updateVisibility(): void {
    const kind = this.control('model').value;
    const dataset = this.choices.datasets.find((d) => d.name === this.control('dataset').value);
    byId('dataDir-field').classList.toggle('hidden', !dataset?.needsDataDir);
    byId('ganLoss-field').classList.toggle('hidden', kind !== 'gan');
    byId('causal-field').classList.toggle('hidden', !(kind === 'attention' && ['reverse', 'sort', 'copy'].includes(dataset?.name ?? '')));
    const model = this.choices.models.find((m) => m.kind === kind);
    const preset = model?.presets.find((p) => p.name === this.control('preset').value);
    byId('preset-note').textContent = [preset?.description ?? 'preset: the default for the dataset', dataset?.description]
      .filter(Boolean)
      .join(' · ');
  }

  values(): FormValues {
    const v = {} as FormValues;
    for (const id of TEXT_FIELDS) (v as unknown as Record<string, string>)[id] = this.control(id).value;
    v.causal = (this.control('causal') as HTMLInputElement).checked;
    return v;
  }

  setDataDir(dir: string | null): void {
    if (dir) this.control('dataDir').value = dir;
    this.onChange(this.values());
  }

  /** The config to start, or null after marking the faulty field and saying why. */
  config(report: (message: string) => void): TrainConfig | null {
    for (const id of TEXT_FIELDS) this.control(id).removeAttribute('aria-invalid');
    try {
      return formToConfig(this.values(), this.choices);
    } catch (err) {
      if (err instanceof FormError) {
        const control = this.control(err.field);
        control.setAttribute('aria-invalid', 'true');
        control.focus();
      }
      report(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  /** While a job runs its settings are fixed. */
  setLocked(locked: boolean): void {
    for (const id of [...TEXT_FIELDS, 'causal', 'pickDataDir']) (byId(id) as HTMLInputElement).disabled = locked;
  }
}

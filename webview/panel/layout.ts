/**
 * The page's fixed structure. Real form controls with labels and real buttons, so the
 * whole panel works from the keyboard and reads sensibly to a screen reader.
 */
import { h } from '../shared/dom';

function field(id: string, label: string, control: HTMLElement, extraClass = ''): HTMLElement {
  control.id = id;
  return h('div', { class: `field ${extraClass}`.trim(), id: `${id}-field` }, h('label', { for: id, text: label }), control);
}

function numberInput(placeholder: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { type: 'number', placeholder, ...attrs });
}

function section(id: string, title: string, ...children: HTMLElement[]): HTMLElement {
  return h('section', { class: 'card', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title`, text: title }), ...children);
}

export function buildLayout(root: HTMLElement): void {
  const header = h(
    'header',
    { class: 'header' },
    h('h1', { text: 'GradLens Training' }),
    h('span', { class: 'badge', id: 'backend', title: 'The float32 backend the trainer runs on', text: 'training on: —' }),
    h('span', { class: 'badge status', id: 'status', 'data-state': 'idle', role: 'status', text: 'idle' }),
  );

  const lengthUnit = h('select', {}, h('option', { value: 'steps', text: 'steps' }), h('option', { value: 'epochs', text: 'epochs' }));
  const config = section(
    'config',
    'Run',
    h(
      'div',
      { class: 'config-grid' },
      field('model', 'Model', h('select')),
      field('preset', 'Preset', h('select')),
      field('dataset', 'Dataset', h('select')),
      h(
        'div',
        { class: 'field wide hidden', id: 'dataDir-field' },
        h('label', { for: 'dataDir', text: 'Data folder' }),
        h(
          'div',
          { class: 'row grow' },
          h('input', { type: 'text', id: 'dataDir', placeholder: 'folder with the dataset files', spellcheck: 'false' }),
          h('button', { type: 'button', class: 'secondary', id: 'pickDataDir', text: 'Browse…' }),
        ),
      ),
      field('length', 'Run length', numberInput('default', { min: '1', step: '1' })),
      field('lengthUnit', 'Unit', lengthUnit),
      field('batchSize', 'Batch size', numberInput('preset', { min: '1', step: '1' })),
      field('lr', 'Learning rate', numberInput('preset', { min: '0', step: 'any' })),
      field('seed', 'Seed', numberInput('0', { min: '0', step: '1' })),
      field('trainLimit', 'Training examples', numberInput('all', { min: '1', step: '1' })),
      field(
        'ganLoss',
        'Generator loss',
        h(
          'select',
          {},
          h('option', { value: 'minimax', text: 'minimax', title: 'G descends mean log(1 − D(G(z)))' }),
          h('option', { value: 'non-saturating', text: 'non-saturating', title: 'G ascends mean log D(G(z))' }),
        ),
      ),
      h(
        'div',
        { class: 'field', id: 'causal-field' },
        h('span', { class: 'label', text: 'Mask' }),
        h('label', { class: 'row' }, h('input', { type: 'checkbox', id: 'causal' }), 'causal'),
      ),
      field(
        'backendChoice',
        'Backend',
        h(
          'select',
          {},
          h('option', { value: 'auto', text: 'auto' }),
          h('option', { value: 'fast', text: 'fast CPU' }),
          h('option', { value: 'reference', text: 'reference loops' }),
        ),
      ),
      field(
        'trainOn',
        'Train on',
        h(
          'select',
          { 'aria-describedby': 'trainOn-hint', title: 'auto: the page’s GPU when it is a hardware GPU, else the extension host’s CPU' },
          h('option', { value: 'auto', text: 'auto' }),
          h('option', { value: 'host', text: 'host CPU' }),
          h('option', { value: 'page', text: 'page GPU' }),
        ),
      ),
    ),
    h('p', { class: 'empty-note', id: 'trainOn-hint' }),
    h('p', { class: 'empty-note', id: 'preset-note' }),
    h(
      'div',
      { class: 'controls' },
      h('button', { type: 'button', id: 'start', text: 'Start' }),
      h('button', { type: 'button', class: 'secondary', id: 'pause', text: 'Pause', disabled: true }),
      h('button', { type: 'button', class: 'secondary', id: 'resume', text: 'Resume', disabled: true }),
      h('button', { type: 'button', class: 'secondary', id: 'stop', text: 'Stop', disabled: true }),
      h('button', {
        type: 'button',
        class: 'secondary',
        id: 'exportPyTorch',
        text: 'Export as PyTorch…',
        title: 'Write a standalone PyTorch train.py for this model and settings, with its initial weights, to a folder you choose',
      }),
    ),
    h(
      'div',
      { class: 'progress-wrap' },
      h('progress', { id: 'progress', max: '1', value: '0', 'aria-label': 'Training progress' }),
      h('div', { class: 'progress-text', id: 'progress-text', 'aria-live': 'polite', text: 'Not started' }),
    ),
    h('div', { class: 'message', id: 'message', role: 'status' }),
  );

  const charts = section(
    'charts',
    'Curves',
    h(
      'div',
      { class: 'chart-toolbar' },
      h('label', {}, h('input', { type: 'checkbox', id: 'logScale' }), 'Log scale (loss)'),
      h(
        'label',
        {},
        'Smoothing',
        h('input', {
          type: 'range',
          id: 'smoothing',
          min: '0',
          max: '0.99',
          step: '0.01',
          value: '0.9',
          'aria-describedby': 'smoothing-value',
        }),
        h('span', { id: 'smoothing-value', text: '0.90' }),
      ),
    ),
    h(
      'div',
      { class: 'charts' },
      h(
        'div',
        { class: 'chart', id: 'loss-chart' },
        h('h3', { text: 'Training loss' }),
        h('div', { class: 'chart-body', id: 'loss-body' }),
      ),
      h(
        'div',
        { class: 'chart', id: 'acc-chart' },
        h('h3', { id: 'acc-title', text: 'Accuracy: train vs validation' }),
        h('div', { class: 'chart-body', id: 'acc-body' }),
      ),
      h(
        'div',
        { class: 'chart', id: 'tput-chart' },
        h('h3', { text: 'Throughput (examples/s)' }),
        h('div', { class: 'chart-body', id: 'tput-body' }),
      ),
    ),
  );

  const visuals = section('visuals', 'What the model sees', h('div', { class: 'visuals', id: 'visuals-body' }));
  const summary = section('summary', 'Model summary', h('div', { id: 'summary-body' }));
  const runs = section(
    'runs',
    'Run history',
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'secondary', id: 'refreshRuns', text: 'Refresh' }),
      h('button', {
        type: 'button',
        class: 'secondary',
        id: 'importTrainLog',
        text: 'Import a train.py log…',
        title: 'Add the JSON lines of an exported train.py --json (e.g. a cluster run) to this history as a run',
      }),
    ),
    h('div', { id: 'runs-body' }),
  );

  root.replaceChildren(header, config, charts, visuals, summary, runs);
}

/** Run history: each past run with buttons to overlay it, reopen it, export it, or export its model as PyTorch. */
import type { ExportFormat, RunListItem } from '../../src/trainingPanelProtocol';
import { clear, h } from '../shared/dom';
import { formatMetric } from './format';

export interface RunActions {
  overlay(id: string, on: boolean): void;
  open(id: string): void;
  export(id: string, format: ExportFormat): void;
  exportPyTorch(id: string): void;
}

export function renderRuns(
  container: HTMLElement,
  runs: RunListItem[],
  overlaid: ReadonlySet<string>,
  current: string | null,
  actions: RunActions,
): void {
  clear(container);
  if (runs.length === 0) {
    container.append(h('p', { class: 'empty-note', text: 'No runs yet in this workspace.' }));
    return;
  }
  const button = (text: string, label: string, onClick: () => void, attrs: Record<string, string> = {}) => {
    const b = h('button', { type: 'button', class: 'secondary', 'aria-label': label, text, ...attrs });
    b.addEventListener('click', onClick);
    return b;
  };
  const rows = runs.map((r) => {
    const name = r.label ?? `${r.model} ${r.preset} on ${r.dataset}`;
    // A run imported from a train.py log has no GradLens model of its own to export.
    const imported = r.label !== undefined;
    const on = overlaid.has(r.id);
    return h(
      'tr',
      { 'data-run': r.id },
      h('td', { text: r.createdAt.replace('T', ' ').slice(0, 19) }),
      h('td', { text: r.label ?? `${r.model}${r.preset ? ` · ${r.preset}` : ''}` }),
      h('td', { text: r.dataset }),
      h('td', { text: r.id === current ? `${r.status} (shown)` : r.status }),
      h('td', { class: 'num', text: r.headline ? `${r.headline.name} ${formatMetric(r.headline.value)}` : '' }),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'row' },
          button(on ? 'Overlaid' : 'Overlay', `Overlay ${name} on the charts`, () => actions.overlay(r.id, !on), {
            'aria-pressed': String(on),
          }),
          button('Open', `Open ${name}`, () => actions.open(r.id)),
          button('CSV', `Export ${name} as CSV`, () => actions.export(r.id, 'csv')),
          button('JSON', `Export ${name} as JSON`, () => actions.export(r.id, 'json')),
          ...(imported
            ? []
            : [button('PyTorch', `Export the model of ${name} as a PyTorch training script`, () => actions.exportPyTorch(r.id))]),
        ),
      ),
    );
  });
  container.append(
    h(
      'table',
      { class: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Started', 'Model', 'Dataset', 'Status', 'Result', 'Actions'].map((t, i) =>
            h('th', { scope: 'col', class: i === 4 ? 'num' : undefined, text: t }),
          ),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

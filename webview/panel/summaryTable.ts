/** The model summary as a table: each layer's output volume and parameters, and the total. */
import { formatVolume } from '../../src/training/summary';
import type { ModelSummary } from '../../src/training/summary';
import { clear, h } from '../shared/dom';
import { formatInt } from './format';

export function renderSummary(container: HTMLElement, summary: ModelSummary | null, note?: string): void {
  clear(container);
  if (!summary) {
    container.append(h('p', { class: 'empty-note', text: note ?? 'Pick a model to see its layers.' }));
    return;
  }
  const body = h(
    'tbody',
    {},
    h('tr', {}, h('td', { text: 'Input' }), h('td', { text: formatVolume(summary.input) }), h('td', { class: 'num', text: '' })),
    ...summary.rows.map((r) =>
      h(
        'tr',
        {},
        h('td', { text: r.layer }),
        h('td', { text: formatVolume(r.output) }),
        h('td', { class: 'num', text: formatInt(r.params) }),
      ),
    ),
  );
  const table = h(
    'table',
    { id: 'summary-table' },
    h('caption', { text: summary.title }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col', text: 'Layer' }),
        h('th', { scope: 'col', text: 'Output volume' }),
        h('th', { scope: 'col', class: 'num', text: 'Parameters' }),
      ),
    ),
    body,
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h('td', { text: 'Total' }),
        h('td', { text: '' }),
        h('td', { class: 'num', id: 'summary-total', text: formatInt(summary.totalParams) }),
      ),
    ),
  );
  container.append(table);
}

/**
 * The model-specific views: for the CNN a confusion matrix, sample predictions and the
 * first layer's filters; for the GAN the ring scatter over D's decision map or a grid
 * of generated images; for the attention model each head's weights on one sample.
 * Redrawn only when a new samples or attention event arrives.
 */
import type { AttentionEvent, CnnSamples, GanSamples, SamplesPayload, SequenceSamples } from '../../src/training/events';
import { sequential } from '../shared/colour';
import { clear, h } from '../shared/dom';
import { drawHeatmap, fitCell } from '../shared/heatmap';
import { formatMetric } from './format';
import { drawImageTiles, imageCanvas } from './imageGrid';
import { drawRingScatter } from './ringScatter';
import type { RunView } from './runState';

function card(id: string, title: string, ...children: (HTMLElement | string)[]): HTMLElement {
  return h('div', { class: 'visual', id }, h('h3', { text: title }), ...children);
}

function canvas(label: string): HTMLCanvasElement {
  return h('canvas', { role: 'img', 'aria-label': label });
}

export class VisualsView {
  private shownSamples: SamplesPayload | null = null;
  private shownAttention: AttentionEvent | null = null;
  private layer = 0;
  private scatter: HTMLCanvasElement | undefined;

  constructor(private readonly container: HTMLElement) {
    this.renderEmpty();
  }

  private renderEmpty(): void {
    clear(this.container);
    this.container.append(h('p', { class: 'empty-note', id: 'visuals-empty', text: 'Samples appear here once a run is going.' }));
  }

  /** force: redraw even if nothing new arrived (theme change, reopened run). */
  render(view: RunView, force = false): void {
    if (!force && view.samples === this.shownSamples && view.attention === this.shownAttention) return;
    this.shownSamples = view.samples;
    this.shownAttention = view.attention;
    clear(this.container);
    const parts: HTMLElement[] = [];
    const s = view.samples;
    if (s?.kind === 'cnn') parts.push(...this.cnn(s));
    if (s?.kind === 'gan') parts.push(...this.gan(s));
    if (s?.kind === 'sequence') parts.push(this.sequences(s));
    if (view.attention) parts.push(this.attention(view.attention));
    if (parts.length === 0) this.renderEmpty();
    else this.container.append(...parts);
  }

  private cnn(s: CnnSamples): HTMLElement[] {
    const classes = s.classNames.length;
    const confusion = canvas(`Confusion matrix over ${classes} classes: rows are the true class, columns the prediction`);
    const cell = fitCell(classes, 300, 16, 28);
    const rowTotals = s.confusion.map((r) => r.reduce((a, b) => a + b, 0) || 1);
    // Colour by the share of each true class, so rare classes read as clearly as common ones.
    drawHeatmap(confusion, {
      values: s.confusion.flatMap((r, i) => r.map((v) => v / rowTotals[i])),
      rows: classes,
      cols: classes,
      cell,
      colour: sequential,
      rowLabels: s.classNames,
      colLabels: s.classNames.map((_, i) => String(i)),
      cellText: (r, c) => String(s.confusion[r][c]),
    });
    const total = s.confusion.flat().reduce((a, b) => a + b, 0);
    const correct = s.confusion.reduce((a, r, i) => a + (r[i] ?? 0), 0);
    const samples = h(
      'div',
      { class: 'sample-grid' },
      ...s.images.map((img, i) => {
        const ok = s.predictions[i] === s.labels[i];
        const truth = s.classNames[s.labels[i]] ?? String(s.labels[i]);
        const guess = s.classNames[s.predictions[i]] ?? String(s.predictions[i]);
        return h(
          'figure',
          { class: 'sample' },
          imageCanvas(img, img.width <= 28 ? 2 : 2, `true ${truth}, predicted ${guess}`),
          h(
            'figcaption',
            {},
            h('span', { class: ok ? 'ok' : 'bad', text: `${ok ? '✓' : '✗'} ${guess} ${Math.round((s.confidence[i] ?? 0) * 100)}%` }),
            ok ? null : h('div', { text: `true: ${truth}` }),
          ),
        );
      }),
    );
    const parts = [
      card(
        'confusion',
        `Confusion matrix (${correct}/${total} right)`,
        confusion,
        h('div', { class: 'legend', text: 'rows: true class · columns: predicted' }),
      ),
      card('predictions', 'Sample predictions', samples),
    ];
    if (s.filters.length) {
      const filters = canvas(`${s.filters.length} first-layer filters`);
      drawImageTiles(filters, s.filters, Math.min(8, s.filters.length), s.filters[0].width <= 3 ? 12 : 6);
      parts.push(card('filters', `First-layer filters (${s.filters.length})`, filters));
    }
    return parts;
  }

  private gan(s: GanSamples): HTMLElement[] {
    const parts: HTMLElement[] = [];
    if (s.real && s.fake) {
      // One canvas for the whole run, redrawn in place: no flicker, and it stays the same element.
      this.scatter ??= canvas('Real points and generated points over the discriminator decision map');
      const scatter = this.scatter;
      scatter.id = 'ring-scatter';
      const extent = s.decisionMap?.extent ?? Math.max(1, ...s.real.map(Math.abs)) * 1.1;
      drawRingScatter(scatter, { real: s.real, fake: s.fake, extent, decision: s.decisionMap }, 340);
      parts.push(
        card(
          'gan-scatter',
          'Real vs generated, over D(x)',
          scatter,
          h(
            'div',
            { class: 'legend' },
            h('span', {}, h('span', { class: 'swatch real' }), 'real'),
            h('span', {}, h('span', { class: 'swatch fake' }), 'generated'),
            h('span', { text: 'background: D(x), blue = "fake", red = "real"' }),
          ),
          h('div', { class: 'legend', id: 'gan-d', text: `D(x) ${formatMetric(s.dReal)} · D(G(z)) ${formatMetric(s.dFake)}` }),
        ),
      );
    }
    if (s.images?.length) {
      const grid = canvas(`${s.images.length} generated images`);
      grid.id = 'gan-images';
      drawImageTiles(grid, s.images, Math.min(8, s.images.length), 2);
      parts.push(card('gan-samples', 'Generated samples', grid));
    }
    return parts;
  }

  private sequences(s: SequenceSamples): HTMLElement {
    const name = (t: number) => s.tokenNames[t] ?? String(t);
    const rows = s.examples.map((e) => {
      const right = e.predicted.every((p, i) => e.target[i] < 0 || p === e.target[i]);
      return h(
        'tr',
        {},
        h('td', { text: e.input.map(name).join(' ') }),
        h('td', {
          text: e.target
            .filter((t) => t >= 0)
            .map(name)
            .join(' '),
        }),
        h('td', {
          class: right ? 'ok' : 'bad',
          text: e.predicted
            .filter((_, i) => e.target[i] >= 0)
            .map(name)
            .join(' '),
        }),
      );
    });
    return card(
      'sequence-examples',
      'Examples',
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', { text: 'input' }), h('th', { text: 'target' }), h('th', { text: 'predicted' }))),
        h('tbody', {}, ...rows),
      ),
    );
  }

  private attention(a: AttentionEvent): HTMLElement {
    if (this.layer >= a.layers.length) this.layer = 0;
    const picker =
      a.layers.length > 1
        ? h(
            'label',
            { class: 'row' },
            'Layer ',
            (() => {
              const sel = h(
                'select',
                { id: 'attention-layer' },
                ...a.layers.map((_, i) => h('option', { value: String(i), text: String(i + 1) })),
              );
              sel.value = String(this.layer);
              sel.addEventListener('change', () => {
                this.layer = Number(sel.value);
                this.shownAttention = null;
                this.container.dispatchEvent(new CustomEvent('redraw'));
              });
              return sel;
            })(),
          )
        : null;
    const heads = a.layers[this.layer].heads;
    const t = a.tokens.length;
    const cell = fitCell(t, 220, 4, 22);
    // Key labels run along the top, so they need wider cells than query labels down the side.
    const rowLabels = t <= 24 ? a.tokens : undefined;
    const colLabels = cell >= 16 ? a.tokens : undefined;
    const maps = heads.map((w, i) => {
      const c = canvas(`Head ${i + 1} attention weights, ${t} queries by ${t} keys`);
      drawHeatmap(c, { values: w.flat(), rows: w.length, cols: w[0]?.length ?? 0, cell, colour: sequential, rowLabels, colLabels });
      return h('div', { class: 'head' }, c, h('span', { text: `head ${i + 1}` }));
    });
    const image = a.image ? imageCanvas(a.image, 3, 'the image these weights belong to') : null;
    return card(
      'attention',
      `Attention weights at step ${a.step} (rows: queries, columns: keys)`,
      ...(picker ? [picker] : []),
      h('div', { class: 'heads' }, ...(image ? [h('div', { class: 'head' }, image, h('span', { text: 'input' }))] : []), ...maps),
    );
  }
}

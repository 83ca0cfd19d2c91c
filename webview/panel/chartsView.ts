/**
 * The three live charts. What they plot depends on the model: the CNN and the attention
 * model show loss and train/validation accuracy; the GAN shows both players' losses and
 * the discriminator's outputs D(x) and D(G(z)), which meet at 0.5 when D is fooled.
 * Past runs are overlaid as dashed, lighter curves.
 */
import { alignSeries, positiveOnly, thinIndices, type XYSeries } from './align';
import { byId } from '../shared/dom';
import { type ChartData, LineChart, type LineSpec } from './lineChart';
import { epochSeries, type RunView } from './runState';
import { smoothEma } from './smoothing';

export interface Overlay {
  id: string;
  label: string;
  view: RunView;
}

export interface ChartSettings {
  smoothing: number;
  logScale: boolean;
}

/** Points drawn per line at most; older stretches of a long run are thinned. */
const MAX_POINTS = 3000;

interface Line {
  spec: LineSpec;
  series: XYSeries;
}

function thinned(x: number[], y: (number | null)[]): XYSeries {
  const idx = thinIndices(x.length, MAX_POINTS);
  return { x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) };
}

function toChart(lines: Line[], log: boolean): { specs: LineSpec[]; data: ChartData } {
  const data = alignSeries(lines.map((l) => l.series)) as ChartData;
  if (log) for (let i = 1; i < data.length; i++) data[i] = positiveOnly(data[i]);
  return { specs: lines.map((l) => l.spec), data };
}

/** The loss chart's lines: raw (faint) and smoothed, the generator's too for a GAN, then past runs. */
export function lossLines(view: RunView, overlays: Overlay[], s: ChartSettings): Line[] {
  const gan = view.config?.model === 'gan';
  const lines: Line[] = [];
  if (view.steps.length) {
    const name = gan ? 'D loss' : 'loss';
    lines.push({ spec: { label: name, color: 0, faint: true }, series: thinned(view.steps, view.loss) });
    lines.push({ spec: { label: `${name} (smoothed)`, color: 0 }, series: thinned(view.steps, smoothEma(view.loss, s.smoothing)) });
    const g = view.metrics.lossG;
    if (gan && g) {
      lines.push({ spec: { label: 'G loss', color: 1, faint: true }, series: thinned(view.steps, g) });
      lines.push({ spec: { label: 'G loss (smoothed)', color: 1 }, series: thinned(view.steps, smoothEma(g, s.smoothing)) });
    }
  }
  overlays.forEach((o, i) => {
    if (!o.view.steps.length) return;
    lines.push({
      spec: { label: o.label, color: 2 + i, dash: [6, 4], faint: true },
      series: thinned(o.view.steps, smoothEma(o.view.loss, s.smoothing)),
    });
  });
  return lines;
}

/** Accuracy (CNN, attention) or the discriminator's outputs (GAN). */
export function secondLines(view: RunView, overlays: Overlay[], s: ChartSettings): Line[] {
  const lines: Line[] = [];
  if (view.config?.model === 'gan') {
    const real = view.metrics.dReal;
    const fake = view.metrics.dFake;
    if (real) lines.push({ spec: { label: 'D(x)', color: 0 }, series: thinned(view.steps, smoothEma(real, s.smoothing)) });
    if (fake) lines.push({ spec: { label: 'D(G(z))', color: 1 }, series: thinned(view.steps, smoothEma(fake, s.smoothing)) });
    return lines;
  }
  const acc = view.metrics.accuracy;
  if (acc) lines.push({ spec: { label: 'train accuracy', color: 0 }, series: thinned(view.steps, smoothEma(acc, s.smoothing)) });
  const val = epochSeries(view, 'valAccuracy');
  if (val.x.length) lines.push({ spec: { label: 'validation accuracy', color: 1, points: true }, series: val });
  overlays.forEach((o, i) => {
    const v = epochSeries(o.view, 'valAccuracy');
    if (v.x.length) lines.push({ spec: { label: `${o.label} (val)`, color: 2 + i, dash: [6, 4], points: true, faint: true }, series: v });
  });
  return lines;
}

export class ChartsView {
  private readonly loss = new LineChart(byId('loss-body'), 'step', 'loss');
  private readonly second = new LineChart(byId('acc-body'), 'step', 'value');
  private readonly throughput = new LineChart(byId('tput-body'), 'step', 'examples/s', 160);

  render(view: RunView, overlays: Overlay[], s: ChartSettings): void {
    const gan = view.config?.model === 'gan';
    byId('acc-title').textContent = gan ? 'Discriminator: D(x) on real, D(G(z)) on generated' : 'Accuracy: train vs validation';
    const loss = toChart(lossLines(view, overlays, s), s.logScale);
    this.loss.setLogScale(s.logScale);
    this.loss.update(loss.specs, loss.data);
    const second = toChart(secondLines(view, overlays, s), false);
    this.second.update(second.specs, second.data);
    const tput = toChart(
      view.steps.length ? [{ spec: { label: 'examples/s', color: 2 }, series: thinned(view.steps, view.throughput) }] : [],
      false,
    );
    this.throughput.update(tput.specs, tput.data);
  }

  /** Theme changed: rebuild with the new colours. */
  restyle(): void {
    this.loss.rebuild();
    this.second.rebuild();
    this.throughput.rebuild();
  }
}

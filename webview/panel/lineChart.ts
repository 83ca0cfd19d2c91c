/**
 * A uPlot line chart that follows its container's width and the VS Code theme, and
 * switches between linear and log y scales. The set of lines may change (past runs
 * overlaid or removed), which uPlot handles by rebuilding the chart.
 */
import uPlot from 'uplot';
import { chartPalette } from './theme';

export interface LineSpec {
  label: string;
  /** index into the theme's series colours, or a colour string */
  color: number | string;
  width?: number;
  dash?: number[];
  /** lighter weight: raw noisy data behind its smoothed curve, or a past run */
  faint?: boolean;
  /** draw the points themselves (sparse series such as per-epoch validation) */
  points?: boolean;
}

export type ChartData = [number[], ...(number | null)[][]];

export class LineChart {
  private plot: uPlot | null = null;
  private lines: LineSpec[] = [];
  private data: ChartData = [[]];
  private logScale = false;
  private readonly resizer: ResizeObserver;

  constructor(
    private readonly container: HTMLElement,
    private readonly xLabel: string,
    private readonly yLabel: string,
    private readonly height = 220,
  ) {
    this.resizer = new ResizeObserver(() => this.fit());
    this.resizer.observe(container);
    this.rebuild();
  }

  /** Replaces the lines and their data; rebuilds the chart only when the lines changed. */
  update(lines: LineSpec[], data: ChartData): void {
    if (data.length !== lines.length + 1) {
      throw new RangeError(`LineChart '${this.yLabel}': ${lines.length} lines but ${data.length - 1} data columns`);
    }
    const changed = JSON.stringify(lines) !== JSON.stringify(this.lines);
    this.lines = lines;
    this.data = data;
    if (changed || !this.plot) this.rebuild();
    else this.plot.setData(data as uPlot.AlignedData);
  }

  setLogScale(log: boolean): void {
    if (log === this.logScale) return;
    this.logScale = log;
    this.rebuild();
  }

  /** After a theme change: colours are baked into uPlot's options, so build again. */
  rebuild(): void {
    this.plot?.destroy();
    this.plot = null;
    this.container.replaceChildren();
    if (this.lines.length === 0) {
      const note = document.createElement('p');
      note.className = 'empty-note';
      note.textContent = 'No data yet.';
      this.container.append(note);
      return;
    }
    const palette = chartPalette();
    const colorOf = (c: number | string) => (typeof c === 'number' ? palette.series[c % palette.series.length] : c);
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: palette.muted,
      labelSize: 18,
      grid: { stroke: palette.grid, width: 1 },
      ticks: { stroke: palette.grid, width: 1 },
      font: '11px sans-serif',
      labelFont: '11px sans-serif',
    });
    const opts: uPlot.Options = {
      width: Math.max(200, this.container.clientWidth),
      height: this.height,
      scales: {
        x: { time: false },
        y: this.logScale ? { distr: 3, log: 10 } : { auto: true },
      },
      axes: [axis(this.xLabel), axis(this.yLabel)],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: this.xLabel },
        ...this.lines.map((l) => ({
          label: l.label,
          stroke: colorOf(l.color),
          width: l.width ?? (l.faint ? 1 : 2),
          dash: l.dash,
          alpha: l.faint ? 0.45 : 1,
          spanGaps: true,
          points: l.points ? { show: true, size: 6, fill: colorOf(l.color) } : { show: false },
        })),
      ],
    };
    this.plot = new uPlot(opts, this.data as uPlot.AlignedData, this.container);
  }

  private fit(): void {
    if (!this.plot) return;
    const width = Math.max(200, this.container.clientWidth);
    if (width !== this.plot.width) this.plot.setSize({ width, height: this.height });
  }
}

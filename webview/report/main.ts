/**
 * The gradient report page: for a chosen layer and input, heatmaps of the analytic and
 * numeric gradients and their difference (2-D slices of any-rank tensors), the worst
 * elements, the layer's finding and each input's diagnosis, and a re-run button. Data arrives from the host by message.
 */
import './report.css';
import { kinkNote } from '../../src/gradcheck/format';
import { layerHeadline, otherFindings } from '../../src/gradcheck/headline';
import { looserPassText } from '../../src/gradcheck/looserTolerance';
import type { InputReport, LayerReport } from '../../src/gradcheck/types';
import type { ReportHostMessage, ReportSelection, ReportWebviewMessage } from '../../src/reportProtocol';
import { maxAbs, onThemeChange, themePalette } from '../shared/colour';
import { byId, h } from '../shared/dom';
import { cellAt } from '../shared/heatmap';
import { vscodeApi } from '../shared/vscodeApi';
import { drawGradientMap } from './heatmap';
import { defaultSlice, sliceLabel, takeSlice, type SliceSpec } from './slice';

const vscode = vscodeApi<ReportWebviewMessage>();

let reports: LayerReport[] = [];
let selection: ReportSelection | undefined;
let spec: SliceSpec | undefined;
let running = false;

const root = byId('root');

function keyOf(r: LayerReport): string {
  return `${r.file ?? ''}\u0000${r.name}`;
}

function currentLayer(): LayerReport | undefined {
  if (!selection) return reports[0];
  return reports.find((r) => (r.file ?? '') === selection!.file && r.name === selection!.layer) ?? reports[0];
}

function currentInput(layer: LayerReport): InputReport | undefined {
  const wanted = selection?.input;
  return layer.inputs.find((i) => i.name === wanted) ?? layer.inputs.find((i) => i.status === 'failed') ?? layer.inputs[0];
}

function baseName(file: string | undefined): string {
  return file ? file.split(/[\\/]/).pop()! : '';
}

/** "✓ passed", "✓ passed at the layer's atol 1e-4 (settings: atol 1e-5)" or "✗ failed": the words every other surface uses. */
function statusWord(r: LayerReport): string {
  return r.passed ? `✓ ${looserPassText(r) ?? 'passed'}` : '✗ failed';
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(3) : String(x);
}

function render(): void {
  root.replaceChildren();
  const layer = currentLayer();
  if (!layer) {
    root.append(
      h('p', { class: 'empty' }, 'No results yet: run "GradLens: Check Gradients in File" or click "Check gradients" above a layer.'),
    );
    return;
  }
  const input = currentInput(layer);
  selection = { file: layer.file ?? '', layer: layer.name, input: input?.name };
  vscode.setState({ selection });

  // Layer picker, input tabs, actions.
  const layerPicker = h('select', { id: 'layer-picker', title: 'Layer' });
  for (const r of reports) {
    const option = h('option', { value: keyOf(r) }, `${r.passed ? '✓' : '✗'} ${r.name} (${baseName(r.file)})`);
    option.selected = r === layer;
    layerPicker.append(option);
  }
  layerPicker.addEventListener('change', () => {
    const r = reports.find((x) => keyOf(x) === layerPicker.value);
    if (r) select({ file: r.file ?? '', layer: r.name });
  });
  const rerun = h('button', { id: 'rerun', disabled: running || !layer.file }, running ? 'Checking...' : 'Re-run check');
  rerun.addEventListener('click', () => {
    vscode.postMessage({ type: 'rerun', file: layer.file ?? '', layer: layer.name, mode: 'full' });
  });
  const reveal = h('button', { class: 'secondary', disabled: !layer.file }, 'Go to layer');
  reveal.addEventListener('click', () => vscode.postMessage({ type: 'reveal', file: layer.file ?? '', line: (layer.line ?? 1) - 1 }));
  root.append(h('header', {}, layerPicker, rerun, reveal));

  // Summary and diagnosis.
  const summary = h('section', { class: `summary ${layer.passed ? 'passed' : 'failed'}` });
  summary.append(h('h2', {}, `${statusWord(layer)}: ${layer.name}`));
  summary.append(
    h(
      'p',
      { class: 'meta' },
      `${layer.mode} mode · ${layer.timeMs.toFixed(0)} ms · ${layer.forwardCalls} forward calls · atol ${layer.tolerance.atol} rtol ${layer.tolerance.rtol} eps ${layer.tolerance.eps}`,
    ),
  );
  if (layer.error) summary.append(h('pre', { class: 'error' }, layer.error));
  // The layer-level finding leads, as on the lens, in Problems and in the CLI; the others follow it.
  const headline = layerHeadline(layer);
  if (headline) summary.append(h('p', { class: 'finding', id: 'finding' }, `Finding: ${headline.text}`));
  for (const f of otherFindings(layer)) summary.append(h('p', { class: 'hint' }, `Hint: ${f.text}`));
  if (layer.nondeterminism) summary.append(h('p', { class: 'diagnosis' }, `Nondeterministic: ${layer.nondeterminism}`));
  root.append(summary);

  if (layer.inputs.length === 0) return;
  const tabs = h('nav', { class: 'inputs' });
  for (const i of layer.inputs) {
    const tab = h('button', { class: `tab ${i.status}${i === input ? ' selected' : ''}` }, `d${i.name} · ${i.status}`);
    tab.addEventListener('click', () => select({ file: layer.file ?? '', layer: layer.name, input: i.name }));
    tabs.append(tab);
  }
  root.append(tabs);
  if (!input) return;

  const detail = h('section', { class: 'input' });
  detail.append(
    h(
      'p',
      {},
      h('strong', {}, `d${input.name}`),
      ` shape [${input.shape.join(', ')}] · ${input.status} · max abs err ${fmt(input.maxAbsError)} · max rel err ${fmt(input.maxRelError)} · ${input.checkedCount} compared${input.sampled ? ' (sampled)' : ''}${kinkNote(input) ? ` · ${kinkNote(input)}` : ''}`,
    ),
  );
  if (input.diagnosis) detail.append(h('p', { class: 'diagnosis', id: 'diagnosis' }, `Diagnosis: ${input.diagnosis}`));
  root.append(detail);

  let heatmaps = 0;
  const sameSize =
    input.analytic &&
    input.numeric &&
    input.analytic.length === input.numeric.length &&
    input.numeric.length === input.shape.reduce((a, b) => a * b, 1);
  if (sameSize) {
    heatmaps = renderHeatmaps(input, detail);
  } else {
    detail.append(
      h(
        'p',
        { class: 'note' },
        input.analytic && input.numeric
          ? `The analytic gradient has ${input.analytic.length} elements where ${input.shape.join('×')} = ${input.numeric.length} belong: no element-wise map.`
          : 'Heatmaps need every element: re-run a full check (fast and sparse modes compare projections or samples).',
      ),
    );
  }
  renderWorst(input, detail);
  vscode.postMessage({ type: 'rendered', selection, heatmaps, slice: spec ? sliceLabel(input.shape, spec) : '' });
}

function renderHeatmaps(input: InputReport, parent: HTMLElement): number {
  const shape = input.shape;
  if (!spec || spec.fixed.length !== shape.length) spec = defaultSlice(shape, input.worst[0]?.index);
  parent.append(renderSlicePicker(shape));
  const analytic = takeSlice(input.analytic!, shape, spec);
  const numeric = takeSlice(input.numeric!, shape, spec);
  const difference = { ...analytic, data: analytic.data.map((a, k) => a - numeric.data[k]) };
  const palette = themePalette();
  const shared = Math.max(maxAbs(analytic.data), maxAbs(numeric.data));
  const hover = h('p', { class: 'hover', id: 'hover' }, 'Hover a cell to read its values.');
  const maps = h('div', { class: 'maps' });
  const panels: [string, typeof analytic, number][] = [
    ['analytic (your backward)', analytic, shared],
    ['numeric (central differences)', numeric, shared],
    ['difference (analytic − numeric)', difference, maxAbs(difference.data)],
  ];
  for (const [title, slice, limit] of panels) {
    const canvas = h('canvas', { class: 'heatmap' });
    canvas.dataset.kind = title.split(' ')[0];
    drawGradientMap(canvas, slice, limit, palette);
    canvas.addEventListener('mousemove', (e) => {
      const at = cellAt(canvas, e.offsetX, e.offsetY);
      if (!at) return;
      const [r, c] = at;
      const k = r * slice.cols + c;
      hover.textContent = `[${slice.indexOf(r, c).join(', ')}]  analytic ${fmt(analytic.data[k])}  numeric ${fmt(numeric.data[k])}  difference ${fmt(difference.data[k])}`;
    });
    maps.append(h('figure', {}, canvas, h('figcaption', {}, `${title} · ±${fmt(limit)}`)));
  }
  parent.append(maps, hover);
  return panels.length;
}

function renderSlicePicker(shape: number[]): HTMLElement {
  const picker = h('div', { class: 'slice-picker', id: 'slice-picker' });
  const s = spec!;
  picker.append(h('span', {}, `slice ${sliceLabel(shape, s)}`));
  if (shape.length < 2) return picker;
  const axisSelect = (label: string, value: number, onChange: (axis: number) => void) => {
    const select = h('select', { title: label });
    shape.forEach((size, d) => {
      const option = h('option', { value: String(d) }, `axis ${d} (${size})`);
      option.selected = d === value;
      select.append(option);
    });
    select.addEventListener('change', () => onChange(Number(select.value)));
    return h('label', {}, `${label} `, select);
  };
  picker.append(
    axisSelect('rows', s.rowAxis, (axis) => {
      spec = axis === s.colAxis ? { ...s, rowAxis: axis, colAxis: s.rowAxis } : { ...s, rowAxis: axis };
      render();
    }),
    axisSelect('columns', s.colAxis, (axis) => {
      spec = axis === s.rowAxis ? { ...s, colAxis: axis, rowAxis: s.colAxis } : { ...s, colAxis: axis };
      render();
    }),
  );
  shape.forEach((size, d) => {
    if (d === s.rowAxis || d === s.colAxis) return;
    const input = h('input', { type: 'number', min: '0', max: String(size - 1), value: String(s.fixed[d]), class: 'axis-index' });
    input.addEventListener('change', () => {
      const i = Math.max(0, Math.min(size - 1, Math.round(Number(input.value)) || 0));
      spec = { ...s, fixed: s.fixed.map((v, k) => (k === d ? i : v)) };
      render();
    });
    picker.append(h('label', {}, `axis ${d} at `, input));
  });
  return picker;
}

function renderWorst(input: InputReport, parent: HTMLElement): void {
  if (input.worst.length === 0) return;
  const table = h('table', { class: 'worst', id: 'worst' });
  table.append(h('thead', {}, h('tr', {}, h('th', {}, 'index'), h('th', {}, 'analytic'), h('th', {}, 'numeric'), h('th', {}, 'abs err'))));
  const body = h('tbody');
  for (const w of input.worst) {
    body.append(
      h(
        'tr',
        {},
        h('td', {}, `[${w.index.join(', ')}]`),
        h('td', {}, fmt(w.analytic)),
        h('td', {}, fmt(w.numeric)),
        h('td', {}, fmt(Math.abs(w.analytic - w.numeric))),
      ),
    );
  }
  table.append(body);
  parent.append(h('h3', {}, 'Worst elements'), table);
}

function select(next: ReportSelection): void {
  const changedInput = !selection || selection.file !== next.file || selection.layer !== next.layer || selection.input !== next.input;
  if (changedInput) spec = undefined;
  selection = next;
  render();
}

window.addEventListener('message', (event: MessageEvent<ReportHostMessage>) => {
  const message = event.data;
  if (message.type === 'show') {
    reports = message.reports;
    running = message.running;
    if (message.selected) select(message.selected);
    else render();
  } else if (message.type === 'running') {
    running = message.running;
    const button = document.getElementById('rerun') as HTMLButtonElement | null;
    if (button) {
      button.disabled = running;
      button.textContent = running ? 'Checking...' : 'Re-run check';
    }
  }
});

const saved = vscode.getState() as { selection?: ReportSelection } | undefined;
selection = saved?.selection;
// The maps' middle colour is the editor's background: a new theme needs them redrawn.
onThemeChange(render);
render();
vscode.postMessage({ type: 'ready' });

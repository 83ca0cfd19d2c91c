/**
 * The training panel's page: wires the form, controls, charts and views to the
 * extension host. All state comes from host messages; the page keeps nothing that the
 * host cannot replay, so hiding or reloading the panel loses nothing.
 */
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import type {
  HostMessage,
  JobState,
  MeasuredSpeeds,
  PanelChoices,
  Placement,
  RunListItem,
  TrainingPlace,
} from '../../src/trainingPanelProtocol';
import { isHostMessage, speedKey, TRAINING_PLACES } from '../../src/trainingPanelProtocol';
import type { ModelKind, TrainEvent } from '../../src/training/events';
import type { ModelSummary } from '../../src/training/summary';
import { ChartsView, type Overlay } from './chartsView';
import { ConfigForm } from './configForm';
import { onThemeChange } from '../shared/colour';
import { byId, h } from '../shared/dom';
import { buildLayout } from './layout';
import { applyEvent, emptyRun, foldEvents, isActive, progressOf, type RunView, settleRecorded } from './runState';
import { renderRuns } from './runsTable';
import { renderSummary } from './summaryTable';
import { VisualsView } from './visuals';
import { loadState, post, saveState } from './vscodeApi';
import { PageTrainer } from './pageTrainer';
import { progressText } from './progressText';
import type { GpuProbe } from './pageWorkerProtocol';
import { decidePlacement, placementHint, placementText } from './placement';

buildLayout(byId('app'));

const saved = loadState();
let choices: PanelChoices = { models: [], datasets: [] };
let runs: RunListItem[] = [];
let job: JobState = 'idle';
let live: RunView = emptyRun();
/** A past run reopened from history, shown instead of the live one until dismissed. */
let opened: { id: string; view: RunView } | null = null;
const overlays = new Map<string, Overlay>();
const wantedOverlays = new Set(saved.overlays ?? []);
let summary: ModelSummary | null = null;
let settings = { smoothing: saved.smoothing ?? 0.9, logScale: saved.logScale ?? false };

/** Where the live job trains and why (from the host, which keeps it for replays). */
let placement: Placement | null = null;
const pageTrainer = new PageTrainer(document.body.dataset.workerSrc ?? null, post);
let probe: GpuProbe | null = null;
let probeError: string | null = null;
/** How fast each setup trained in each place on earlier runs (from the host), for auto's choice. */
let speeds: MeasuredSpeeds = {};
const trainOn = byId<HTMLSelectElement>('trainOn');

const charts = new ChartsView();
const visuals = new VisualsView(byId('visuals-body'));
/** A summary asked for by command stays until the form is changed. */
let summaryPinned = false;
const form = new ConfigForm((values) => {
  saveState({ form: { ...values } });
  summaryPinned = false;
  requestSummary();
  renderTrainOnHint();
});

const shown = (): RunView => opened?.view ?? live;

// ------------------------------------------------------------ rendering

let frame = 0;
let visualsDirty = false;
function scheduleRender(forceVisuals = false): void {
  visualsDirty ||= forceVisuals;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function render(): void {
  const view = shown();
  renderHeader(view);
  renderControls();
  renderProgress(view);
  charts.render(view, [...overlays.values()], settings);
  visuals.render(view, visualsDirty);
  visualsDirty = false;
}

function renderHeader(view: RunView): void {
  const backend = byId('backend');
  if (!opened && placement) {
    backend.textContent = placementText(placement);
    backend.title = `${placement.reason}${view.backend ? ` — backend: ${view.backend.name}: ${view.backend.description}` : ''}`;
  } else {
    backend.textContent = `training on: ${view.backend?.name ?? live.backend?.name ?? '—'}`;
    backend.title = view.backend?.description ?? 'The backend is reported when a run starts';
  }
  backend.dataset.where = !opened && placement ? placement.where : '';
  const status = byId('status');
  const state = opened ? `past run: ${view.status}` : view.status === 'idle' && job !== 'idle' ? job : view.status;
  status.textContent = state;
  status.dataset.state = opened ? 'past' : view.status;
}

function renderControls(): void {
  const running = job === 'running';
  const paused = job === 'paused';
  (byId('start') as HTMLButtonElement).disabled = job !== 'idle';
  (byId('pause') as HTMLButtonElement).disabled = !running;
  (byId('resume') as HTMLButtonElement).disabled = !paused;
  (byId('stop') as HTMLButtonElement).disabled = !(running || paused);
  form.setLocked(job !== 'idle');
  trainOn.disabled = job !== 'idle';
}

function renderProgress(view: RunView): void {
  (byId('progress') as HTMLProgressElement).value = progressOf(view);
  byId('progress-text').textContent = progressText(view, opened !== null);
}

function renderMessage(): void {
  const el = byId('message');
  const view = shown();
  const notes: string[] = [];
  if (opened) notes.push(`Showing past run ${opened.id}.`);
  if (view.error) {
    el.className = 'message error';
    el.setAttribute('role', 'alert');
    el.textContent = `Training failed: ${view.error}`;
    return;
  }
  el.className = 'message';
  el.setAttribute('role', 'status');
  const lastLog = view.logs[view.logs.length - 1];
  if (lastLog) notes.push(lastLog);
  el.textContent = notes.join(' ');
  if (opened) {
    const back = h('button', { type: 'button', class: 'secondary', id: 'showLive', text: 'Show current run' });
    back.addEventListener('click', () => {
      opened = null;
      renderAll();
    });
    el.append(' ', back);
  }
}

function notice(level: 'info' | 'error', message: string): void {
  const el = byId('message');
  el.className = level === 'error' ? 'message error' : 'message';
  el.setAttribute('role', level === 'error' ? 'alert' : 'status');
  el.textContent = message;
}

function renderRunList(): void {
  renderRuns(byId('runs-body'), runs, new Set(overlays.keys()), opened?.id ?? live.runId, {
    overlay: (id, on) => {
      if (on) {
        wantedOverlays.add(id);
        post({ type: 'overlayRun', id });
      } else {
        wantedOverlays.delete(id);
        overlays.delete(id);
        renderRunList();
        scheduleRender();
      }
      saveState({ overlays: [...wantedOverlays] });
    },
    open: (id) => post({ type: 'openRun', id }),
    export: (id, format) => post({ type: 'exportRun', id, format }),
    exportPyTorch: (id) => post({ type: 'exportPyTorch', source: { run: id } }),
  });
}

function renderSummaryTable(): void {
  const view = shown();
  const s = opened ? (view.summary ?? summary) : summary;
  renderSummary(byId('summary-body'), s);
}

function renderAll(): void {
  renderMessage();
  renderSummaryTable();
  renderRunList();
  scheduleRender(true);
}

// ------------------------------------------------------------ host messages

let summaryTimer = 0;
function requestSummary(): void {
  clearTimeout(summaryTimer);
  summaryTimer = window.setTimeout(() => {
    const v = form.values();
    if (!v.model) return;
    const causalShown = !byId('causal-field').classList.contains('hidden');
    post({
      type: 'requestSummary',
      model: v.model as ModelKind,
      preset: v.preset || undefined,
      dataset: v.dataset || undefined,
      causal: causalShown ? v.causal : undefined,
    });
  }, 150);
}

function onTrainEvent(event: TrainEvent): void {
  applyEvent(live, event);
  if (event.type === 'started') {
    summary = event.summary;
    summaryPinned = false;
    renderSummaryTable();
  }
  if (event.type === 'samples' || event.type === 'attention') visualsDirty = !opened;
  if (event.type === 'error' || event.type === 'log' || event.type === 'started') renderMessage();
  if (!opened) scheduleRender();
}

function onMessage(msg: HostMessage): void {
  switch (msg.type) {
    case 'init':
      choices = msg.choices;
      runs = msg.runs;
      job = msg.job;
      placement = msg.placement;
      speeds = msg.speeds ?? {};
      trainOn.value = saved.trainOn ?? msg.trainOn;
      probeIfNeeded();
      form.setChoices(choices, saved.form);
      if (msg.dataDir && !form.values().dataDir) form.setDataDir(msg.dataDir);
      for (const id of wantedOverlays) if (runs.some((r) => r.id === id)) post({ type: 'overlayRun', id });
      requestSummary();
      renderAll();
      break;
    case 'replay':
      live = foldEvents(msg.events);
      if (job === 'idle') settleRecorded(live);
      if (live.summary) summary = live.summary;
      renderAll();
      break;
    case 'event':
      onTrainEvent(msg.event);
      break;
    case 'job':
      job = msg.state;
      if (msg.placement !== undefined) placement = msg.placement;
      scheduleRender();
      break;
    case 'pageControl':
      pageTrainer.control(msg.request);
      break;
    case 'runs':
      runs = msg.runs;
      renderRunList();
      break;
    case 'speeds':
      speeds = msg.speeds;
      renderTrainOnHint();
      break;
    case 'overlay': {
      if (!wantedOverlays.has(msg.run.id)) break;
      overlays.set(msg.run.id, { id: msg.run.id, label: msg.run.label, view: foldEvents(msg.run.events) });
      renderRunList();
      scheduleRender();
      break;
    }
    case 'opened':
      opened = { id: msg.id, view: msg.id === live.runId && isActive(job) ? live : settleRecorded(foldEvents(msg.events)) };
      renderAll();
      byId('charts').scrollIntoView({ block: 'start' });
      break;
    case 'summary':
      // The form's summary waits while a run shows its own (the run's preset may differ).
      if (msg.source === 'form' && (summaryPinned || job !== 'idle')) break;
      summaryPinned = msg.source === 'command';
      summary = msg.summary;
      renderSummaryTable();
      if (msg.source === 'command') byId('summary').scrollIntoView({ block: 'start' });
      break;
    case 'dataDir':
      form.setDataDir(msg.dir);
      break;
    case 'notice':
      notice(msg.level, msg.message);
      break;
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  if (isHostMessage(e.data)) onMessage(e.data);
});

// ------------------------------------------------------------ where to train

function trainOnChoice(): TrainingPlace {
  return (TRAINING_PLACES as readonly string[]).includes(trainOn.value) ? (trainOn.value as TrainingPlace) : 'auto';
}

function readsFiles(): boolean {
  const name = form.values().dataset;
  return !!choices.datasets.find((d) => d.name === name)?.needsDataDir;
}

function placementInputs() {
  const { model, preset, dataset } = form.values();
  return {
    place: trainOnChoice(),
    probe,
    probeError: pageTrainer.available ? probeError : 'this panel has no in-page trainer',
    fileDataset: readsFiles(),
    measured: speeds[speedKey(model, preset, dataset)],
  };
}

function renderTrainOnHint(): void {
  byId('trainOn-hint').textContent = placementHint(placementInputs());
}

/** Asks the page's worker what GPU it has, unless runs are set to train in the host. */
function probeIfNeeded(): Promise<void> {
  renderTrainOnHint();
  if (trainOnChoice() === 'host' || !pageTrainer.available || probe || probeError) return Promise.resolve();
  return pageTrainer
    .probe()
    .then(
      (p) => {
        probe = p;
      },
      (err: Error) => {
        probeError = err.message;
      },
    )
    .then(renderTrainOnHint);
}

trainOn.addEventListener('change', () => {
  saveState({ trainOn: trainOnChoice() });
  void probeIfNeeded();
});

byId('start').addEventListener('click', async () => {
  const config = form.config((m) => notice('error', m));
  if (!config || job !== 'idle') return;
  opened = null;
  live = emptyRun();
  job = 'running';
  notice('info', 'Starting…');
  renderAll();
  render();
  await probeIfNeeded();
  const chosen = decidePlacement(placementInputs());
  placement = chosen;
  if (chosen.where === 'page' && !pageTrainer.busy) pageTrainer.start(config, chosen);
  else post({ type: 'start', config, placement: chosen });
  scheduleRender();
});
byId('pause').addEventListener('click', () => post({ type: 'pause' }));
byId('resume').addEventListener('click', () => post({ type: 'resume' }));
byId('stop').addEventListener('click', () => post({ type: 'stop' }));
byId('pickDataDir').addEventListener('click', () => post({ type: 'pickDataDir' }));
byId('refreshRuns').addEventListener('click', () => post({ type: 'refreshRuns' }));
byId('importTrainLog').addEventListener('click', () => post({ type: 'importTrainLog' }));
byId('exportPyTorch').addEventListener('click', () => {
  const config = form.config((m) => notice('error', m));
  if (config) post({ type: 'exportPyTorch', source: { config } });
});

const logScale = byId<HTMLInputElement>('logScale');
const smoothing = byId<HTMLInputElement>('smoothing');
logScale.checked = settings.logScale;
smoothing.value = String(settings.smoothing);
byId('smoothing-value').textContent = settings.smoothing.toFixed(2);
logScale.addEventListener('change', () => {
  settings = { ...settings, logScale: logScale.checked };
  saveState({ logScale: settings.logScale });
  scheduleRender();
});
smoothing.addEventListener('input', () => {
  settings = { ...settings, smoothing: Math.min(0.99, Math.max(0, Number(smoothing.value))) };
  byId('smoothing-value').textContent = settings.smoothing.toFixed(2);
  saveState({ smoothing: settings.smoothing });
  scheduleRender();
});

byId('visuals-body').addEventListener('redraw', () => scheduleRender(true));
onThemeChange(() => {
  charts.restyle();
  scheduleRender(true);
});

renderAll();
post({ type: 'ready' });

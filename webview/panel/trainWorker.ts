/**
 * The panel's in-page trainer (dist/webview/trainWorker.js), a Web Worker so the page
 * stays responsive while it trains. It probes WebGL2 on an OffscreenCanvas, installs the
 * gpu.js backend for float32 ops, and runs the same TrainLoop as the extension host,
 * posting its events and run record to the page. One run at a time; the worker (and its
 * compiled kernels) serves the page's later runs too.
 */
import { chooseGpuBackend, GpuJs, setBackend, TrainLoop } from '../browserEngine';
import type { GpuChoice, RunRecorder } from '../browserEngine';
import type { PageRecordOp } from '../../src/trainingPanelProtocol';
import type { FromWorker, GpuProbe, ToWorker } from './pageWorkerProtocol';

const scope = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker): void => scope.postMessage(m);

/**
 * Least time between two sample pictures when the run does not say (the loop's default
 * is 1 s). A sample pass evaluates the model on other shapes (the GAN's decision map is
 * a grid of points): measured on SwiftShader it costs ~0.8 s warm, so at 1 s the run
 * would spend most of its time drawing samples, and once a step plus a sample pass
 * exceeds the interval, every step draws them (measured: 2-3 s a step instead of ~0.14 s).
 */
const PAGE_SAMPLE_INTERVAL_MS = 3000;

let choice: Promise<GpuChoice> | null = null;
let loop: TrainLoop | null = null;

/** The probe's findings, for the page; the backend object stays here. */
function probeOf({ backend: _kept, ...probe }: GpuChoice): GpuProbe {
  return probe;
}

/** The run record, kept by the host: each call becomes one message, in order. */
function recorder(config: Record<string, unknown>, label: string): RunRecorder {
  const token = `page-${Date.now().toString(36)}-${Math.floor(Math.random() * 0xffffffff).toString(36)}`;
  const record = (r: PageRecordOp) => post({ type: 'record', record: r });
  record({ op: 'create', token, config: { ...config, trainedIn: 'page' }, label });
  return {
    id: token,
    append: (row) => record({ op: 'append', token, row }),
    saveWeights: (entries) =>
      record({ op: 'weights', token, entries: entries.map((e) => ({ name: e.name, shape: e.shape, data: Array.from(e.data) })) }),
    finish: (status, metrics, error) => record({ op: 'finish', token, status, metrics, ...(error ? { error } : {}) }),
  };
}

async function start(config: ToWorker & { type: 'start' }): Promise<void> {
  if (loop) {
    post({ type: 'failed', message: 'a run is already training in the page' });
    return;
  }
  const gpu = await (choice ??= chooseGpuBackend(GpuJs));
  setBackend(gpu.backend);
  let current: TrainLoop;
  try {
    current = new TrainLoop(
      { ...config.config, sampleIntervalMs: config.config.sampleIntervalMs ?? PAGE_SAMPLE_INTERVAL_MS },
      {
        onEvent: (event) => post({ type: 'event', event }),
        selectBackend: () => ({ name: gpu.label, description: `gpu.js ${gpu.mode} in the panel's page: ${gpu.reason}` }),
        startRecord: recorder,
      },
    );
  } catch (err) {
    post({ type: 'event', event: { type: 'error', message: (err as Error).message } });
    post({ type: 'finished' });
    return;
  }
  loop = current;
  // The loop reports its own failures as an 'error' event before rejecting.
  await current.run().catch(() => undefined);
  loop = null;
  post({ type: 'finished' });
}

scope.onmessage = (e) => {
  const msg = e.data;
  switch (msg?.type) {
    case 'probe':
      (choice ??= chooseGpuBackend(GpuJs)).then(
        (c) => post({ type: 'probed', probe: probeOf(c) }),
        (err: unknown) => post({ type: 'failed', message: `the GPU probe failed: ${err instanceof Error ? err.message : String(err)}` }),
      );
      return;
    case 'start':
      start(msg).catch((err: unknown) => {
        loop = null;
        post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
      });
      return;
    case 'control':
      if (msg.request === 'pause') loop?.pause();
      else if (msg.request === 'resume') loop?.resume();
      else loop?.stop();
      return;
    default:
      post({ type: 'failed', message: `the training worker got an unknown request ${JSON.stringify(msg)}` });
  }
};

/**
 * Where a run trains: the panel's "Train on" choice (auto / host CPU / page GPU) and the
 * page's GPU probe decide between the fast CPU backend in the extension host and gpu.js
 * in the page. Auto goes by measured speed when earlier runs of the same setup trained in
 * both places (the host records them, see src/extension/trainingPanel/speeds.ts): a GPU's
 * name does not say how fast it trains this model. Without both figures it trains in the
 * page only on a hardware GPU: a software renderer (SwiftShader, llvmpipe) runs the
 * kernels slower than the host's CPU path. Every decision carries its reason, which the
 * panel shows. No DOM here: tested in Node.
 */
import type { MeasuredSpeed, Placement, TrainingPlace } from '../../src/trainingPanelProtocol';
import type { GpuProbe } from './pageWorkerProtocol';

export const HOST_LABEL = 'fast CPU in the extension host';

export const PLACE_LABELS: Record<TrainingPlace, string> = { auto: 'auto', host: 'host CPU', page: 'page GPU' };

/** What the page knows when a run is about to start. */
export interface PlacementInputs {
  place: TrainingPlace;
  /** The worker's GPU probe, or null when it could not run. */
  probe: GpuProbe | null;
  /** Why the probe could not run (no worker, no OffscreenCanvas...). */
  probeError?: string | null;
  /** The dataset is read from files (mnist, cifar10...), which only the host can open. */
  fileDataset: boolean;
  /** How fast this setup trained in each place on earlier runs, when known. */
  measured?: MeasuredSpeed | null;
}

function rendererName(renderer: string | null): string {
  if (!renderer) return 'a software renderer';
  if (/swiftshader/i.test(renderer)) return 'SwiftShader';
  if (/llvmpipe/i.test(renderer)) return 'llvmpipe';
  if (/lavapipe/i.test(renderer)) return 'lavapipe';
  return renderer;
}

/** Why the probe's GPU is not worth training on, in the panel's words. */
function whyNotGpu(probe: GpuProbe): string {
  if (probe.software) return `the page's GPU is ${rendererName(probe.renderer)}, a software renderer: slower than the CPU path`;
  if (probe.api === 'WebAssembly' || probe.api === 'JavaScript')
    return `the page has no WebGL: gpu.js would run ${probe.api} on the CPU, slower than the host's CPU path`;
  return probe.reason;
}

const host = (reason: string): Placement => ({ where: 'host', label: HOST_LABEL, reason });

function rate(perSecond: number, unit: string): string {
  return `${perSecond >= 10 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1)} ${unit}`;
}

/** The faster place by the figures; a tie stays in the host, which does not depend on the page staying open. */
function byMeasuredSpeed(probe: GpuProbe, page: number, hostRate: number, unit: string): Placement {
  const earlier = 'it trained faster there on earlier runs of this setup';
  if (page > hostRate)
    return {
      where: 'page',
      label: probe.label,
      reason: `${earlier}: ${rate(page, unit)} against ${rate(hostRate, unit)} in the extension host`,
    };
  return host(`${earlier}: ${rate(hostRate, unit)} against ${rate(page, unit)} in the page`);
}

export function decidePlacement(inputs: PlacementInputs): Placement {
  const { place, probe } = inputs;
  if (place === 'host') return host('"Train on" is set to host CPU');
  if (inputs.fileDataset) return host('the dataset is read from files, which only the extension host can open');
  if (!probe) return host(`the page cannot train: ${inputs.probeError ?? 'its GPU probe did not answer'}`);
  if (place === 'page') {
    const slower = probe.recommended === 'gpu' ? '' : ` (${whyNotGpu(probe)})`;
    return { where: 'page', label: probe.label, reason: `"Train on" is set to page GPU${slower}` };
  }
  const measured = inputs.measured;
  if (measured?.page !== undefined && measured.host !== undefined)
    return byMeasuredSpeed(probe, measured.page, measured.host, measured.unit);
  if (probe.recommended === 'gpu') return { where: 'page', label: probe.label, reason: probe.reason };
  return host(whyNotGpu(probe));
}

/** The header's line: "training on: WebGL2, ANGLE (...)" or "training on: fast CPU in the extension host (why)". */
export function placementText(p: Placement): string {
  return p.where === 'page' ? `training on: ${p.label}` : `training on: ${p.label} (${p.reason})`;
}

/** The hint under the "Train on" control before a run: what auto (or the forced choice) would do. */
export function placementHint(inputs: PlacementInputs): string {
  if (inputs.place === 'auto' && !inputs.probe && !inputs.probeError) return 'auto: probing the page’s GPU…';
  const p = decidePlacement(inputs);
  const where = p.where === 'page' ? `in this page on ${p.label}` : 'in the extension host, on its fast CPU backend';
  return `${PLACE_LABELS[inputs.place]}: trains ${where}, because ${p.reason}.`;
}

/**
 * Which code lenses a file gets, decided from the layers found in its text and the last
 * results: no user code runs here. Pure, so the untrusted-workspace case is tested in Node.
 */
import type { DiscoveredLayer, TagCandidate } from '../layers/types';
import type { LayerReport } from '../gradcheck/types';
import { lensOutcome } from './outcomeText';

export const COMMANDS = {
  checkFile: 'gradlens.checkFile',
  checkLayer: 'gradlens.checkLayer',
  fastCheckLayer: 'gradlens.fastCheckLayer',
  checkWorkspace: 'gradlens.checkWorkspace',
  showReport: 'gradlens.showReport',
  openTrainingPanel: 'gradlens.openTrainingPanel',
  showModelSummary: 'gradlens.showModelSummary',
  openExample: 'gradlens.openExample',
  addTag: 'gradlens.addTag',
  manageTrust: 'workbench.trust.manage',
} as const;

export interface LensSpec {
  /** 0-based line the lens sits above. */
  line: number;
  title: string;
  tooltip?: string;
  command: string;
  /** Layer name for layer commands; the command also receives the file's URI. */
  layer?: string;
  /** Candidate name for "Add @gradcheck tag…"; the command also receives the document's URI. */
  candidate?: string;
}

export interface LensState {
  trusted: boolean;
  /** Layers of this file whose check is running now. */
  running: ReadonlySet<string>;
  /** The last report for each layer of this file, by name. */
  results: ReadonlyMap<string, LayerReport>;
}

/**
 * Layers get check lenses (or, in Restricted Mode, a lens that says why none runs);
 * untagged candidates get "Add @gradcheck tag…", which only edits text and so is offered
 * in Restricted Mode too.
 */
export function lensSpecs(layers: DiscoveredLayer[], state: LensState, candidates: TagCandidate[] = []): LensSpec[] {
  const specs: LensSpec[] = [];
  for (const candidate of candidates) {
    specs.push({
      line: candidate.line,
      title: '$(tag) Add @gradcheck tag…',
      tooltip: `GradLens needs the shapes of ${candidate.name}'s inputs to check it: name them in a @gradcheck tag`,
      command: COMMANDS.addTag,
      candidate: candidate.name,
    });
  }
  for (const layer of layers) {
    const line = layer.line;
    if (!state.trusted) {
      specs.push({
        line,
        title: '$(shield) GradLens runs no code in Restricted Mode: trust this folder to check gradients',
        tooltip: 'Checking gradients runs this file. Open Workspace Trust to allow it.',
        command: COMMANDS.manageTrust,
      });
      continue;
    }
    if (state.running.has(layer.name)) {
      specs.push({ line, title: '$(sync~spin) Checking gradients...', command: '', layer: layer.name });
      continue;
    }
    specs.push({
      line,
      title: '$(beaker) Check gradients',
      tooltip: `Finite-difference check of every input of '${layer.name}' in float64`,
      command: COMMANDS.checkLayer,
      layer: layer.name,
    });
    specs.push({
      line,
      title: '$(zap) Fast check',
      tooltip: 'Compare random projections vᵀJu only (falls back to a full check on failure)',
      command: COMMANDS.fastCheckLayer,
      layer: layer.name,
    });
    const report = state.results.get(layer.name);
    if (report) {
      specs.push({
        line,
        title: lensOutcome(report),
        tooltip: 'Open the gradient report',
        command: COMMANDS.showReport,
        layer: layer.name,
      });
    }
  }
  return specs.sort((a, b) => a.line - b.line);
}

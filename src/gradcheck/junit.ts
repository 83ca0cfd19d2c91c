import type { InputReport, LayerReport } from './types';
import { layerHeadline, otherFindings } from './headline';
import { looserPassText } from './looserTolerance';
import { formatIndex } from './shapes';

/**
 * JUnit XML for CI systems: one <testsuite> per file, one <testcase> per layer input
 * (plus one for the layer itself when it could not be checked at all). Failures carry
 * the layer's headline finding (headline.ts) and the diagnosis as their message, and
 * expected (numeric) / actual (analytic) values in their body. Inputs without a gradient
 * are <skipped>; an input whose every element sits at a kink is a failure, matching the
 * report's `passed: false` for it. A pass at the layer's own, looser tolerance says so in
 * each passing case's <system-out>.
 */
export function toJUnitXml(reports: LayerReport[]): string {
  const byFile = new Map<string, LayerReport[]>();
  for (const r of reports) {
    const key = r.file ?? '(no file)';
    byFile.set(key, [...(byFile.get(key) ?? []), r]);
  }
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const [file, layers] of byFile) {
    const cases: TestCase[] = layers.flatMap((layer) => casesOf(layer, file));
    const counts = {
      tests: cases.length,
      failures: cases.filter((c) => c.outcome?.kind === 'failure').length,
      errors: cases.filter((c) => c.outcome?.kind === 'error').length,
      skipped: cases.filter((c) => c.outcome?.kind === 'skipped').length,
      time: layers.reduce((t, l) => t + l.timeMs / 1000, 0),
    };
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += counts[k];
    suites.push(
      `  <testsuite name="${attr(file)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${secs(counts.time)}">\n` +
        cases.map(renderCase).join('') +
        '  </testsuite>\n',
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="gradlens" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${secs(totals.time)}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

interface TestCase {
  classname: string;
  name: string;
  timeS: number;
  outcome?: { kind: 'failure' | 'error' | 'skipped'; type?: string; message: string; body?: string };
  /** Said about a case that passed. */
  note?: string;
}

function casesOf(layer: LayerReport, file: string): TestCase[] {
  const classname = `${file}.${layer.name}`;
  const layerCase = (outcome: TestCase['outcome']): TestCase => ({ classname, name: layer.name, timeS: layer.timeMs / 1000, outcome });
  if (layer.error !== undefined) {
    return [layerCase({ kind: 'error', type: 'LayerError', message: layer.error })];
  }
  const cases: TestCase[] = [];
  if (layer.nondeterminism !== undefined) {
    cases.push(layerCase({ kind: 'failure', type: 'Nondeterministic', message: layer.nondeterminism }));
  }
  const looser = looserPassText(layer);
  for (const input of layer.inputs) {
    const outcome = outcomeOf(input, layer);
    const note = outcome === undefined ? looser : undefined;
    cases.push({ classname, name: `${layer.name}: d${input.name}`, timeS: (input.timeMs ?? 0) / 1000, outcome, ...(note ? { note } : {}) });
  }
  if (cases.length === 0) cases.push(layerCase({ kind: 'failure', type: 'NothingChecked', message: 'the layer has no inputs to check' }));
  return cases;
}

function outcomeOf(input: InputReport, layer: LayerReport): TestCase['outcome'] {
  switch (input.status) {
    case 'passed':
      return undefined;
    case 'not-checked':
      return { kind: 'skipped', message: input.diagnosis ?? `no gradient for ${input.name}` };
    case 'kink':
      return { kind: 'failure', type: 'AllKinks', message: input.diagnosis ?? `every element of ${input.name} sits at a kink` };
    case 'failed': {
      const tol = layer.tolerance;
      const own = `d${input.name}: ${input.diagnosis ?? 'gradient mismatch'}`;
      // The layer's headline leads each failing input, as on every other surface.
      const headline = layerHeadline(layer);
      const rest = otherFindings(layer).map((f) => f.text);
      const lines = [
        ...(headline ? [`finding: ${headline.text}`] : []),
        own,
        `max abs error ${input.maxAbsError}, max rel error ${input.maxRelError} (atol ${tol.atol}, rtol ${tol.rtol}, eps ${tol.eps})`,
        ...input.worst.map((w) => `${formatIndex(w.index)}: expected (numeric) ${w.numeric}, actual (analytic) ${w.analytic}`),
        ...(rest.length > 0 ? [`hint: ${rest.join('. ')}`] : []),
      ];
      return {
        kind: 'failure',
        type: 'GradientMismatch',
        message: headline ? `${headline.short} · ${own}` : own,
        body: lines.join('\n'),
      };
    }
  }
}

function renderCase(c: TestCase): string {
  const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="${secs(c.timeS)}"`;
  if (!c.outcome) return c.note ? `${open}>\n      <system-out>${text(c.note)}</system-out>\n    </testcase>\n` : `${open}/>\n`;
  const o = c.outcome;
  const typeAttr = o.type ? ` type="${attr(o.type)}"` : '';
  const inner =
    o.kind === 'skipped'
      ? `<skipped message="${attr(o.message)}"/>`
      : `<${o.kind} message="${attr(o.message)}"${typeAttr}>${text(o.body ?? o.message)}</${o.kind}>`;
  return `${open}>\n      ${inner}\n    </testcase>\n`;
}

function secs(s: number): string {
  return Number.isFinite(s) ? s.toFixed(3) : '0.000';
}

// XML 1.0 forbids most control characters (ANSI escapes included) and lone surrogates.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/**
 * What the report page may ask of the host. A webview is a web page: a page that was
 * compromised (or simply buggy) must not make the host open or run a file the user never
 * checked. So after the shape check (reportProtocol.ts), `reveal` and `rerun` are granted
 * only for files, and layers, that have results in this session. Kept free of the vscode
 * module so it can be tested in plain Node.
 */
import { type CheckedReportMessage, parseReportMessage, type ReportRendered } from '../reportProtocol';

/** What the host knows this session: the result store seen as two questions. */
export interface KnownResults {
  hasFile(file: string): boolean;
  hasLayer(file: string, layer: string): boolean;
}

/** Shape, then permission; a refusal says which and why, for the output channel. */
export function checkReportMessage(raw: unknown, known: KnownResults): CheckedReportMessage {
  const parsed = parseReportMessage(raw);
  if (!parsed.ok) return parsed;
  const m = parsed.message;
  if ((m.type === 'reveal' || m.type === 'rerun') && !known.hasFile(m.file)) {
    return { ok: false, reason: `${m.type}: ${m.file} has no results in this session` };
  }
  if (m.type === 'rerun' && !known.hasLayer(m.file, m.layer)) {
    return { ok: false, reason: `rerun: ${m.file} has no results for layer ${m.layer}` };
  }
  return parsed;
}

/** The host's side of the report page: what each admitted message does. */
export interface ReportHost extends KnownResults {
  ready(): void;
  rerun(file: string, layer: string, mode: 'full' | 'fast'): void;
  reveal(file: string, line: number): void;
  rendered(message: ReportRendered): void;
  /** A message was ignored; `reason` names the field or the missing results. */
  refused(reason: string): void;
}

export function receiveReportMessage(raw: unknown, host: ReportHost): void {
  const checked = checkReportMessage(raw, host);
  if (!checked.ok) {
    host.refused(checked.reason);
    return;
  }
  const m = checked.message;
  switch (m.type) {
    case 'ready':
      host.ready();
      break;
    case 'rerun':
      host.rerun(m.file, m.layer, m.mode);
      break;
    case 'reveal':
      host.reveal(m.file, m.line);
      break;
    case 'rendered':
      host.rendered(m);
      break;
  }
}

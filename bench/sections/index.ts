/**
 * Extension point of `npm run bench`: each entry is an async function that
 * measures something and returns a titled table; bench.ts runs them after its
 * own sections, prints their tables and stores them in the JSON results under
 * `sections`. Add a file here (e.g. gradcheck.ts) and list its export below.
 */
import { gpujsSection } from './gpujs';
import { gradcheckSection } from './gradcheck';
import { memorySection } from './memory';
import { profileSection } from './profile';
import { pythonSection } from './python';

export interface BenchContext {
  /** Fewer runs, for a smoke test of the bench itself. */
  quick: boolean;
  /** Progress line on stderr (the tables go to stdout). */
  log(line: string): void;
}

export type BenchCell = string | number | null;

export interface BenchSectionResult {
  title: string;
  /** Rows with the same keys; keys become the table's columns. */
  rows: Array<Record<string, BenchCell>>;
  notes?: string[];
}

export type BenchSection = (ctx: BenchContext) => Promise<BenchSectionResult>;

/** Sections contributed by other parts of GradLens (gradient-check speed, ...), run in order. */
export const extraSections: BenchSection[] = [profileSection, memorySection, gpujsSection, gradcheckSection, pythonSection];

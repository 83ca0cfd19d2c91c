/**
 * The Python source a check runs (a .py file, or the definitions of a notebook's code
 * cells joined into one program) with its layers, and the worker's errors described in the
 * user's terms: the file and line (or notebook cell and line) of the innermost frame in
 * their code, and the fix for an import their interpreter lacks.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckFileOptions, DiscoveredLayer } from '../types';
import { discoverPythonLayers } from './discover';
import { discoverNotebookLayers, notebookCodeCells, notebookDefinitions } from './notebook';
import type { WireMessage } from './wire';

/** The source the worker runs, and how to name a line of it in messages. */
export interface Program {
  source: string;
  /** The file name Python compiles it under (tracebacks use it). */
  filename: string;
  layers: DiscoveredLayer[];
  where(line: number): string;
}

export function readProgram(file: string, options: CheckFileOptions): Program {
  const base = path.basename(file);
  if (file.toLowerCase().endsWith('.ipynb')) {
    const cells = options.notebookCells ?? notebookCodeCells(options.text ?? readFileSync(file, 'utf8'));
    const definitions = notebookDefinitions(cells);
    return {
      source: definitions.source,
      filename: file,
      layers: discoverNotebookLayers(cells),
      where(line) {
        const at = definitions.lines[line - 1];
        return at ? `${base}, cell ${at.cell + 1}, line ${at.line + 1}` : `${base}`;
      },
    };
  }
  const source = options.text ?? readFileSync(file, 'utf8');
  return { source, filename: file, layers: discoverPythonLayers(source), where: (line) => `${base}:${line}` };
}

interface Frame {
  line: number;
  name: string;
  file: string | null;
}

interface PythonError {
  error: string;
  frames?: Frame[];
  syntax?: { line: number | null; column: number | null; message: string } | null;
  position?: number | null;
}

type Status = { ok: boolean } & PythonError;

export function statusOf(message: WireMessage): Status {
  return message.header as unknown as Status;
}

/** "ValueError: ... (at conv.py:23 in conv_forward_naive)", with the innermost frame in the user's code. */
export function describeError(answer: PythonError, program: Program): string {
  if (answer.syntax?.line) {
    return `${answer.error.split(':')[0]}: ${answer.syntax.message} (at ${program.where(answer.syntax.line)}${answer.syntax.column ? `, column ${answer.syntax.column}` : ''})`;
  }
  const frame = answer.frames?.[answer.frames.length - 1];
  if (!frame) return answer.error;
  const where = frame.file === null ? program.where(frame.line) : `${path.basename(frame.file)}:${frame.line}`;
  return `${answer.error} (at ${where}${frame.name && frame.name !== '<module>' ? ` in ${frame.name}` : ''})`;
}

/** The top-level module a "No module named 'x.y'" message names ('x'), if it names one. */
export function missingModule(message: string): string | undefined {
  return /No module named '([\w.]+)'/.exec(message)?.[1]?.split('.')[0];
}

/**
 * An import the user's module needs that the interpreter lacks gets the fix beside it,
 * naming `elsewhere` when another Python on this machine has the module (otherInterpreter.ts).
 */
export function withImportFix(message: string, pythonPath: string, elsewhere?: string): string {
  const missing = missingModule(message);
  if (!missing) return message;
  const debian = missing === 'torch' ? 'python3-torch' : missing === 'numpy' ? 'python3-numpy' : `python3-${missing}`;
  const pip = missing === 'torch' ? 'torch' : missing;
  const other = elsewhere ? `, such as '${elsewhere}', which has it` : ' that has it';
  return `${message}: the interpreter '${pythonPath}' cannot import ${missing}; install it there ('${pythonPath} -m pip install ${pip}', or Debian's ${debian}) or set the gradlens.pythonPath setting (CLI: --python) to a Python${other}`;
}

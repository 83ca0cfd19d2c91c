/**
 * Checks one Python layer: sets it up in the worker process with its tag's values, has the
 * checker thread check it, and relays the thread's requests (forward, backward) to the
 * process. A layer that runs past its time limit, exits or crashes the process is reported
 * on its own, in the words a user needs.
 */
import type { CheckOptions, LayerReport } from '../../gradcheck/types';
import { formatSeconds } from '../limits';
import { errorReport } from '../reports';
import { tagValues } from '../tagValues';
import type { DiscoveredLayer } from '../types';
import type { CheckJob } from './checkThread';
import { PythonExited, type PythonProcess } from './process';
import { describeError, type Program, statusOf, withImportFix } from './program';
import type { CheckThread } from './warm';

export interface LayerRun {
  check: CheckOptions;
  seed: number;
  timeoutMs: number;
  memoryMb: number;
  signal?: AbortSignal;
  pythonPath: string;
}

/** Why a process that died during a layer did: in the words a user needs. */
export function deathReason(err: PythonExited, timedOut: boolean, timeoutMs: number, memoryMb: number): string {
  if (timedOut) return `timed out after ${formatSeconds(timeoutMs)} (an infinite loop?)`;
  if (err.signal === 'SIGKILL' || err.signal === 'SIGSEGV' || /MemoryError|Cannot allocate/.test(err.stderrTail)) {
    return err.signal === 'SIGSEGV'
      ? 'crashed the Python worker (a segmentation fault in native code)'
      : `ran out of memory or was killed (the limit is ${memoryMb} MB)`;
  }
  const last = err.stderrTail.trim().split('\n').slice(-1)[0];
  return `stopped the Python worker (os._exit(${err.code ?? '?'})?)${last ? `: ${last}` : ''}`;
}

let nextLayerId = 1;

/** Sets one layer up in the worker and checks it in the thread, relaying its requests. */
export async function checkLayer(
  proc: PythonProcess,
  t: CheckThread,
  d: DiscoveredLayer,
  program: Program,
  run: LayerRun,
): Promise<LayerReport> {
  const mode = run.check.mode;
  const tolerance = { ...run.check.tolerance, ...d.tolerance };
  const fail = (message: string) => errorReport(d.name, message, mode, tolerance);
  const id = `L${nextLayerId++}`;
  const args = d.args ?? d.inputNames.map((name, i) => ({ kind: 'tensor' as const, name, shape: d.inputShapes?.[i] ?? [] }));
  const values = tagValues(args, run.seed);
  // The layer's own randomness (dropout from np.random) gets a stream apart from its inputs', as ctx.rng does in JavaScript.
  const layerSeed = (run.seed ^ 0x2545f491) >>> 0;

  return new Promise<LayerReport>((resolve) => {
    let settled = false;
    let timedOut = false;
    const finish = (report: LayerReport) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      t.relay = undefined;
      t.pending = undefined;
      t.worker.unref();
      resolve(report);
    };
    const died = (err: unknown) => {
      if (err instanceof PythonExited) return finish(fail(`${d.name} ${deathReason(err, timedOut, run.timeoutMs, run.memoryMb)}`));
      finish(fail(`${d.name} could not be checked: ${(err as Error).message}`));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill();
    }, run.timeoutMs);
    const onAbort = () => {
      proc.kill();
      finish(fail('cancelled'));
    };
    run.signal?.addEventListener('abort', onAbort);

    const setup = {
      op: 'setup',
      id,
      seed: layerSeed,
      layer: {
        convention: d.convention,
        exportName: d.exportName,
        backwardName: d.backwardName,
        constructorArgs: d.constructorArgs ?? [],
        args: args.map((a) => (a.kind === 'const' ? { kind: a.kind, name: a.name, value: a.value } : { kind: a.kind, name: a.name })),
      },
    };
    const intArrays = values.flatMap((v) => (v.kind === 'int' ? [v.value] : []));
    proc.request(setup, intArrays).then((answer) => {
      if (settled) return;
      const h = statusOf(answer);
      if (!h.ok) return finish(fail(withImportFix(describeError(h, program), run.pythonPath)));
      const relayAnswer = t.answer;
      t.relay = (request) => {
        proc.request(request.header, request.arrays).then(
          (message) => {
            const mh = statusOf(message);
            if (!mh.ok) mh.error = describeError(mh, program);
            relayAnswer({ ok: true, message });
          },
          (err: unknown) => {
            relayAnswer({ ok: false, error: err instanceof Error ? err.message : String(err) });
            died(err);
          },
        );
      };
      t.pending = (m) => {
        if (m.id === id) finish(m.report);
      };
      t.worker.ref();
      const job: CheckJob = {
        type: 'check',
        id,
        name: d.name,
        inputNames: values.flatMap((v) => (v.kind === 'tensor' ? [v.name] : [])),
        inputs: values.flatMap((v) => (v.kind === 'tensor' ? [v.value] : [])),
        tolerance: d.tolerance,
        check: run.check,
      };
      t.worker.postMessage(job);
    }, died);
  });
}

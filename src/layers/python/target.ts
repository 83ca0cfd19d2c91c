/**
 * A Python layer as the checker's CheckTarget. The checker is synchronous, and the
 * layer lives in another process, so every call is a blocking request over a
 * `SyncChannel` (checkThread.ts implements it with Atomics). The cache stays in
 * Python: forward answers with an id that backward sends back. Perturbing one element
 * at a time is batched into one request per input (`valuesAlong`), so a full check
 * costs a few round trips, not two per element.
 */
import type { CheckTarget, FlatTensor, Tolerance } from '../../gradcheck/types';
import type { WireMessage } from './wire';

export interface SyncChannel {
  /** Sends a request to the layer's Python process and blocks until it answers. */
  call(header: Record<string, unknown>, arrays: WireMessage['arrays']): WireMessage;
}

/** A fault raised by the user's Python code; `position` is the flat element being perturbed when it was raised. */
export class PythonFault extends Error {
  override name = 'PythonFault';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

export interface PythonTargetSpec {
  /** The layer's id in the worker (set up beforehand by the host). */
  id: string;
  name: string;
  inputNames: string[];
  inputs: FlatTensor[];
  tolerance?: Partial<Tolerance>;
}

function answerOf(message: WireMessage): WireMessage {
  const h = message.header as { ok?: boolean; error?: string; position?: number | null };
  if (!h.ok) throw new PythonFault(h.error ?? 'the Python worker failed', h.position ?? undefined);
  return message;
}

const f64 = (t: FlatTensor) => ({ data: t.data, shape: t.shape });

export function pythonTarget(spec: PythonTargetSpec, channel: SyncChannel): CheckTarget {
  const call = (header: Record<string, unknown>, arrays: WireMessage['arrays']) =>
    answerOf(channel.call({ ...header, id: spec.id }, arrays));
  return {
    name: spec.name,
    inputNames: spec.inputNames.slice(),
    inputs: spec.inputs,
    tolerance: spec.tolerance,
    randomnessAdvice:
      'draw randomness from np.random, random or torch (GradLens seeds them before every call), ' +
      'not from np.random.default_rng(), os.urandom or state kept between calls',
    forward(inputs) {
      const answer = call({ op: 'forward' }, inputs.map(f64));
      const out = answer.arrays[0] as { data: Float64Array; shape: number[] };
      return { out: { data: out.data, shape: out.shape }, cache: answer.header.cache };
    },
    backward(_inputs, dout, cache) {
      const answer = call({ op: 'backward', cache }, [f64(dout)]);
      const present = answer.header.present as boolean[];
      let k = 0;
      return present.map((p) => {
        if (!p) return null;
        const g = answer.arrays[k++] as { data: Float64Array; shape: number[] };
        return { data: g.data, shape: g.shape };
      });
    },
    valuesAlong(inputs, index, positions, step, upstream) {
      const answer = call({ op: 'along', index, step }, [
        ...inputs.map(f64),
        { data: positions, shape: [positions.length] },
        { data: upstream, shape: [upstream.length] },
      ]);
      return { plus: answer.arrays[0].data as Float64Array, minus: answer.arrays[1].data as Float64Array };
    },
  };
}

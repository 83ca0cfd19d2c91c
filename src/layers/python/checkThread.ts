/**
 * The thread where Python layers are checked. The checker is synchronous and the layer
 * answers from another process, so this thread blocks on each request: it posts the
 * request on its channel port, sleeps in Atomics.wait until the host has the Python
 * process's answer, and takes it with receiveMessageOnPort. The host's own thread (the
 * extension host's, or the CLI's) never blocks: it only relays bytes.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { checkTarget } from '../../gradcheck/checker';
import type { CheckOptions, FlatTensor, LayerReport, Tolerance } from '../../gradcheck/types';
import { pythonTarget, type SyncChannel } from './target';
import type { WireMessage } from './wire';

export interface CheckJob {
  type: 'check';
  id: string;
  name: string;
  inputNames: string[];
  inputs: FlatTensor[];
  tolerance?: Partial<Tolerance>;
  check: CheckOptions;
}

export type ThreadAnswer = { type: 'report'; id: string; report: LayerReport };

/** What the host answers a relayed request with. */
export type RelayAnswer = { ok: true; message: WireMessage } | { ok: false; error: string };

/** Sent by the host after each answer: [0] turns 1 when an answer is waiting on the port. */
export interface ThreadData {
  port: MessagePort;
  signal: SharedArrayBuffer;
}

const { port, signal } = workerData as ThreadData;
const flag = new Int32Array(signal);

const channel: SyncChannel = {
  call(header, arrays) {
    Atomics.store(flag, 0, 0);
    port.postMessage({ header, arrays });
    Atomics.wait(flag, 0, 0);
    const received = receiveMessageOnPort(port);
    if (!received) throw new Error('the host answered without a message');
    const answer = received.message as RelayAnswer;
    if (!answer.ok) throw new Error(answer.error);
    return answer.message;
  },
};

parentPort!.on('message', (job: CheckJob) => {
  const report = checkTarget(
    pythonTarget({ id: job.id, name: job.name, inputNames: job.inputNames, inputs: job.inputs, tolerance: job.tolerance }, channel),
    job.check,
  );
  parentPort!.postMessage({ type: 'report', id: job.id, report } satisfies ThreadAnswer);
});

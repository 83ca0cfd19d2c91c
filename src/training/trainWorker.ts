/**
 * The training worker (dist/trainWorker.js): runs one Trainer in a worker_thread so the
 * extension host stays responsive. The host posts WorkerRequest messages ('start' once,
 * then 'pause' / 'resume' / 'stop'); the worker posts every TrainEvent back in order,
 * ending with 'done' or 'error', then closes its port.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest } from './events';
import { RunStore } from './runStore';
import { Trainer } from './trainer';

export function serveTraining(port: NonNullable<typeof parentPort>): void {
  let trainer: Trainer | null = null;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  port.on('message', (req: WorkerRequest) => {
    switch (req?.type) {
      case 'start': {
        if (trainer) {
          post({ type: 'log', message: 'a run is already in progress in this worker; start ignored' });
          return;
        }
        try {
          trainer = new Trainer(req.config, { onEvent: post, store: req.runsDir ? new RunStore(req.runsDir) : undefined });
        } catch (err) {
          post({ type: 'error', message: (err as Error).message });
          port.close();
          return;
        }
        // The trainer reports its own failures as an 'error' event before rejecting.
        trainer.run().then(
          () => port.close(),
          () => port.close(),
        );
        return;
      }
      case 'pause':
        trainer?.pause();
        return;
      case 'resume':
        trainer?.resume();
        return;
      case 'stop':
        trainer?.stop();
        return;
      default:
        post({ type: 'log', message: `unknown request ${JSON.stringify(req)}` });
    }
  });
}

if (parentPort) serveTraining(parentPort);

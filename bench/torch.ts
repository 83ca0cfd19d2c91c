/** PyTorch CPU timings from scripts/bench_torch.py, where Debian's python3-torch is present. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';
const SCRIPT = 'scripts/bench_torch.py';

export interface TorchRun {
  name: string;
  batch: number;
  steps_ms: number[];
  images_per_sec: number;
}

export type TorchResult = { status: 'ok'; version: string; threads: number; results: TorchRun[] } | { status: 'skipped'; reason: string };

export function benchTorch(threads: number, quick: boolean, capMs: number): TorchResult {
  if (!existsSync(PYTHON)) return { status: 'skipped', reason: `${PYTHON} not found` };
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0)
    return {
      status: 'skipped',
      reason: `${PYTHON} -c "import torch" failed: ${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}`,
    };
  if (!existsSync(SCRIPT)) return { status: 'skipped', reason: `${SCRIPT} not found (run the bench from the repository root)` };
  const args = [SCRIPT, '--threads', String(threads), ...(quick ? ['--quick'] : [])];
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: capMs, env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (run.status !== 0) {
    const why = run.signal ? `did not finish within ${capMs / 1000} s` : (run.stderr || '').trim().split('\n').slice(-2).join(' ');
    return { status: 'skipped', reason: `${SCRIPT} failed: ${why}` };
  }
  const last = run.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(last) as { torch: string; threads: number; results: TorchRun[] };
  return { status: 'ok', version: parsed.torch, threads: parsed.threads, results: parsed.results };
}

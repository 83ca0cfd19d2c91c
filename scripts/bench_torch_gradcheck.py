#!/usr/bin/env python3
"""PyTorch's gradcheck on the bench's gradient-check subject, for `npm run bench`
(bench/sections/gradcheck.ts runs this and compares GradLens's checker to it).

The subject: Linear(64 -> 32) + ReLU on x [8, 64], checked with respect to x, W and
b (8*64 + 32*64 + 32 = 2,592 scalars) in float64, with gradcheck's defaults (eps
1e-6, atol 1e-5, rtol 1e-3). Forward calls are counted by wrapping the function. Each run is timed by the wall
clock and by the process's CPU time (all threads), which a busy machine skews less.
Prints one JSON object on the last line of stdout:

    {"torch": "1.13.1", "threads": 2, "scalars": 2592,
     "full": {"median_ms": ..., "runs_ms": [...], "cpu_median_ms": ..., "cpu_runs_ms": [...],
              "forward_calls": ..., "passed": true},
     "fast": {...}}

Usage: /usr/bin/python3 scripts/bench_torch_gradcheck.py [--threads 2] [--runs 5] [--quick]
"""
import argparse
import json
import statistics
import time

import torch


def subject(seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 64, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(32, 64, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(32, dtype=torch.float64, generator=gen, requires_grad=True)
    return x, w, b


class LinearReLU(torch.autograd.Function):
    """The same layer as a researcher writes a custom op: forward and a hand-written backward."""

    @staticmethod
    def forward(ctx, x, w, b):
        z = x @ w.T + b
        ctx.save_for_backward(x, w, z)
        return z.clamp(min=0)

    @staticmethod
    def backward(ctx, dout):
        x, w, z = ctx.saved_tensors
        dz = dout * (z > 0)
        return dz @ w, dz.T @ x, dz.sum(0)


def measure(fast_mode, runs, as_function=False):
    inputs = subject(0)
    calls = [0]

    def linear_relu(x, w, b):
        calls[0] += 1
        if as_function:
            return LinearReLU.apply(x, w, b)
        return torch.relu(torch.nn.functional.linear(x, w, b))

    def once():
        calls[0] = 0
        cpu = time.process_time()
        t = time.perf_counter()
        ok = torch.autograd.gradcheck(linear_relu, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=fast_mode)
        return (time.perf_counter() - t) * 1000, (time.process_time() - cpu) * 1000, calls[0], ok

    once()  # warm-up: first-call overheads (dispatch tables, allocator) are not the checker's cost
    times, cpu_times, forward_calls, passed = [], [], 0, True
    for _ in range(runs):
        ms, cpu_ms, forward_calls, ok = once()
        times.append(ms)
        cpu_times.append(cpu_ms)
        passed = passed and bool(ok)
    return {
        "median_ms": statistics.median(times),
        "runs_ms": times,
        "cpu_median_ms": statistics.median(cpu_times),
        "cpu_runs_ms": cpu_times,
        "forward_calls": forward_calls,
        "passed": passed,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = 2 if args.quick else args.runs
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "scalars": sum(t.numel() for t in subject(0)),
        "full": measure(False, runs),
        "fast": measure(True, max(runs, 5)),
        # The layer as a torch.autograd.Function: what a Python layer checked by GradLens is compared with.
        "function_full": measure(False, runs, as_function=True),
        "function_fast": measure(True, max(runs, 5), as_function=True),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch CPU reference timings for `npm run bench` (bench/torch.ts runs this).

Trains the same networks as bench/models.ts (NCHW, float32, Adam lr 1e-3,
cross-entropy, random data) with a fixed thread count and prints one JSON
object on the last line of stdout:

    {"torch": "1.13.1", "threads": 2, "results": [{"name": ..., "batch": ...,
     "steps_ms": [...], "images_per_sec": ...}, ...]}

Usage: /usr/bin/python3 scripts/bench_torch.py [--threads 2] [--quick]
       /usr/bin/python3 scripts/bench_torch.py --memory seed [--steps 5]  (peak RSS instead)
"""
import argparse
import json
import resource
import statistics
import time

import torch
from torch import nn

SMALL_CNN = {"name": "small CNN", "blocks": [32, 64, 128], "hidden": [256], "batch": 64, "warmup": 3, "steps": 15}
SEED_CNN = {"name": "seed CNN", "blocks": [64, 128, 256, 512], "hidden": [1024, 512], "batch": 64, "warmup": 2, "steps": 6}


def build(spec, side=32, classes=10):
    layers, channels = [], 3
    for filters in spec["blocks"]:
        layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.BatchNorm2d(filters), nn.ReLU(), nn.MaxPool2d(2)]
        channels, side = filters, side // 2
    layers.append(nn.Flatten())
    features = channels * side * side
    for h in spec["hidden"]:
        layers += [nn.Linear(features, h), nn.ReLU(), nn.Dropout(0.5)]
        features = h
    layers.append(nn.Linear(features, classes))
    return nn.Sequential(*layers)


def bench(spec, quick):
    torch.manual_seed(1)
    model = build(spec).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(spec["batch"], 3, 32, 32)
    y = torch.randint(0, 10, (spec["batch"],))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(1 if quick else spec["warmup"]):
        step()
    times = []
    for _ in range(3 if quick else spec["steps"]):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    med = statistics.median(times)
    return {"name": spec["name"], "batch": spec["batch"], "steps_ms": times, "images_per_sec": spec["batch"] * 1000 / med}


def memory(spec, steps):
    """Peak resident memory of `steps` training steps in this fresh process (bytes)."""
    baseline = rss_now()
    torch.manual_seed(1)
    model = build(spec).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(spec["batch"], 3, 32, 32)
    y = torch.randint(0, 10, (spec["batch"],))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return {"torch": torch.__version__, "baseline_rss": baseline, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "steps": steps}


def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory", choices=["seed", "small"], help="print the peak resident memory of training this model instead")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.memory:
        print(json.dumps(memory(SEED_CNN if args.memory == "seed" else SMALL_CNN, args.steps)))
        return
    results = [bench(SMALL_CNN, args.quick), bench(SEED_CNN, args.quick)]
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "results": results}))


if __name__ == "__main__":
    main()

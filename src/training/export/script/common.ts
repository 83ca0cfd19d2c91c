/**
 * What every train.py shares, whichever model it trains: the imports, safetensors
 * reading and writing, and the training loop's frame. The frame is the part a model's
 * run() would otherwise repeat: the batch schedule (the global --batch-size split over
 * the processes, each epoch reshuffled alike in all of them), the per-step, per-epoch
 * and final reports (--json lines as `gradlens train --json`, or lines for a terminal),
 * the device, the initial weights and the Adam and DDP wrappers.
 */

/** The script's first lines, its docstring naming what it trains. */
export function scriptHead(title: string): string {
  return `#!/usr/bin/env python3
"""${title}: a GradLens run as a PyTorch training script.

Exported by GradLens (\`gradlens export\`). Needs only PyTorch. Same architecture, initial
weights (initial_weights.safetensors), optimiser (Adam, L2 weight decay as torch.optim.Adam),
learning rate (constant), batch size and loss as the GradLens run. See README.md.
"""
import argparse
import gzip
import json
import math
import os
import socket
import struct
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
`;
}

export const SCRIPT_COMMON = `
# ---------------------------------------------------------------- weights (safetensors)
ST_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}


def load_safetensors(path):
    """name -> tensor from a safetensors file (8-byte LE header size, JSON header, raw LE data)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = ST_DTYPES[info["dtype"]]
        if end > begin:
            t = torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=dtype)
        else:
            t = torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def save_safetensors(tensors, path):
    """Write float32 tensors in the same format."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_weights(model, path):
    state = load_safetensors(path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"{path} does not fit the model: missing {missing}, unexpected {unexpected}")


def model_state(model):
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


# ---------------------------------------------------------------- the training loop's frame
def all_sum(values, device):
    t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=device)
    if dist.is_initialized():
        dist.all_reduce(t)
    return t.tolist()


def emit(obj):
    print(json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in obj.items()}), flush=True)


def setup_device(world, local_rank, args):
    """This process's device; CPU threads shared out between local processes."""
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    elif world > 1:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    return device, cuda


def prepare(rank, world, local_rank, args):
    """This process's device, and the model on it with the exported initial weights."""
    device, cuda = setup_device(world, local_rank, args)
    torch.manual_seed(CONFIG["seed"] + rank)  # dropout masks (and PyTorch's own init under --weights none)
    model = build_model()
    if args.weights != "none":
        load_weights(model, args.weights)
    model.to(device)
    return device, cuda, model


def data_parallel(module, world, cuda, device):
    """The module as the processes train it: wrapped in DistributedDataParallel when there are several."""
    if world == 1:
        return module
    return nn.parallel.DistributedDataParallel(module, device_ids=[device.index] if cuda else None)


def adam(params, args):
    return torch.optim.Adam(params, lr=args.lr, betas=tuple(CONFIG["betas"]), eps=1e-8, weight_decay=args.weight_decay)


def total_steps(args, steps_per_epoch):
    if args.steps is not None:
        return args.steps
    if args.epochs is not None:
        return args.epochs * steps_per_epoch
    if CONFIG["length"]["steps"] is not None:
        return CONFIG["length"]["steps"]
    return CONFIG["length"]["epochs"] * steps_per_epoch


class Schedule:
    """The run's batches: the global --batch-size split evenly over the processes (gradients
    are averaged), at most the training set; each epoch reshuffled, alike in every process."""

    def __init__(self, args, count, world, rank):
        if args.batch_size % world:
            raise SystemExit(f"--batch-size {args.batch_size} does not divide over {world} processes")
        self.world, self.step = world, 0
        self.sampler = torch.utils.data.distributed.DistributedSampler(
            range(count), num_replicas=world, rank=rank, shuffle=True, seed=CONFIG["seed"], drop_last=True)
        self.local_batch = min(args.batch_size // world, len(self.sampler))
        self.steps_per_epoch = max(1, len(self.sampler) // self.local_batch)
        self.total = total_steps(args, self.steps_per_epoch)

    def __iter__(self):
        """(step, this process's example indices), the step counted from 1."""
        epoch = 0
        while self.step < self.total:
            self.sampler.set_epoch(epoch)
            order = list(self.sampler)
            for b in range(self.steps_per_epoch):
                if self.step >= self.total:
                    return
                self.step += 1
                yield self.step, torch.tensor(order[b * self.local_batch:(b + 1) * self.local_batch])
            epoch += 1

    def epoch_ends(self, step):
        return step % self.steps_per_epoch == 0 or step == self.total


class Throughput:
    """Examples per second over the steps of the last 3 seconds (as GradLens)."""

    def __init__(self, batch):
        self.batch, self.window, self.started = batch, [], time.time()

    def tick(self):
        now = time.time()
        self.window.append(now)
        while len(self.window) > 2 and now - self.window[0] > 3:
            self.window.pop(0)
        if len(self.window) > 1:
            return self.batch * (len(self.window) - 1) / max(1e-3, now - self.window[0])
        return self.batch / max(1e-3, now - self.started)


class Reporter:
    """What rank 0 says as the run goes: --json lines as \`gradlens train --json\`, else
    a line every 100 steps, one per epoch and one at the end. Each takes the model's own
    figures, and a function that words them for a terminal."""

    def __init__(self, rank, args, schedule):
        self.lead, self.args, self.plan = rank == 0, args, schedule
        self.started = self.epoch_started = time.time()
        self.last_print = -1e9
        self.meter = Throughput(schedule.local_batch * schedule.world)

    def begin(self, device, details):
        p = self.plan
        if self.lead and not self.args.json:
            print(f"training {CONFIG['title']} on {device} x {p.world}: {p.total} steps of {p.local_batch * p.world} "
                  f"({p.local_batch} per process), {details}", flush=True)

    def step(self, step, figures, words):
        p, now, rate = self.plan, time.time(), self.meter.tick()
        if not self.lead:
            return
        if self.args.json and (now - self.last_print >= 0.5 or step == 1 or step == p.total or step % p.steps_per_epoch == 0):
            self.last_print = now
            emit({"event": "step", "step": step, "totalSteps": p.total, "epoch": step / p.steps_per_epoch, **figures,
                  "throughput": rate, "elapsedMs": round(1000 * (now - self.started))})
        elif not self.args.json and (step % 100 == 0 or step == 1 or step == p.total):
            print(f"step {step}/{p.total}  {words(rate)}", flush=True)

    def epoch(self, step, figures, words):
        ev = {"event": "epoch", "epoch": math.ceil(step / self.plan.steps_per_epoch), "step": step,
              "durationMs": round(1000 * (time.time() - self.epoch_started)), **figures}
        self.epoch_started = time.time()
        if self.lead:
            emit(ev) if self.args.json else print(f"epoch {ev['epoch']}: {words(ev)}", flush=True)

    def done(self, model, rank, figures, words):
        """The final report, after each process saves its weights when --save-weights asks."""
        if self.args.save_weights:
            os.makedirs(self.args.save_weights, exist_ok=True)
            save_safetensors(model_state(model), os.path.join(self.args.save_weights, f"rank{rank}.safetensors"))
        if not self.lead:
            return
        p = self.plan
        done = {"event": "done", "reason": "completed", "steps": p.step, "epochs": p.step / p.steps_per_epoch,
                "elapsedMs": round(1000 * (time.time() - self.started)), "runId": None, **figures, "worldSize": p.world}
        if self.args.json:
            emit(done)
        else:
            print(f"done after {p.step} steps in {done['elapsedMs'] / 1000:.1f} s: {words(done)}", flush=True)


`;

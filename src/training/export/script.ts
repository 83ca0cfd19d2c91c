/**
 * The body of the exported train.py: data loading (IDX with or without gzip, CIFAR-10
 * binary, the raw files written for generated datasets), safetensors reading and
 * writing, the training loop with torch.optim.Adam, evaluation, DistributedDataParallel
 * over --nproc local processes or under torchrun, and the --json lines of `gradlens train`.
 * Model code and CONFIG are put in front of it by index.ts.
 */

export const SCRIPT_HEAD = `#!/usr/bin/env python3
"""__TITLE__

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

const SCRIPT_COMMON = `
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


# ---------------------------------------------------------------- shared by the training loops
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


def total_steps(args, steps_per_epoch):
    if args.steps is not None:
        return args.steps
    if args.epochs is not None:
        return args.epochs * steps_per_epoch
    if CONFIG["length"]["steps"] is not None:
        return CONFIG["length"]["steps"]
    return CONFIG["length"]["epochs"] * steps_per_epoch


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


`;

const SCRIPT_DATA = String.raw`
# ---------------------------------------------------------------- data
def read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":  # gzip, whatever the name
        data = gzip.decompress(data)
    return data


def read_idx(path):
    data = read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    if len(body) != math.prod(dims):
        raise SystemExit(f"{path}: header says {'x'.join(map(str, dims))} but the file holds {len(body)} data bytes")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def find_idx(folder, stem):
    dotted = stem[::-1].replace("-", ".", 1)[::-1]  # train-images-idx3-ubyte -> train-images.idx3-ubyte
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return p
    raise SystemExit(f"{folder} lacks {stem}[.gz]")


def load_idx_images(folder):
    split = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        x = read_idx(find_idx(folder, f"{prefix}-images-idx3-ubyte"))
        y = read_idx(find_idx(folder, f"{prefix}-labels-idx1-ubyte"))
        if x.dim() == 3:
            x = x.unsqueeze(1)  # [N, H, W] -> [N, 1, H, W]
        split[part] = (x, y.long())
    return split


def load_cifar10(folder):
    nested = os.path.join(folder, "cifar-10-batches-bin")
    if os.path.isfile(os.path.join(nested, "test_batch.bin")):
        folder = nested

    def read(path):
        data = read_bytes(path)
        if len(data) % 3073:
            raise SystemExit(f"{path}: not a whole number of 3073-byte CIFAR-10 records")
        rec = torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(-1, 3073)
        return rec[:, 1:].reshape(-1, 3, 32, 32).clone(), rec[:, 0].long()

    files = [os.path.join(folder, f"data_batch_{i}.bin") for i in range(1, 6)]
    files = [p for p in files if os.path.isfile(p)]
    if not files:
        raise SystemExit(f"{folder} has no data_batch_1.bin .. data_batch_5.bin")
    parts = [read(p) for p in files]
    test = os.path.join(folder, "test_batch.bin")
    if not os.path.isfile(test):
        raise SystemExit(f"{folder} has no test_batch.bin")
    return {"train": (torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])), "test": read(test)}


def load_sequences(folder):
    def read(name, shape):
        with open(os.path.join(folder, name), "rb") as f:
            return torch.frombuffer(bytearray(f.read()), dtype=torch.int32).reshape(shape).long()

    d, length = CONFIG["data"], CONFIG["data"]["length"]
    return {part: (read(f"{d['name']}-{part}-inputs.i32", (d[part], length)), read(f"{d['name']}-{part}-targets.i32", (d[part], length)))
            for part in ("train", "test")}


def load_data(data_dir):
    fmt = CONFIG["data"]["format"]
    if fmt == "idx":
        split = load_idx_images(data_dir)
    elif fmt == "cifar10":
        split = load_cifar10(data_dir)
    else:
        split = load_sequences(data_dir)
    limits = {"train": CONFIG["trainLimit"], "test": CONFIG["testLimit"]}
    return {k: (x[:limits[k]], y[:limits[k]]) if limits[k] else (x, y) for k, (x, y) in split.items()}


`;

const SCRIPT_CLASSIFIER = `
def make_inputs(x):
    """Bytes -> model input: images (v/255 - mean)/std per channel, computed in float64 as GradLens does."""
    if CONFIG["task"] == "sequence":
        return x
    scale = torch.tensor([1.0 / (255.0 * s) for s in CONFIG["std"]], dtype=torch.float64).view(1, -1, 1, 1)
    shift = torch.tensor([-m / s for m, s in zip(CONFIG["mean"], CONFIG["std"])], dtype=torch.float64).view(1, -1, 1, 1)
    return (x.double() * scale + shift).float()


# ---------------------------------------------------------------- loss and metrics
IGNORE = -1


def batch_figures(logits, y):
    """Summed loss, hits, scored count (and whole-sequence hits) of one batch."""
    if CONFIG["task"] == "sequence":
        flat, t = logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
        keep = t != IGNORE
        loss = F.cross_entropy(flat[keep], t[keep], reduction="sum")
        hit = (flat.argmax(-1) == t) | ~keep
        return loss, hit[keep].sum(), keep.sum(), hit.reshape(y.shape).all(dim=1).sum()
    loss = F.cross_entropy(logits, y, reduction="sum")
    return loss, (logits.argmax(-1) == y).sum(), torch.tensor(y.shape[0]), torch.tensor(0)


@torch.no_grad()
def evaluate(model, x, y, count, rank, world, device):
    """Loss and accuracy over the first count test examples, each process taking a slice."""
    model.eval()
    per = (count + world - 1) // world
    lo, hi = min(count, rank * per), min(count, (rank + 1) * per)
    loss = hits = n = seq = 0.0
    for start in range(lo, hi, 250):
        xb = make_inputs(x[start:min(hi, start + 250)]).to(device)
        yb = y[start:min(hi, start + 250)].to(device)
        figs = batch_figures(model(xb), yb)
        loss, hits, n, seq = loss + float(figs[0]), hits + float(figs[1]), n + float(figs[2]), seq + float(figs[3])
    loss, hits, n, seq = all_sum([loss, hits, n, seq], device)
    out = {"loss": loss / n if n else float("nan"), "accuracy": hits / n if n else float("nan")}
    if CONFIG["task"] == "sequence":
        out["sequenceAccuracy"] = seq / count if count else float("nan")
    return out


# ---------------------------------------------------------------- one process
def run(rank, world, local_rank, args):
    device, cuda = setup_device(world, local_rank, args)
    torch.manual_seed(CONFIG["seed"] + rank)  # dropout masks; the weights come from the file
    lead = rank == 0
    data = load_data(args.data_dir)
    (train_x, train_y), (test_x, test_y) = data["train"], data["test"]

    model = build_model()
    if args.weights != "none":
        load_weights(model, args.weights)
    model.to(device)

    if args.eval_only:
        m = evaluate(model, test_x, test_y, len(test_y), rank, world, device)
        if lead:
            out = {"event": "eval", "testLoss": m["loss"], "testAccuracy": m["accuracy"], "testCount": len(test_y)}
            if "sequenceAccuracy" in m:
                out["sequenceAccuracy"] = m["sequenceAccuracy"]
            emit(out)
        return

    net = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if cuda else None)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=tuple(CONFIG["betas"]), eps=1e-8, weight_decay=args.weight_decay)

    # The global batch is --batch-size, split evenly over the processes (gradients are averaged).
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} does not divide over {world} processes")
    local_batch = args.batch_size // world
    sampler = torch.utils.data.distributed.DistributedSampler(
        range(len(train_y)), num_replicas=world, rank=rank, shuffle=True, seed=CONFIG["seed"], drop_last=True)
    steps_per_epoch = max(1, len(sampler) // local_batch)
    total = total_steps(args, steps_per_epoch)
    if lead and not args.json:
        print(f"training {CONFIG['title']} on {device} x {world}: {total} steps of {args.batch_size} "
              f"({local_batch} per process), lr {args.lr}, weight decay {args.weight_decay}", flush=True)

    started = epoch_start = time.time()
    last_print = -1e9
    step = epoch_loss = epoch_hits = epoch_n = 0
    meter = Throughput(args.batch_size)
    last = {}
    epoch = 0
    while step < total:
        sampler.set_epoch(epoch)
        order = list(sampler)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = torch.tensor(order[b * local_batch:(b + 1) * local_batch])
            xb, yb = make_inputs(train_x[idx]).to(device), train_y[idx].to(device)
            net.train()
            logits = net(xb)
            loss_sum, hits, n, _ = batch_figures(logits, yb)
            loss = loss_sum / n  # the mean over this process's examples (or scored tokens)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            g_loss, g_hits, g_n = all_sum([loss_sum.item(), hits.item(), n.item()], device)
            last = {"loss": g_loss / g_n, "accuracy": g_hits / g_n}
            epoch_loss, epoch_hits, epoch_n = epoch_loss + last["loss"], epoch_hits + last["accuracy"], epoch_n + 1
            throughput = meter.tick()
            now = time.time()
            at_end = step % steps_per_epoch == 0
            if lead and args.json and (now - last_print >= 0.5 or step == 1 or step == total or at_end):
                last_print = now
                emit({"event": "step", "step": step, "totalSteps": total, "epoch": step / steps_per_epoch, "loss": last["loss"],
                      "accuracy": last["accuracy"], "throughput": throughput, "elapsedMs": round(1000 * (now - started))})
            elif lead and not args.json and (step % 100 == 0 or step == 1 or step == total):
                print(f"step {step}/{total}  loss {last['loss']:.4f}  acc {100 * last['accuracy']:.1f}%  {throughput:.0f} examples/s", flush=True)
            if at_end or step == total:
                val = evaluate(model, test_x, test_y, min(2000, len(test_y)), rank, world, device)
                ev = {"event": "epoch", "epoch": math.ceil(step / steps_per_epoch), "step": step, "durationMs": round(1000 * (time.time() - epoch_start)),
                      "trainLoss": epoch_loss / epoch_n, "trainAccuracy": epoch_hits / epoch_n, "valLoss": val["loss"], "valAccuracy": val["accuracy"]}
                if "sequenceAccuracy" in val:
                    ev["valSequenceAccuracy"] = val["sequenceAccuracy"]
                if lead:
                    if args.json:
                        emit(ev)
                    else:
                        print(f"epoch {ev['epoch']}: train loss {ev['trainLoss']:.4f}, val loss {ev['valLoss']:.4f}, val acc {100 * ev['valAccuracy']:.1f}%", flush=True)
                epoch_start = time.time()
                epoch_loss = epoch_hits = epoch_n = 0
        epoch += 1

    if world > 1:  # batch-norm statistics: every process keeps rank 0's
        for buf in model.buffers():
            dist.broadcast(buf, 0)
    test = evaluate(model, test_x, test_y, len(test_y), rank, world, device)
    if args.save_weights:
        os.makedirs(args.save_weights, exist_ok=True)
        save_safetensors(model_state(model), os.path.join(args.save_weights, f"rank{rank}.safetensors"))
    if lead:
        done = {"event": "done", "reason": "completed", "steps": step, "epochs": step / steps_per_epoch,
                "elapsedMs": round(1000 * (time.time() - started)), "runId": None, **last,
                "testLoss": test["loss"], "testAccuracy": test["accuracy"], "worldSize": world}
        if "sequenceAccuracy" in test:
            done["sequenceAccuracy"] = test["sequenceAccuracy"]
        if args.json:
            emit(done)
        else:
            print(f"done after {step} steps in {done['elapsedMs'] / 1000:.1f} s: test loss {test['loss']:.4f}, test accuracy {100 * test['accuracy']:.2f}%", flush=True)


`;

const SCRIPT_GAN = `
# ---------------------------------------------------------------- GAN data
def read_f32(path, shape):
    with open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(shape).clone()


def load_pool(data_dir):
    """The training pool: ring points as float32 [N, 2], or images as bytes [N, C, H, W] (see real_batch)."""
    d = CONFIG["data"]
    if d["format"] == "points":
        return read_f32(os.path.join(data_dir, d["points"]), (d["count"], 2))
    x = load_data(data_dir)["train"][0]
    return x[:d["count"]]


def real_batch(pool, idx):
    """Real samples [B, sampleSize]: points as they are, images v/255 mapped to [-1, 1] (tanh's range), in float64 as GradLens."""
    x = pool[idx]
    if x.dtype == torch.uint8:
        x = (x.double() * (2.0 / 255.0) - 1.0).float()
    return x.reshape(len(idx), -1)


def bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(target)))


def g_loss(logit_fake):
    """G's loss by the run's objective: minimax minimises -BCE(D(G(z)), 0), non-saturating BCE(D(G(z)), 1)."""
    return -bce(logit_fake, 0) if CONFIG["ganLoss"] == "minimax" else bce(logit_fake, 1)


@torch.no_grad()
def eval_batch(model, device):
    """testLoss (D's loss), testLossG and testAccuracy (D's right calls) on the fixed evaluation batch in data/."""
    n = CONFIG["eval"]["count"]
    folder = os.path.join(HERE, "data")
    real = read_f32(os.path.join(folder, CONFIG["eval"]["real"]), (n, CONFIG["sampleSize"])).to(device)
    z = read_f32(os.path.join(folder, CONFIG["eval"]["noise"]), (n, CONFIG["latent"])).to(device)
    model.eval()
    logit_real, logit_fake = model.D(real), model.D(model.G(z))
    model.train()
    right = int((logit_real > 0).sum()) + int((logit_fake < 0).sum())
    return {"testLoss": float(bce(logit_real, 1)) + float(bce(logit_fake, 0)), "testLossG": float(g_loss(logit_fake)), "testAccuracy": right / (2 * n)}


@torch.no_grad()
def ring_coverage(model, noise, device):
    """quality (share of 2000 generated points within 3 spreads of a centre) and modesCovered, as GradLens."""
    model.eval()
    pts = model.G(noise(2000)).float().cpu()
    model.train()
    centres = torch.tensor(CONFIG["ring"]["centres"], dtype=torch.float32)
    best, which = torch.cdist(pts.double(), centres.double()).min(dim=1)
    good = best <= 3 * CONFIG["ring"]["spread"]
    hits = torch.bincount(which[good], minlength=len(centres))
    fair = len(pts) / len(centres)
    return {"quality": float(good.float().mean()), "modesCovered": int(((hits >= 0.2 * fair) & (hits > 0)).sum())}


# ---------------------------------------------------------------- one process
def run(rank, world, local_rank, args):
    device, cuda = setup_device(world, local_rank, args)
    lead = rank == 0
    model = build_model()
    if args.weights != "none":
        load_weights(model, args.weights)
    model.to(device)

    if args.eval_only:
        if lead:
            emit({"event": "eval", **eval_batch(model, device), "testCount": 2 * CONFIG["eval"]["count"]})
        return

    pool = load_pool(args.data_dir)
    gen = torch.Generator().manual_seed(CONFIG["seed"] * 1000 + rank)  # latent noise, each process its own

    def noise(n):
        return torch.randn(n, CONFIG["latent"], generator=gen).to(device)

    net_g, net_d = model.G, model.D
    if world > 1:
        ids = [device.index] if cuda else None
        net_g, net_d = nn.parallel.DistributedDataParallel(model.G, device_ids=ids), nn.parallel.DistributedDataParallel(model.D, device_ids=ids)
    betas = tuple(CONFIG["betas"])
    opt_d = torch.optim.Adam(model.D.parameters(), lr=args.lr, betas=betas, eps=1e-8, weight_decay=args.weight_decay)
    opt_g = torch.optim.Adam(model.G.parameters(), lr=args.lr, betas=betas, eps=1e-8, weight_decay=args.weight_decay)

    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} does not divide over {world} processes")
    sampler = torch.utils.data.distributed.DistributedSampler(
        range(len(pool)), num_replicas=world, rank=rank, shuffle=True, seed=CONFIG["seed"], drop_last=True)
    local_batch = min(args.batch_size // world, len(sampler))
    steps_per_epoch = max(1, len(sampler) // local_batch)
    total = total_steps(args, steps_per_epoch)
    if lead and not args.json:
        print(f"training {CONFIG['title']} on {device} x {world}: {total} steps of {local_batch * world} "
              f"({local_batch} per process), {CONFIG['ganLoss']} loss, lr {args.lr}, weight decay {args.weight_decay}", flush=True)

    started = epoch_start = time.time()
    last_print = -1e9
    step = 0
    sums = {}
    meter = Throughput(local_batch * world)
    last = {}
    figures = {"dReal": 0.5, "dFake": 0.5}
    epoch = 0

    def evaluate_now():
        out = dict(figures)
        if CONFIG["data"]["format"] == "points":
            out.update(ring_coverage(model, noise, device))
        return out

    while step < total:
        sampler.set_epoch(epoch)
        order = list(sampler)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = torch.tensor(order[b * local_batch:(b + 1) * local_batch])
            n = len(idx)
            real = real_batch(pool, idx).to(device)
            # Discriminator: BCE(D(x), 1) + BCE(D(G(z)), 0), the fakes cut from G's graph; real and fake in one pass (one DDP forward).
            with torch.no_grad():
                fake = model.G(noise(n))
            logits = net_d(torch.cat([real, fake]))
            logit_real, logit_fake = logits[:n], logits[n:]
            loss_d = bce(logit_real, 1) + bce(logit_fake, 0)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            # Generator: through D (D's gradients from this pass are dropped at its next zero_grad).
            loss_g = g_loss(net_d(net_g(noise(n))))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            step += 1
            ld, lg, dr, df = all_sum([loss_d.item(), loss_g.item(), torch.sigmoid(logit_real).mean().item(), torch.sigmoid(logit_fake).mean().item()], device)
            last = {"loss": ld / world, "lossG": lg / world, "objective": -ld / world, "dReal": dr / world, "dFake": df / world}
            figures = {"dReal": last["dReal"], "dFake": last["dFake"]}
            for k, v in last.items():
                sums[k] = sums.get(k, 0.0) + v
            sums["n"] = sums.get("n", 0) + 1
            throughput = meter.tick()
            now = time.time()
            at_end = step % steps_per_epoch == 0
            if lead and args.json and (now - last_print >= 0.5 or step == 1 or step == total or at_end):
                last_print = now
                emit({"event": "step", "step": step, "totalSteps": total, "epoch": step / steps_per_epoch, **last,
                      "throughput": throughput, "elapsedMs": round(1000 * (now - started))})
            elif lead and not args.json and (step % 100 == 0 or step == 1 or step == total):
                print(f"step {step}/{total}  D loss {last['loss']:.4f}  G loss {last['lossG']:.4f}  D(x) {last['dReal']:.3f}  D(G(z)) {last['dFake']:.3f}", flush=True)
            if at_end or step == total:
                ev = {"event": "epoch", "epoch": math.ceil(step / steps_per_epoch), "step": step, "durationMs": round(1000 * (time.time() - epoch_start))}
                ev.update({"train" + k[0].upper() + k[1:]: v / sums["n"] for k, v in sums.items() if k != "n"})
                ev.update(evaluate_now())
                if lead:
                    if args.json:
                        emit(ev)
                    else:
                        print(f"epoch {ev['epoch']}: D loss {ev['trainLoss']:.4f}, G loss {ev['trainLossG']:.4f}", flush=True)
                epoch_start = time.time()
                sums = {}
        epoch += 1

    test = eval_batch(model, device)
    if args.save_weights:
        os.makedirs(args.save_weights, exist_ok=True)
        save_safetensors(model_state(model), os.path.join(args.save_weights, f"rank{rank}.safetensors"))
    if lead:
        done = {"event": "done", "reason": "completed", "steps": step, "epochs": step / steps_per_epoch,
                "elapsedMs": round(1000 * (time.time() - started)), "runId": None, **last, **evaluate_now(), **test, "worldSize": world}
        if args.json:
            emit(done)
        else:
            print(f"done after {step} steps in {done['elapsedMs'] / 1000:.1f} s: D loss {test['testLoss']:.4f}, G loss {test['testLossG']:.4f}, "
                  f"D accuracy {100 * test['testAccuracy']:.1f}% on the evaluation batch", flush=True)


`;

const SCRIPT_LAUNCH = `
def backend_for(args):
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    return "nccl" if cuda else "gloo"


def spawned(rank, world, port, args):
    dist.init_process_group(backend_for(args), init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        run(rank, world, rank, args)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_args(argv):
    p = argparse.ArgumentParser(description=CONFIG["title"])
    p.add_argument("--data-dir", default=None, help="folder with the dataset files" + (" (default: data/ beside this script)" if CONFIG["data"]["bundled"] else ""))
    length = p.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int)
    length.add_argument("--steps", type=int)
    p.add_argument("--batch-size", type=int, default=CONFIG["batchSize"], help="global batch, split over the processes")
    p.add_argument("--lr", type=float, default=CONFIG["lr"])
    p.add_argument("--weight-decay", type=float, default=CONFIG["weightDecay"])
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--weights", default=os.path.join(HERE, "initial_weights.safetensors"), help="initial weights ('none': PyTorch's own init)")
    p.add_argument("--json", action="store_true", help="one JSON object per line, as gradlens train --json")
    p.add_argument("--eval-only", action="store_true", help='print {"event": "eval", "testLoss", ' + ('"testLossG", ' if CONFIG["model"] == "gan" else "") + '"testAccuracy"} for the loaded weights')
    p.add_argument("--nproc", type=int, default=None, help="data-parallel over N local processes (DistributedDataParallel)")
    p.add_argument("--port", type=int, default=None, help="rendezvous port on 127.0.0.1 for --nproc (default: a free one)")
    p.add_argument("--save-weights", default=None, help="folder: each process writes rank<R>.safetensors at the end")
    args = p.parse_args(argv)
    if args.data_dir is None:
        if not CONFIG["data"]["bundled"]:
            p.error(f"--data-dir is needed: the folder with the {CONFIG['data']['name']} files")
        args.data_dir = os.path.join(HERE, "data")
    for name in ("epochs", "steps", "nproc", "batch_size"):
        v = getattr(args, name)
        if v is not None and v < (0 if name == "steps" else 1):
            p.error(f"--{name.replace('_', '-')} must be {'>= 0' if name == 'steps' else 'positive'}")
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no CUDA device here")
    return args


def main(argv):
    args = parse_args(argv)
    if args.nproc and args.nproc > 1:
        if args.device != "cpu" and torch.cuda.is_available() and torch.cuda.device_count() < args.nproc:
            raise SystemExit(f"--nproc {args.nproc} on CUDA needs {args.nproc} GPUs, found {torch.cuda.device_count()}; use --device cpu")
        torch.multiprocessing.spawn(spawned, args=(args.nproc, args.port or free_port(), args), nprocs=args.nproc, join=True)
    elif "RANK" in os.environ and "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1:
        # Under torchrun (one or many machines): MASTER_ADDR / MASTER_PORT come from the environment.
        dist.init_process_group(backend_for(args), init_method="env://")
        try:
            run(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)), args)
        finally:
            dist.destroy_process_group()
    else:
        run(0, 1, 0, args)


if __name__ == "__main__":
    main(sys.argv[1:])
`;

/** train.py's body for the classifiers (CNN, ViT) and the sequence transformer. */
export const SCRIPT_BODY = SCRIPT_COMMON + SCRIPT_DATA + SCRIPT_CLASSIFIER + SCRIPT_LAUNCH;

/** train.py's body for the GAN: both players, their two Adams, the fixed evaluation batch. */
export const GAN_SCRIPT_BODY = SCRIPT_COMMON + SCRIPT_DATA + SCRIPT_GAN + SCRIPT_LAUNCH;

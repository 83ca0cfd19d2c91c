/**
 * train.py's run() for the classifiers (the CNN, the tiny ViT) and the sequence
 * transformer: inputs normalised as GradLens does, softmax cross-entropy (over the scored
 * positions for sequences), accuracy per step, validation each epoch, the test set at the end.
 */
export const SCRIPT_CLASSIFIER = `
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
    device, cuda, model = prepare(rank, world, local_rank, args)
    data = load_data(args.data_dir)
    (train_x, train_y), (test_x, test_y) = data["train"], data["test"]

    if args.eval_only:
        m = evaluate(model, test_x, test_y, len(test_y), rank, world, device)
        if rank == 0:
            out = {"event": "eval", "testLoss": m["loss"], "testAccuracy": m["accuracy"], "testCount": len(test_y)}
            if "sequenceAccuracy" in m:
                out["sequenceAccuracy"] = m["sequenceAccuracy"]
            emit(out)
        return

    net = data_parallel(model, world, cuda, device)
    opt = adam(model.parameters(), args)
    plan = Schedule(args, len(train_y), world, rank)
    report = Reporter(rank, args, plan)
    report.begin(device, f"lr {args.lr}, weight decay {args.weight_decay}")
    epoch_loss = epoch_hits = epoch_n = 0
    last = {}
    for step, idx in plan:
        xb, yb = make_inputs(train_x[idx]).to(device), train_y[idx].to(device)
        net.train()
        loss_sum, hits, n, _ = batch_figures(net(xb), yb)
        loss = loss_sum / n  # the mean over this process's examples (or scored tokens)
        opt.zero_grad()
        loss.backward()
        opt.step()
        g_loss, g_hits, g_n = all_sum([loss_sum.item(), hits.item(), n.item()], device)
        last = {"loss": g_loss / g_n, "accuracy": g_hits / g_n}
        epoch_loss, epoch_hits, epoch_n = epoch_loss + last["loss"], epoch_hits + last["accuracy"], epoch_n + 1
        report.step(step, last, lambda rate: f"loss {last['loss']:.4f}  acc {100 * last['accuracy']:.1f}%  {rate:.0f} examples/s")
        if plan.epoch_ends(step):
            val = evaluate(model, test_x, test_y, min(2000, len(test_y)), rank, world, device)
            ev = {"trainLoss": epoch_loss / epoch_n, "trainAccuracy": epoch_hits / epoch_n, "valLoss": val["loss"], "valAccuracy": val["accuracy"]}
            if "sequenceAccuracy" in val:
                ev["valSequenceAccuracy"] = val["sequenceAccuracy"]
            report.epoch(step, ev, lambda e: f"train loss {e['trainLoss']:.4f}, val loss {e['valLoss']:.4f}, val acc {100 * e['valAccuracy']:.1f}%")
            epoch_loss = epoch_hits = epoch_n = 0

    if world > 1:  # batch-norm statistics: every process keeps rank 0's
        for buf in model.buffers():
            dist.broadcast(buf, 0)
    test = evaluate(model, test_x, test_y, len(test_y), rank, world, device)
    final = {**last, "testLoss": test["loss"], "testAccuracy": test["accuracy"]}
    if "sequenceAccuracy" in test:
        final["sequenceAccuracy"] = test["sequenceAccuracy"]
    report.done(model, rank, final, lambda d: f"test loss {test['loss']:.4f}, test accuracy {100 * test['accuracy']:.2f}%")


`;

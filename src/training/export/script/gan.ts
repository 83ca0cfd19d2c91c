/**
 * train.py's run() for the GAN: both players with their own Adams, D on real and fake
 * samples in one pass, G through D by the run's objective; ring coverage on the points
 * each epoch, and the fixed evaluation batch (written beside the script) at the end.
 */
export const SCRIPT_GAN = `
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
    device, cuda, model = prepare(rank, world, local_rank, args)
    if args.eval_only:
        if rank == 0:
            emit({"event": "eval", **eval_batch(model, device), "testCount": 2 * CONFIG["eval"]["count"]})
        return

    pool = load_pool(args.data_dir)
    gen = torch.Generator().manual_seed(CONFIG["seed"] * 1000 + rank)  # latent noise, each process its own

    def noise(n):
        return torch.randn(n, CONFIG["latent"], generator=gen).to(device)

    net_g, net_d = data_parallel(model.G, world, cuda, device), data_parallel(model.D, world, cuda, device)
    opt_d, opt_g = adam(model.D.parameters(), args), adam(model.G.parameters(), args)
    plan = Schedule(args, len(pool), world, rank)
    report = Reporter(rank, args, plan)
    report.begin(device, f"{CONFIG['ganLoss']} loss, lr {args.lr}, weight decay {args.weight_decay}")
    sums = {}
    last = {}
    figures = {"dReal": 0.5, "dFake": 0.5}

    def evaluate_now():
        out = dict(figures)
        if CONFIG["data"]["format"] == "points":
            out.update(ring_coverage(model, noise, device))
        return out

    for step, idx in plan:
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
        ld, lg, dr, df = all_sum([loss_d.item(), loss_g.item(), torch.sigmoid(logit_real).mean().item(), torch.sigmoid(logit_fake).mean().item()], device)
        last = {"loss": ld / world, "lossG": lg / world, "objective": -ld / world, "dReal": dr / world, "dFake": df / world}
        figures = {"dReal": last["dReal"], "dFake": last["dFake"]}
        for k, v in last.items():
            sums[k] = sums.get(k, 0.0) + v
        sums["n"] = sums.get("n", 0) + 1
        report.step(step, last, lambda rate: f"D loss {last['loss']:.4f}  G loss {last['lossG']:.4f}  D(x) {last['dReal']:.3f}  D(G(z)) {last['dFake']:.3f}")
        if plan.epoch_ends(step):
            ev = {"train" + k[0].upper() + k[1:]: v / sums["n"] for k, v in sums.items() if k != "n"}
            ev.update(evaluate_now())
            report.epoch(step, ev, lambda e: f"D loss {e['trainLoss']:.4f}, G loss {e['trainLossG']:.4f}")
            sums = {}

    test = eval_batch(model, device)
    report.done(model, rank, {**last, **evaluate_now(), **test}, lambda d: f"D loss {test['testLoss']:.4f}, G loss {test['testLossG']:.4f}, "
                f"D accuracy {100 * test['testAccuracy']:.1f}% on the evaluation batch")


`;

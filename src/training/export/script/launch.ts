/**
 * How train.py starts: its command line, and DistributedDataParallel over --nproc local
 * processes (torch.multiprocessing, a TCP rendezvous on 127.0.0.1) or under torchrun
 * (RANK and WORLD_SIZE in the environment); otherwise one process. Each process calls
 * the model's run(rank, world, local_rank, args).
 */
export const SCRIPT_LAUNCH = `
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

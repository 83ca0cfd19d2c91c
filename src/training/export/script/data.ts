/**
 * train.py's data loading: IDX files with or without gzip (MNIST, Fashion-MNIST, the
 * digits written for generated image sets), CIFAR-10 binary batches, and the raw int32
 * files written for the sequence tasks; trainLimit and testLimit applied as GradLens does.
 */
export const SCRIPT_DATA = String.raw`
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

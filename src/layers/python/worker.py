"""GradLens's Python worker: runs a user's layers for the TypeScript checker.

Started once and kept warm by the extension host (or the CLI). It imports the user's
module, and answers forward/backward calls over a compact binary protocol on its
stdin/stdout. The numerics of the check (central differences, kinks, diagnoses) stay
in TypeScript; this side only evaluates the layer, and, to save round trips, the
objective L = sum(out * R) at many one-element perturbations in one request.

Frames, both ways: u32 little-endian length of the rest, u32 length of a JSON
header, the header, then raw arrays back to back as the header's "arrays" list
describes them ({"dtype": "f64" | "i32", "shape": [...]}). Numbers in bulk never
travel as JSON. The cache a forward returns stays here; the host names it by id.

The user's print() goes to stderr, which the host forwards to its log.
"""
import json
import os
import random
import struct
import sys
import traceback
import types

PROTOCOL_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
PROTOCOL_IN = sys.stdin.buffer

try:
    import numpy as np
except Exception as exc:  # reported in the hello answer, with the interpreter's path
    np = None
    NUMPY_ERROR = "%s: %s" % (type(exc).__name__, exc)
else:
    NUMPY_ERROR = None

try:
    import resource
except ImportError:  # not on Windows: the host's own watch is the only memory limit there
    resource = None

DTYPES = {"f64": "<f8", "i32": "<i4"}


class UserError(Exception):
    """A fault of the user's code or of its contract, reported on the layer."""

    def __init__(self, message, position=None):
        Exception.__init__(self, message)
        self.position = position


# ---------------------------------------------------------------- framing

def read_exact(n):
    chunks = []
    while n > 0:
        chunk = PROTOCOL_IN.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame():
    total, = struct.unpack("<I", read_exact(4))
    body = read_exact(total)
    header_len, = struct.unpack_from("<I", body, 0)
    header = json.loads(body[4:4 + header_len].decode("utf-8"))
    arrays = []
    at = 4 + header_len
    for spec in header.get("arrays", []):
        dtype = np.dtype(DTYPES[spec["dtype"]])
        count = 1
        for d in spec["shape"]:
            count *= d
        nbytes = count * dtype.itemsize
        arrays.append(np.frombuffer(body, dtype=dtype, count=count, offset=at).reshape(spec["shape"]).copy())
        at += nbytes
    return header, arrays


def write_frame(header, arrays=()):
    specs = []
    blobs = []
    for a in arrays:
        if a.dtype.kind in "iub":
            a = np.asarray(a, dtype="<i4", order="C")
            specs.append({"dtype": "i32", "shape": list(a.shape)})
        else:
            a = np.asarray(a, dtype="<f8", order="C")
            specs.append({"dtype": "f64", "shape": list(a.shape)})
        blobs.append(a.tobytes())
    header = dict(header, arrays=specs)
    head = json.dumps(header).encode("utf-8")
    body = struct.pack("<I", len(head)) + head + b"".join(blobs)
    PROTOCOL_OUT.write(struct.pack("<I", len(body)) + body)


# ---------------------------------------------------------------- user code

class Loaded:
    def __init__(self):
        self.module = None
        self.filename = None
        self.layers = {}
        self.memory_mb = 0


STATE = Loaded()


def user_frames(tb):
    """The frames of a traceback that lie in the user's code, innermost last."""
    frames = []
    for fs in traceback.extract_tb(tb):
        if fs.filename == STATE.filename:
            frames.append({"line": fs.lineno, "name": fs.name, "file": None})
        elif not fs.filename.startswith("<") and os.path.abspath(fs.filename) != os.path.abspath(__file__) and is_users_file(fs.filename):
            frames.append({"line": fs.lineno, "name": fs.name, "file": fs.filename})
    return frames


def is_users_file(path):
    """A file beside the user's (a helper module they import), not a library's."""
    if STATE.filename is None or not os.path.isabs(STATE.filename):
        return False
    root = os.path.dirname(STATE.filename)
    path = os.path.abspath(path)
    return path.startswith(root + os.sep) and "site-packages" not in path and "dist-packages" not in path


def describe_exception(exc):
    text = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    if isinstance(exc, MemoryError):
        text = "MemoryError: ran out of memory (the limit is %d MB)%s" % (STATE.memory_mb, ": " + str(exc) if str(exc) else "")
    return text


def error_answer(exc, position=None):
    if isinstance(exc, UserError):
        return {"ok": False, "error": str(exc), "frames": [], "position": exc.position if position is None else position}
    return {
        "ok": False,
        "error": describe_exception(exc),
        "frames": user_frames(exc.__traceback__),
        "position": position,
        "syntax": syntax_location(exc),
    }


def syntax_location(exc):
    if isinstance(exc, SyntaxError) and exc.filename == STATE.filename:
        return {"line": exc.lineno, "column": exc.offset, "message": exc.msg}
    return None


class MemoryLimit:
    """RLIMIT_DATA (private memory, numpy's buffers included) bounded while user code runs."""

    def __enter__(self):
        self.saved = None
        if resource is None or STATE.memory_mb <= 0:
            return self
        try:
            used = data_size()
            soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
            limit = used + STATE.memory_mb * 1024 * 1024
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
            self.saved = (soft, hard)
        except (ValueError, OSError):
            self.saved = None
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            try:
                resource.setrlimit(resource.RLIMIT_DATA, self.saved)
            except (ValueError, OSError):
                pass
        return False


def data_size():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def purge_user_modules(root):
    """Forgets modules imported from the user's folder, so an edited helper is re-read."""
    for name, mod in list(sys.modules.items()):
        path = getattr(mod, "__file__", None)
        if path and os.path.abspath(path).startswith(root + os.sep) and "site-packages" not in path and "dist-packages" not in path:
            del sys.modules[name]


def load(header):
    filename = header["file"]
    source = header["source"]
    STATE.filename = filename
    STATE.memory_mb = header.get("memoryMb", 0)
    STATE.layers = {}
    if os.path.isabs(filename):
        root = os.path.dirname(filename)
        purge_user_modules(root)
        if root not in sys.path:
            sys.path.insert(0, root)
    module = types.ModuleType("gradlens_user")
    module.__file__ = filename
    sys.modules["gradlens_user"] = module
    code = compile(source, filename, "exec")
    seed_everything(header.get("seed", 0))
    with MemoryLimit():
        exec(code, module.__dict__)
    STATE.module = module
    return {"ok": True, "torch": "torch" in sys.modules}


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def as_float_array(value, what):
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    if isinstance(value, (list, tuple)) and any(isinstance(v, (dict, str)) for v in value):
        raise UserError("%s must be an array of numbers; got a %s holding %s" % (what, type(value).__name__, type(next(v for v in value if isinstance(v, (dict, str)))).__name__))
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UserError("%s must be an array of numbers; got %s (%s)" % (what, describe_value(value), exc))
    return a


def describe_value(v):
    if v is None:
        return "None"
    if isinstance(v, tuple):
        return "a tuple of %d" % len(v)
    if isinstance(v, list):
        return "a list of %d" % len(v)
    if isinstance(v, dict):
        return "a dict with keys %s" % ", ".join(repr(k) for k in v)
    if hasattr(v, "shape"):
        return "%s of shape %s" % (type(v).__name__, tuple(v.shape))
    return "a %s" % type(v).__name__


def first_non_finite(a):
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size == 0:
        return None
    j = int(bad[0])
    return j, np.unravel_index(j, a.shape) if a.ndim else ()


class Layer:
    """One layer of the loaded module, with its tag's values, as forward/backward on arrays."""

    def __init__(self, spec, values, seed):
        self.spec = spec
        self.seed = seed
        self.convention = spec["convention"]
        self.args = spec["args"]  # [{"kind", "name"}...] in tag order
        self.checked = [i for i, a in enumerate(self.args) if a["kind"] == "tensor"]
        self.names = [self.args[i]["name"] for i in self.checked]
        self.fixed = {}
        for i, a in enumerate(self.args):
            if a["kind"] == "int":
                self.fixed[i] = values.pop(0).astype(np.int64)
            elif a["kind"] == "const":
                self.fixed[i] = a["value"]
        self.caches = {}
        self.next_cache = 1
        module = STATE.module
        self.fn_name = spec["exportName"]
        self.obj = getattr(module, self.fn_name, None)
        if self.obj is None:
            raise UserError("%s is not defined at the top level of the file" % self.fn_name)
        if self.convention == "pair":
            self.backward_name = spec["backwardName"]
            self.bwd = getattr(module, self.backward_name, None)
            if self.bwd is None:
                raise UserError("%s has no %s beside it: write def %s(dout, cache) returning the gradients of (%s)" % (self.fn_name, self.backward_name, self.backward_name, ", ".join(self.names)))
        elif self.convention in ("object", "autograd"):
            for method in ("forward", "backward"):
                if not callable(getattr(self.obj, method, None)):
                    raise UserError("class %s has no %s method" % (self.fn_name, method))
            self.ctor = set(spec.get("constructorArgs") or [])
        self.torch = sys.modules.get("torch") if self.convention == "autograd" else None
        if self.convention == "autograd" and self.torch is None:
            raise UserError("%s is a torch.autograd.Function, but torch is not imported" % self.fn_name)

    def call_args(self, inputs):
        """Every tag argument in order: fresh copies of the checked inputs, the fixed values."""
        out = []
        k = 0
        for i, a in enumerate(self.args):
            if a["kind"] == "tensor":
                x = inputs[k].copy()
                if self.torch is not None:
                    x = self.torch.from_numpy(x)
                out.append(x)
                k += 1
            elif a["kind"] == "int":
                v = self.fixed[i].copy()
                out.append(self.torch.from_numpy(v) if self.torch is not None else v)
            else:
                out.append(json.loads(json.dumps(self.fixed[i])))
        return out

    # forward returns (out as float64 array, cache); the cache never leaves this process
    def forward(self, inputs, record=True):
        seed_everything(self.seed)
        args = self.call_args(inputs)
        conv = self.convention
        if conv in ("pair", "loss"):
            result = self.obj(*args)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                shape = "(out, cache)" if conv == "pair" else "(loss, grads)"
                raise UserError("%s must return %s; got %s" % (self.fn_name, shape, describe_value(result)))
            out, cache = result
            what = "%s's %s" % (self.fn_name, "out" if conv == "pair" else "loss")
            if conv == "loss" and np.ndim(as_float_array(out, what)) != 0:
                raise UserError("%s's loss must be a scalar; got %s" % (self.fn_name, describe_value(out)))
        elif conv == "object":
            ctor = [v for a, v in zip(self.args, args) if a["name"] in self.ctor]
            fwd = [v for a, v in zip(self.args, args) if a["name"] not in self.ctor]
            layer = self.obj(*ctor)
            out = layer.forward(*fwd)
            cache = layer
            what = "%s.forward's output" % self.fn_name
        else:
            torch = self.torch
            if record:
                for a, v in zip(self.args, args):
                    if a["kind"] == "tensor":
                        v.requires_grad_(True)
                out = self.obj.apply(*args)
            else:
                with torch.no_grad():
                    out = self.obj.apply(*args)
            if not isinstance(out, torch.Tensor):
                raise UserError("%s.apply must return one tensor; got %s" % (self.fn_name, describe_value(out)))
            cache = (out, [v for a, v in zip(self.args, args) if a["kind"] == "tensor"])
            what = "%s.forward's output" % self.fn_name
        arr = as_float_array(out, what)
        bad = first_non_finite(arr)
        if bad is not None:
            raise UserError("%s returned %s at out[%s] (output shape [%s])" % (
                self.fn_name, arr.flat[bad[0]], ", ".join(str(int(i)) for i in bad[1]), ", ".join(str(d) for d in arr.shape)))
        return arr, cache

    def store(self, cache):
        cid = self.next_cache
        self.next_cache += 1
        self.caches[cid] = cache
        for old in [c for c in self.caches if c <= cid - 8]:
            del self.caches[old]
        return cid

    def backward(self, cid, dout):
        if cid not in self.caches:
            raise UserError("internal: the cache of that forward call is gone")
        cache = self.caches[cid]
        seed_everything(self.seed)
        conv = self.convention
        if conv == "pair":
            grads = self.bwd(dout.reshape(np.shape(dout)), cache)
            return self.per_input(grads, self.backward_name)
        if conv == "loss":
            scale = float(dout.reshape(-1)[0])
            grads = self.per_input(cache, "%s's grads" % self.fn_name)
            return [None if g is None else as_float_array(g, "%s's gradient for '%s'" % (self.fn_name, name)) * scale
                    for g, name in zip(grads, self.names)]
        if conv == "object":
            layer = cache
            scalar = dout.ndim == 0
            if scalar:
                try:
                    dx = layer.backward()
                except TypeError:
                    dx = layer.backward(1.0)
                scale = float(dout)
            else:
                dx = layer.backward(dout)
                scale = 1.0
            grads = []
            fwd_names = [a["name"] for a in self.args if a["kind"] == "tensor" and a["name"] not in self.ctor]
            if len(fwd_names) > 1:
                dx = self.per_input(dx, "%s.backward" % self.fn_name, fwd_names)
            else:
                dx = [dx]
            from_forward = dict(zip(fwd_names, dx))
            store = getattr(layer, "grads", None)
            for name in self.names:
                if name in from_forward:
                    g = from_forward[name]
                else:
                    g = getattr(layer, "d" + name, None)
                    if g is None and isinstance(store, dict):
                        g = store.get(name)
                grads.append(None if g is None else as_float_array(g, "%s's gradient for '%s'" % (self.fn_name, name)) * scale)
            return grads
        torch = self.torch
        out, tensors = cache
        if not out.requires_grad:
            raise UserError("%s.apply's output does not require grad: does forward return a tensor made from its inputs?" % self.fn_name)
        grads = torch.autograd.grad(out, tensors, grad_outputs=torch.from_numpy(dout.copy()).reshape(out.shape), allow_unused=True)
        return list(grads)

    def per_input(self, grads, what, names=None):
        names = names or self.names
        n = len(names)
        if isinstance(grads, dict):
            # A dict may also hold gradients of things the tag does not check (a net's other weights).
            return [grads.get(name) for name in names]
        if isinstance(grads, (tuple, list)) and not (n == 1 and is_numeric_list(grads)):
            if len(grads) != n:
                raise UserError("%s returned %d gradient%s, expected %d, one per checked input in order (%s)" % (
                    what, len(grads), "" if len(grads) == 1 else "s", n, ", ".join(names)))
            return list(grads)
        if n == 1:
            return [grads]
        raise UserError("%s must return the gradients of (%s) as a tuple in that order or a dict keyed by name; got %s" % (
            what, ", ".join(names), describe_value(grads)))

    def objective(self, inputs, upstream):
        out, _ = self.forward(inputs, record=False)
        if out.size != upstream.size:
            raise UserError("%s's output changed size from %d to %d elements" % (self.fn_name, upstream.size, out.size))
        return float(np.dot(out.reshape(-1), upstream))


def is_numeric_list(v):
    return len(v) > 0 and not any(isinstance(x, (np.ndarray,)) or hasattr(x, "shape") for x in v) and isinstance(v[0], (list, int, float))


def handle(header, arrays):
    op = header["op"]
    if op == "hello":
        return {"ok": np is not None, "python": sys.version.split()[0], "executable": sys.executable,
                "numpy": None if np is None else np.__version__, "error": NUMPY_ERROR}, []
    if op == "load":
        return load(header), []
    if op == "setup":
        layer = Layer(header["layer"], list(arrays), header.get("seed", 0))
        STATE.layers[header["id"]] = layer
        return {"ok": True}, []
    layer = STATE.layers[header["id"]]
    if op == "forward":
        with MemoryLimit():
            out, cache = layer.forward(arrays)
        return {"ok": True, "cache": layer.store(cache)}, [out]
    if op == "backward":
        with MemoryLimit():
            grads = layer.backward(header["cache"], arrays[0])
        present = [g is not None for g in grads]
        out = []
        for g, name in zip(grads, layer.names):
            if g is not None:
                out.append(as_float_array(g, "the gradient for '%s'" % name))
        return {"ok": True, "present": present}, out
    if op == "along":
        # L at the inputs with element positions[k] of input `index` moved by +step, then -step.
        inputs = arrays[:-2]
        positions = arrays[-2]
        upstream = arrays[-1]
        x = inputs[header["index"]]
        flat = x.reshape(-1)
        step = header["step"]
        plus = np.empty(positions.size)
        minus = np.empty(positions.size)
        with MemoryLimit():
            for k, j in enumerate(positions.tolist()):
                original = flat[j]
                try:
                    flat[j] = original + step
                    plus[k] = layer.objective(inputs, upstream)
                    flat[j] = original - step
                    minus[k] = layer.objective(inputs, upstream)
                except Exception as exc:  # MemoryError and RecursionError included; sys.exit goes to main()
                    return error_answer(exc, position=j), []
                finally:
                    flat[j] = original
        return {"ok": True}, [plus, minus]
    raise UserError("unknown request %r" % op)


def main():
    while True:
        try:
            header, arrays = read_frame()
        except EOFError:
            return
        try:
            answer, out = handle(header, arrays)
        except Exception as exc:
            answer, out = error_answer(exc), []
        except SystemExit as exc:
            answer, out = {"ok": False, "error": "the layer called sys.exit(%s)" % (exc.code,), "frames": user_frames(exc.__traceback__)}, []
        except KeyboardInterrupt:
            answer, out = {"ok": False, "error": "interrupted", "frames": []}, []
        answer["re"] = header.get("re")
        write_frame(answer, out)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Convert a released STViT checkpoint (.pth) into a safetensors file stvit-bench reads.

timm's DeiT and Swin checkpoints (deit_small_patch16_224, swin_tiny_patch4_window7_224 and
their relatives) convert too: they are recognised by cls_token / pos_embed and by the
relative position bias tables, their config (patch, widths, depths, window, heads: Swin's
from its bias tables, DeiT's as 64 channels per head unless --heads) is read off the
shapes, and the original Swin release's names (downsample at the end of a stage, head.weight)
are renamed to timm's, as timm's own checkpoint filter does.

The checkpoint is either a dict as the reference training script saves it (model,
model_ema, optimizer, lr_scheduler, scaler, epoch, args), a dict with a 'state_dict',
or a bare state_dict; --state picks 'model' (the default) or 'model_ema', and the
converter says which one it wrote. Tensors keep their names (a DDP 'module.' prefix is
removed) and their stored dtype (F32, F16, BF16; F64 becomes F32), or all become
--dtype f32|f16|bf16; BatchNorm's unused num_batches_tracked is dropped. The network
configuration goes into the header as JSON text in __metadata__.config, with the keys
embed_dim, depths, num_heads, n_iter, stoken_size, projection, mlp_ratio, qkv_bias,
layerscale, init_values, num_classes.

Reading the .pth needs no trust and no PyTorch: the checkpoint (torch's zip format) is
unpickled by a restricted unpickler that builds exactly what such checkpoints hold
(tensors and their storages, dict/OrderedDict/list/tuple/set, numbers, strings, bytes,
None, argparse.Namespace) and refuses every other global, so a pickle that would run
code fails with the name it asked for, before anything runs. --trust-pickle loads with
torch.load instead (it runs the pickle: trusted files only; needs PyTorch) for
checkpoints that hold other objects or use torch's old non-zip format.

Most of the configuration is read off the tensor shapes and names. The number of heads
is not visible in the weights (qkv is one 1x1 conv for all heads), so it comes from the
variant table of the spec (--variant, or detected when embed_dim and depths match a
variant exactly) or from --heads.

Needs numpy (apt-get install python3-numpy); PyTorch only for --trust-pickle.
tests/test_converter.py tests it (make test runs it).
"""
import argparse
import collections
import importlib.util
import json
import os
import pickle
import re
import struct
import sys
import tempfile
import zipfile

# The spec's variant table (STVIT.md, "Variants").
VARIANTS = {
    "S": {"embed_dim": [64, 128, 320, 512], "depths": [3, 5, 9, 3], "num_heads": [1, 2, 5, 8]},
    "B": {"embed_dim": [96, 192, 384, 512], "depths": [4, 6, 14, 6], "num_heads": [2, 3, 6, 8]},
    "L": {"embed_dim": [96, 192, 448, 640], "depths": [4, 7, 19, 8], "num_heads": [2, 3, 7, 10]},
}
DEFAULT_STOKEN = [8, 4, 1, 1]  # the same for every variant, at 224 and 384
DEFAULT_N_ITER = [1, 1, 1, 1]
# The layer scale init of each variant as the reference model defines it (stvit_small:
# 1e-5; base and large: 1e-6); for other weights the spec's 1e-6.
INIT_VALUES = {"S": 1e-5, "B": 1e-6, "L": 1e-6}
DEFAULT_INIT_VALUES = 1e-6
STAGES = 4

# numpy dtype name -> safetensors dtype name (bfloat16 is BF16, below: numpy has none)
DTYPES = {"float32": "F32", "float16": "F16", "float64": "F64", "int64": "I64", "int32": "I32",
          "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}
FLOAT_DTYPES = {"f32": "F32", "f16": "F16", "bf16": "BF16"}


class ConvertError(Exception):
    pass


class BF16:
    """A bfloat16 tensor: its bit patterns as a numpy uint16 array (numpy has no bfloat16)."""

    def __init__(self, bits):
        self.bits = bits
        self.shape = bits.shape

    def to_f32(self):
        import numpy as np
        return (self.bits.astype(np.uint32) << 16).view(np.float32)

    @staticmethod
    def from_f32(x):
        """Round to nearest even, as torch's .to(torch.bfloat16); NaN stays a quiet NaN."""
        import numpy as np
        b = np.asarray(x, dtype=np.float32, order="C").view(np.uint32)
        rounded = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)
        return BF16(np.where(np.isnan(x), np.uint16(0x7FC0), rounded))


def as_f32(array):
    """Any tensor of this file as float32 numpy."""
    import numpy as np
    return array.to_f32() if isinstance(array, BF16) else np.asarray(array).astype(np.float32)


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: numpy array} to path (atomically, via a temporary file in the same
    folder). metadata: {str: str} or None. The header is padded with spaces so the data
    section starts 8-byte aligned."""
    import numpy as np

    header = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ConvertError("metadata must map strings to strings")
        header["__metadata__"] = metadata
    arrays, offset = [], 0
    for name, array in tensors.items():
        if isinstance(array, BF16):
            dtype, array = "BF16", np.asarray(array.bits, order="C")
        else:
            array = np.asarray(array, order="C")  # ascontiguousarray would make a scalar [1]
            if array.dtype.name not in DTYPES:
                raise ConvertError(f"tensor '{name}': dtype {array.dtype} has no safetensors name here")
            dtype = DTYPES[array.dtype.name]
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        data = array.tobytes()
        header[name] = {"dtype": dtype, "shape": [int(d) for d in array.shape],
                        "data_offsets": [offset, offset + len(data)]}
        arrays.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp.", dir=folder)
    except OSError as e:
        raise ConvertError(f"{path}: cannot create a file in folder {folder}: {e.strerror}")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for data in arrays:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_safetensors(path):
    """Reads a safetensors file back: ({name: numpy array}, metadata dict). For checks."""
    import numpy as np

    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    names = {v: k for k, v in DTYPES.items()}
    names["BF16"] = "uint16"
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        array = np.frombuffer(data[b:end], dtype=np.dtype(names[e["dtype"]]).newbyteorder("<")).reshape(e["shape"])
        out[name] = BF16(array) if e["dtype"] == "BF16" else array
    return out, metadata


def baseline_config(shapes, heads=None):
    """The config of a timm DeiT or Swin state_dict, or None when it is neither."""
    if "cls_token" in shapes and "pos_embed" in shapes:
        c = shapes["cls_token"][-1]
        depth = len({m.group(1) for n in shapes for m in [re.match(r"blocks\.(\d+)\.", n)] if m})
        patch = shapes["patch_embed.proj.weight"][-1]
        side = int(round((shapes["pos_embed"][1] - 1) ** 0.5)) * patch
        h = heads[0] if heads else c // 64
        if c % h:
            raise ConvertError(f"DeiT: {h} heads do not divide the width {c} (give --heads)")
        return {"net": "deit", "patch": patch, "embed_dim": [c] * STAGES, "depths": [depth, 0, 0, 0],
                "num_heads": [h] * STAGES, "stoken_size": [1] * STAGES, "projection": 0,
                "mlp_ratio": shapes["blocks.0.mlp.fc1.weight"][0] // c, "qkv_bias": "blocks.0.attn.qkv.bias" in shapes,
                "num_classes": shapes["head.weight"][0], "pos_size": [side, side]}
    table = "layers.0.blocks.0.attn.relative_position_bias_table"
    if table in shapes:
        embed = [shapes[f"layers.{i}.blocks.0.norm1.weight"][0] for i in range(STAGES)]
        depths = [len({m.group(1) for n in shapes for m in [re.match(rf"layers\.{i}\.blocks\.(\d+)\.", n)] if m})
                  for i in range(STAGES)]
        window = (int(round(shapes[table][0] ** 0.5)) + 1) // 2
        return {"net": "swin", "patch": shapes["patch_embed.proj.weight"][-1], "embed_dim": embed, "depths": depths,
                "num_heads": [shapes[f"layers.{i}.blocks.0.attn.relative_position_bias_table"][1] for i in range(STAGES)],
                "stoken_size": [1] * STAGES, "projection": 0, "window": window,
                "mlp_ratio": shapes["layers.0.blocks.0.mlp.fc1.weight"][0] // embed[0],
                "qkv_bias": "layers.0.blocks.0.attn.qkv.bias" in shapes, "num_classes": shapes["head.fc.weight"][0]}
    return None


def timm_swin_names(tensors):
    """The original Swin release's names as timm's: layers.i.downsample -> layers.i+1, head -> head.fc;
    the index and mask buffers dropped (derived, not learned)."""
    if "layers.0.blocks.0.attn.relative_position_bias_table" not in tensors:
        return tensors
    out = {}
    old = any(n.startswith("layers.0.downsample.") for n in tensors)
    for name, array in tensors.items():
        if name.endswith((".relative_position_index", ".attn_mask")):
            continue
        m = re.match(r"layers\.(\d+)\.downsample\.(.*)", name)
        if old and m:
            name = f"layers.{int(m.group(1)) + 1}.downsample.{m.group(2)}"
        if name in ("head.weight", "head.bias"):
            name = "head.fc." + name.split(".")[1]
        out[name] = array
    return out


def infer_config(shapes, variant=None, heads=None, stoken=None, n_iter=None):
    """The config dict from {name: shape} of a state_dict. variant: 'S'/'B'/'L' or None
    (then detected when embed_dim and depths match one); heads/stoken/n_iter override."""
    base = baseline_config(shapes, heads)
    if base:
        return base

    def shape(name):
        if name not in shapes:
            raise ConvertError(f"tensor '{name}' is missing: is this an STViT checkpoint?")
        return shapes[name]

    embed = [shape(f"layers.{i}.blocks.0.norm1.norm.weight")[0] for i in range(STAGES)]
    depths = []
    for i in range(STAGES):
        blocks = {int(m.group(1)) for n in shapes for m in [re.match(rf"layers\.{i}\.blocks\.(\d+)\.", n)] if m}
        if blocks != set(range(len(blocks))):
            raise ConvertError(f"stage {i}: block numbers {sorted(blocks)} are not 0..n-1")
        depths.append(len(blocks))
    fc1 = shape("layers.0.blocks.0.mlp2.fc1.weight")[0]
    if fc1 % embed[0]:
        raise ConvertError(f"mlp2.fc1 width {fc1} is not a multiple of embed_dim {embed[0]}")
    qkv = shape("layers.0.blocks.0.attn.stoken_refine.qkv.weight")[0]
    if qkv != 3 * embed[0]:
        raise ConvertError(f"qkv width {qkv} is not 3 x embed_dim {embed[0]}")

    if variant is None:
        variant = next((k for k, v in VARIANTS.items() if v["embed_dim"] == embed and v["depths"] == depths), None)
        if variant:
            print(f"pth2safetensors: embed_dim and depths match variant {variant}", file=sys.stderr)
    if heads is None:
        if variant is None:
            raise ConvertError(f"cannot infer the heads of embed_dim {embed}, depths {depths}: "
                               "give --variant S|B|L or --heads h1,h2,h3,h4")
        heads = VARIANTS[variant]["num_heads"]
        if VARIANTS[variant]["embed_dim"] != embed or VARIANTS[variant]["depths"] != depths:
            print(f"pth2safetensors: warning: weights (embed_dim {embed}, depths {depths}) differ from variant "
                  f"{variant}; using its heads {heads}", file=sys.stderr)
    for i in range(STAGES):
        if heads[i] <= 0 or embed[i] % heads[i]:
            raise ConvertError(f"stage {i}: {heads[i]} heads do not divide embed_dim {embed[i]}")

    return {
        "embed_dim": embed,
        "depths": depths,
        "num_heads": list(heads),
        "n_iter": list(n_iter or DEFAULT_N_ITER),
        "stoken_size": list(stoken or DEFAULT_STOKEN),
        "projection": shapes["proj.weight"][0] if "proj.weight" in shapes else 0,
        "mlp_ratio": fc1 // embed[0],
        "qkv_bias": "layers.0.blocks.0.attn.stoken_refine.qkv.bias" in shapes,
        "layerscale": [f"layers.{i}.blocks.0.gamma_1" in shapes for i in range(STAGES)],
        "init_values": INIT_VALUES.get(variant, DEFAULT_INIT_VALUES),
        "num_classes": shape("head.weight")[0],
    }


def prepare(state_dict, dtype=None):
    """Arrays ready to write: 'module.' prefix removed, num_batches_tracked dropped;
    floating tensors keep F32/F16/BF16 (F64 becomes F32), or all become dtype
    ('f32', 'f16', 'bf16')."""
    import numpy as np

    out = {}
    for name, array in state_dict.items():
        name = name[len("module."):] if name.startswith("module.") else name
        if name.endswith("num_batches_tracked"):
            continue
        if not isinstance(array, BF16):
            array = np.asarray(array)
        floating = isinstance(array, BF16) or np.issubdtype(array.dtype, np.floating)
        if floating and dtype:
            if dtype == "bf16":
                array = array if isinstance(array, BF16) else BF16.from_f32(array.astype(np.float32))
            else:
                array = as_f32(array).astype(np.float16 if dtype == "f16" else np.float32)
        elif floating and not isinstance(array, BF16) and array.dtype not in (np.float16, np.float32):
            array = array.astype(np.float32)
        out[name] = array
    return out


def convert(state_dict, out_path, dtype=None, **config_args):
    """state_dict: {name: numpy array or BF16}. Writes out_path; returns the config."""
    tensors = timm_swin_names(prepare(state_dict, dtype))
    config = infer_config({k: tuple(v.shape) for k, v in tensors.items()}, **config_args)
    write_safetensors(out_path, tensors, {"config": json.dumps(config)})
    return config


# ---- reading a checkpoint without running its pickle ----

# torch's storage classes as a pickle names them -> numpy dtype (BF16: uint16 bits)
STORAGES = {"FloatStorage": "float32", "HalfStorage": "float16", "BFloat16Storage": "bf16",
            "DoubleStorage": "float64", "LongStorage": "int64", "IntStorage": "int32",
            "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool"}


class StorageType:
    def __init__(self, name):
        self.name = name


def rebuild_tensor(storage, offset, size, stride, *unused):
    """torch._utils._rebuild_tensor_v2 (and _rebuild_tensor) on our storages: a numpy copy."""
    import numpy as np

    bits = storage if isinstance(storage, np.ndarray) else storage.bits
    count = 1
    for d in size:
        count *= d
    if count == 0:
        array = np.zeros(tuple(size), dtype=bits.dtype)
    else:
        last = offset + sum((d - 1) * s for d, s in zip(size, stride))
        if offset < 0 or last >= bits.size or any(s < 0 for s in stride):
            raise ConvertError(f"a tensor of shape {list(size)} reaches outside its storage of {bits.size} elements")
        array = np.lib.stride_tricks.as_strided(bits[offset:], shape=tuple(size),
                                                strides=tuple(s * bits.itemsize for s in stride)).copy()
    return BF16(array) if not isinstance(storage, np.ndarray) else array


def rebuild_parameter(data, requires_grad=False, backward_hooks=None, *unused):
    return data


def latin1_bytes(text, encoding="latin1"):
    """_codecs.encode, as protocol 2 pickles bytes; only its latin1 use is allowed."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise ConvertError(f"refused: _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


def empty_bytes(*args):
    """bytes(), as protocol 2 pickles b''; bytes(n) of a huge n would only eat memory."""
    if args and not isinstance(args[0], (list, tuple, str)):
        raise ConvertError("refused: bytes() of something other than a list")
    return bytes(*args)


# Every global a checkpoint of the reference training script needs, and nothing else.
SAFE_GLOBALS = {("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
                ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
                ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
                ("collections", "OrderedDict"): collections.OrderedDict,
                ("argparse", "Namespace"): argparse.Namespace,
                ("_codecs", "encode"): latin1_bytes}
for module in ("builtins", "__builtin__"):  # protocol 2 writes Python 2's name
    SAFE_GLOBALS.update({(module, "set"): set, (module, "frozenset"): frozenset, (module, "bytes"): empty_bytes})
SAFE_GLOBALS.update({("torch", name): StorageType(name) for name in STORAGES})


class SafeUnpickler(pickle.Unpickler):
    """Builds tensors from the zip's storages; any other global is refused before it is
    looked up, so nothing in the file can run code."""

    def __init__(self, stream, archive, prefix):
        super().__init__(stream)
        self.archive, self.prefix, self.storages = archive, prefix, {}

    def find_class(self, module, name):
        if (module, name) in SAFE_GLOBALS:
            return SAFE_GLOBALS[(module, name)]
        raise ConvertError(f"refused to load {module}.{name}: the checkpoint holds more than tensors, numbers, "
                           "strings and containers (if you trust its source, rerun with --trust-pickle)")

    def persistent_load(self, pid):
        import numpy as np

        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and isinstance(pid[1], StorageType)):
            raise ConvertError(f"unexpected persistent id {str(pid)[:80]}")
        kind, key = pid[1].name, str(pid[2])
        if key not in self.storages:
            try:
                raw = self.archive.read(f"{self.prefix}data/{key}")
            except KeyError:
                raise ConvertError(f"storage {key} is missing from the checkpoint")
            dtype = np.uint16 if STORAGES[kind] == "bf16" else np.dtype(STORAGES[kind])
            if len(raw) % np.dtype(dtype).itemsize:
                raise ConvertError(f"storage {key}: {len(raw)} bytes is not a whole number of {kind} elements")
            bits = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
            self.storages[key] = BF16(bits) if STORAGES[kind] == "bf16" else bits
        return self.storages[key]


def safe_load(path):
    """A torch.save checkpoint (zip format, torch >= 1.6) read without torch and without
    running its pickle."""
    if not zipfile.is_zipfile(path):
        raise ConvertError(f"{path}: not a zip checkpoint of torch.save (>= 1.6); an older or other pickle loads "
                           "only with --trust-pickle (it runs the pickle: trusted files only)")
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise ConvertError(f"{path}: expected one data.pkl in the checkpoint, found {len(pickles)}")
        prefix = pickles[0][:-len("data.pkl")]
        with archive.open(pickles[0]) as stream:
            try:
                return SafeUnpickler(stream, archive, prefix).load()
            except ConvertError as e:
                raise ConvertError(f"{path}: {e}")
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
                raise ConvertError(f"{path}: not a readable checkpoint: {e}")


def trusted_load(path):
    try:
        import torch
    except ImportError:
        raise ConvertError("--trust-pickle needs PyTorch: apt-get install python3-torch (or pip install torch)")
    print(f"pth2safetensors: warning: --trust-pickle runs the pickle in {path}: only for files you trust",
          file=sys.stderr)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch older than 1.13 has no weights_only
        ckpt = torch.load(path, map_location="cpu")

    def numpy_of(v):
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu()
            if v.dtype == torch.bfloat16:
                return BF16(v.view(torch.int16).numpy().view("uint16"))
            return v.numpy()
        if isinstance(v, dict):
            return type(v)((k, numpy_of(x)) for k, x in v.items())
        return v
    return numpy_of(ckpt)


def is_state_dict(d):
    import numpy as np
    return isinstance(d, dict) and d and all(isinstance(v, (np.ndarray, BF16)) for v in d.values())


def pick_state(ckpt, path, state=None):
    """(key, state_dict): --state's entry, else 'model', 'state_dict', 'model_ema', else
    (None, the checkpoint) when it is a state_dict itself."""
    if is_state_dict(ckpt):
        if state:
            raise ConvertError(f"{path}: a bare state_dict, it has no '{state}' (drop --state)")
        return None, ckpt
    if not isinstance(ckpt, dict):
        raise ConvertError(f"{path}: neither a state_dict nor a dict holding one")
    for key in [state] if state else ["model", "state_dict", "model_ema"]:
        if key in ckpt and is_state_dict(ckpt[key]):
            return key, ckpt[key]
    keys = ", ".join(repr(k) for k in list(ckpt)[:12])
    if state:
        raise ConvertError(f"{path}: no state_dict under '{state}' (the checkpoint holds {keys})")
    raise ConvertError(f"{path}: no state_dict under 'model', 'state_dict' or 'model_ema' (it holds {keys})")


def load_pth(path, trust_pickle=False, state=None):
    """(which, {name: numpy array or BF16}, other top-level keys) of a checkpoint."""
    ckpt = trusted_load(path) if trust_pickle else safe_load(path)
    key, sd = pick_state(ckpt, path, state)
    others = [str(k) for k in ckpt if k != key] if key is not None else []
    return ("the state_dict" if key is None else f"'{key}'"), dict(sd), others


def int_list(text):
    try:
        values = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of integers")
    if len(values) != STAGES or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' needs {STAGES} positive integers, one per stage")
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: pth2safetensors.py stvit_small.pth stvit-s.safetensors --variant S")
    ap.add_argument("input", help="checkpoint (.pth)")
    ap.add_argument("output", help="safetensors file to write")
    ap.add_argument("--variant", choices=sorted(VARIANTS), type=str.upper,
                    help="take the heads from the spec's variant table (default: detect from embed_dim and depths)")
    ap.add_argument("--heads", type=int_list, help="heads per stage, e.g. 1,2,5,8 (overrides --variant)")
    ap.add_argument("--stoken", type=int_list, help=f"super token size per stage (default {DEFAULT_STOKEN})")
    ap.add_argument("--n-iter", type=int_list, help=f"association iterations per stage (default {DEFAULT_N_ITER})")
    ap.add_argument("--state", choices=["model", "model_ema"],
                    help="which state_dict of a training checkpoint (default: model, else state_dict, else model_ema)")
    ap.add_argument("--dtype", choices=sorted(FLOAT_DTYPES),
                    help="write every floating tensor in this dtype (default: keep the stored F32/F16/BF16)")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="load with torch.load, which runs the pickle (trusted files only): for checkpoints "
                         "holding other objects or in torch's old format")
    args = ap.parse_args()
    if importlib.util.find_spec("numpy") is None:  # every path needs it
        print("pth2safetensors: needs numpy: apt-get install python3-numpy", file=sys.stderr)
        return 1
    try:
        which, state_dict, others = load_pth(args.input, args.trust_pickle, args.state)
        config = convert(state_dict, args.output, dtype=args.dtype, variant=args.variant, heads=args.heads,
                         stoken=args.stoken, n_iter=args.n_iter)
        written = prepare(state_dict, args.dtype)
        kinds = sorted({"BF16" if isinstance(a, BF16) else DTYPES.get(a.dtype.name, "?") for a in written.values()})
        also = f" (the checkpoint also holds {', '.join(others)})" if others else ""
        print(f"{args.output}: converted {which} of {args.input}{also}: {len(written)} of {len(state_dict)} tensors "
              f"written ({', '.join(kinds)}), config {json.dumps(config)}")
        return 0
    except (ConvertError, OSError) as e:
        print(f"pth2safetensors: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

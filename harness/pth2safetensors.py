#!/usr/bin/python3
"""Convert a released STViT checkpoint (.pth) into a safetensors file stvit-bench reads.

timm's DeiT and Swin checkpoints (deit_small_patch16_224, swin_tiny_patch4_window7_224 and
their relatives) convert too: they are recognised by cls_token / pos_embed and by the
relative position bias tables, their config (patch, widths, depths, window, heads: Swin's
from its bias tables, DeiT's as 64 channels per head unless --heads) is read off the
shapes, and the original Swin release's names (downsample at the end of a stage, head.weight)
are renamed to timm's, as timm's own checkpoint filter does.

The checkpoint is either a dict with a 'model' (or 'state_dict') entry or a bare
state_dict. Tensors keep their names (a DDP 'module.' prefix is removed); floating
tensors are written as F32, BatchNorm's unused num_batches_tracked is dropped. The
network configuration goes into the header as JSON text in __metadata__.config, with
the keys embed_dim, depths, num_heads, n_iter, stoken_size, projection, mlp_ratio,
qkv_bias, layerscale, init_values, num_classes.

Most of the configuration is read off the tensor shapes and names. The number of heads
is not visible in the weights (qkv is one 1x1 conv for all heads), so it comes from the
variant table of the spec (--variant, or detected when embed_dim and depths match a
variant exactly) or from --heads.

Needs PyTorch only to read the .pth (apt-get install python3-torch); the safetensors
writer is plain Python (struct + json). --self-test checks the writer and the config
inference without torch, and a full .pth round trip when torch is installed.
"""
import argparse
import importlib.util
import json
import os
import re
import struct
import sys
import tempfile

# The spec's variant table (STVIT.md, "Variants").
VARIANTS = {
    "S": {"embed_dim": [64, 128, 320, 512], "depths": [3, 5, 9, 3], "num_heads": [1, 2, 5, 8]},
    "B": {"embed_dim": [96, 192, 384, 512], "depths": [4, 6, 14, 6], "num_heads": [2, 3, 6, 8]},
    "L": {"embed_dim": [96, 192, 448, 640], "depths": [4, 7, 19, 8], "num_heads": [2, 3, 7, 10]},
}
DEFAULT_STOKEN = [8, 4, 1, 1]  # the same for every variant, at 224 and 384
DEFAULT_N_ITER = [1, 1, 1, 1]
INIT_VALUES = 1e-6
STAGES = 4

# numpy dtype name -> safetensors dtype name
DTYPES = {"float32": "F32", "float16": "F16", "float64": "F64", "int64": "I64", "int32": "I32",
          "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}


class ConvertError(Exception):
    pass


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
        array = np.ascontiguousarray(array)
        if array.dtype.name not in DTYPES:
            raise ConvertError(f"tensor '{name}': dtype {array.dtype} has no safetensors name here")
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        data = array.tobytes()
        header[name] = {"dtype": DTYPES[array.dtype.name], "shape": list(array.shape),
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
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=np.dtype(names[e["dtype"]]).newbyteorder("<")).reshape(e["shape"])
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
        "init_values": INIT_VALUES,
        "num_classes": shape("head.weight")[0],
    }


def prepare(state_dict):
    """numpy arrays ready to write: 'module.' prefix removed, num_batches_tracked
    dropped, floating tensors as float32."""
    import numpy as np

    out = {}
    for name, array in state_dict.items():
        name = name[len("module."):] if name.startswith("module.") else name
        if name.endswith("num_batches_tracked"):
            continue
        array = np.asarray(array)
        if np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float32)
        out[name] = array
    return out


def convert(state_dict, out_path, **config_args):
    """state_dict: {name: numpy array}. Writes out_path; returns the config."""
    tensors = timm_swin_names(prepare(state_dict))
    config = infer_config({k: tuple(v.shape) for k, v in tensors.items()}, **config_args)
    write_safetensors(out_path, tensors, {"config": json.dumps(config)})
    return config


def load_pth(path, trust_pickle):
    try:
        import torch
    except ImportError:
        raise ConvertError("reading a .pth needs PyTorch: apt-get install python3-torch (or pip install torch)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except TypeError:  # torch older than 1.13 has no weights_only
        ckpt = torch.load(path, map_location="cpu")
    except OSError:
        raise
    except Exception as e:
        if trust_pickle:
            raise
        raise ConvertError(f"{path}: {e}\n(the checkpoint holds more than tensors; if you trust its source, "
                           "rerun with --trust-pickle)")
    if isinstance(ckpt, dict):
        for key in ("model", "state_dict", "model_ema"):
            if key in ckpt and isinstance(ckpt[key], dict):
                ckpt = ckpt[key]
                break
    if not isinstance(ckpt, dict) or not all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        raise ConvertError(f"{path}: neither a state_dict nor a dict with a 'model' state_dict")
    return {k: v.detach().cpu().numpy() for k, v in ckpt.items()}


def int_list(text):
    try:
        values = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of integers")
    if len(values) != STAGES or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' needs {STAGES} positive integers, one per stage")
    return values


# ---- self-test ----

def synthetic_state_dict(embed, depths, projection, classes, layerscale):
    """The names and shapes the converter reads, plus the BN counters it must drop."""
    import numpy as np

    rng = np.random.default_rng(0)
    sd = {"patch_embed.proj.0.weight": rng.standard_normal((embed[0] // 2, 3, 3, 3)),
          "patch_embed.proj.2.num_batches_tracked": np.array(7, dtype=np.int64)}
    for i in range(STAGES):
        c = embed[i]
        for j in range(depths[i]):
            p = f"module.layers.{i}.blocks.{j}."
            sd[p + "norm1.norm.weight"] = rng.standard_normal(c).astype(np.float16)
            sd[p + "attn.stoken_refine.qkv.weight"] = rng.standard_normal((3 * c, c, 1, 1))
            sd[p + "attn.stoken_refine.qkv.bias"] = rng.standard_normal(3 * c)
            sd[p + "mlp2.fc1.weight"] = rng.standard_normal((4 * c, c, 1, 1)).astype(np.float32)
            sd[p + "norm2.num_batches_tracked"] = np.array(3, dtype=np.int64)
            if layerscale[i]:
                sd[p + "gamma_1"] = np.full((1, c, 1, 1), 1e-6)
    sd["proj.weight"] = rng.standard_normal((projection, embed[3], 1, 1))
    sd["head.weight"] = rng.standard_normal((classes, projection))
    sd["head.bias"] = np.zeros(classes, dtype=np.float32)
    return sd


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def self_test():
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        # 1. writer + inference on numpy arrays (no torch needed)
        sd = synthetic_state_dict([8, 16, 24, 32], [1, 2, 1, 1], 40, 5, [False, False, True, True])
        out = os.path.join(tmp, "synthetic.safetensors")
        config = convert(sd, out, heads=[1, 2, 3, 4])
        raw = open(out, "rb").read()
        check((8 + struct.unpack("<Q", raw[:8])[0]) % 8 == 0, "data section not 8-byte aligned")
        tensors, meta = read_safetensors(out)
        check(json.loads(meta["config"]) == config, "config in the header differs")
        check(config["embed_dim"] == [8, 16, 24, 32] and config["depths"] == [1, 2, 1, 1], "embed/depths")
        check(config["layerscale"] == [False, False, True, True], "layerscale")
        check(config["projection"] == 40 and config["num_classes"] == 5 and config["mlp_ratio"] == 4, "head")
        check(config["qkv_bias"] and config["stoken_size"] == DEFAULT_STOKEN, "qkv_bias/stoken")
        check(not any("num_batches_tracked" in n or n.startswith("module.") for n in tensors), "names not cleaned")
        for name, array in sd.items():
            name = name[len("module."):] if name.startswith("module.") else name
            if "num_batches_tracked" in name:
                continue
            check(tensors[name].dtype == np.float32, f"{name} not F32")
            check(np.array_equal(tensors[name], np.asarray(array).astype(np.float32)), f"{name} changed")
        check(not [f for f in os.listdir(tmp) if ".tmp." in f], "temporary file left")
        try:
            convert(sd, out)
            raise AssertionError("heads were inferred without a variant")
        except ConvertError as e:
            check("--variant" in str(e), "message should suggest --variant")
        print("self-test: writer and config inference OK")

        # timm's DeiT-S and, in the original release's names, Swin-T: config off the shapes
        z = np.zeros
        deit = {"cls_token": z((1, 1, 384)), "pos_embed": z((1, 197, 384)), "patch_embed.proj.weight": z((384, 3, 16, 16)),
                "blocks.0.attn.qkv.bias": z(1152), "blocks.0.mlp.fc1.weight": z((1536, 384)), "head.weight": z((1000, 384))}
        deit.update({f"blocks.{j}.norm1.weight": z(384) for j in range(12)})
        c = infer_config({k: v.shape for k, v in timm_swin_names(prepare(deit)).items()})
        check(c["net"] == "deit" and c["depths"] == [12, 0, 0, 0] and c["num_heads"][0] == 6 and c["patch"] == 16
              and c["pos_size"] == [224, 224], f"deit config {c}")
        swin = {"patch_embed.proj.weight": z((96, 3, 4, 4)), "head.weight": z((1000, 768)), "head.bias": z(1000),
                "layers.0.blocks.0.attn.relative_position_index": z((49, 49)), "layers.0.downsample.reduction.weight":
                z((192, 384)), "layers.0.blocks.0.attn.qkv.bias": z(288), "layers.0.blocks.0.mlp.fc1.weight": z((384, 96))}
        for i, (c_, d, h) in enumerate(zip([96, 192, 384, 768], [2, 2, 6, 2], [3, 6, 12, 24])):
            for j in range(d):
                swin[f"layers.{i}.blocks.{j}.norm1.weight"] = z(c_)
                swin[f"layers.{i}.blocks.{j}.attn.relative_position_bias_table"] = z((169, h))
        t = timm_swin_names(prepare(swin))
        check("layers.1.downsample.reduction.weight" in t and "head.fc.weight" in t and
              not any(n.endswith("relative_position_index") for n in t), "swin renames")
        c = infer_config({k: v.shape for k, v in t.items()})
        check(c["net"] == "swin" and c["depths"] == [2, 2, 6, 2] and c["num_heads"] == [3, 6, 12, 24] and
              c["window"] == 7 and c["num_classes"] == 1000, f"swin config {c}")
        print("self-test: timm DeiT / Swin config inference and renames OK")

        # 2. a real .pth through torch: the golden weights as a checkpoint with BN counters
        golden = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                              "pub_tiny96.weights.safetensors")
        try:
            import torch
        except ImportError:
            print("self-test: torch not installed, .pth round trip skipped")
            return
        gold, gold_meta = read_safetensors(golden)
        model = {k: torch.from_numpy(v.copy()) for k, v in gold.items()}
        model["norm.num_batches_tracked"] = torch.tensor(100)
        pth = os.path.join(tmp, "ckpt.pth")
        torch.save({"model": model, "epoch": 3}, pth)
        config = convert(load_pth(pth, False), out, heads=[1, 2, 4, 8])
        tensors, _ = read_safetensors(out)
        check(config == json.loads(gold_meta["config"]), f"config {config} differs from the golden one")
        check(set(tensors) == set(gold), "tensor names differ from the golden file")
        check(all(np.array_equal(tensors[k], gold[k]) for k in gold), "tensor values differ")
        print("self-test: .pth -> safetensors reproduces the golden weights file OK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: pth2safetensors.py stvit_small.pth stvit-s.safetensors --variant S")
    ap.add_argument("input", nargs="?", help="checkpoint (.pth)")
    ap.add_argument("output", nargs="?", help="safetensors file to write")
    ap.add_argument("--variant", choices=sorted(VARIANTS), type=str.upper,
                    help="take the heads from the spec's variant table (default: detect from embed_dim and depths)")
    ap.add_argument("--heads", type=int_list, help="heads per stage, e.g. 1,2,5,8 (overrides --variant)")
    ap.add_argument("--stoken", type=int_list, help=f"super token size per stage (default {DEFAULT_STOKEN})")
    ap.add_argument("--n-iter", type=int_list, help=f"association iterations per stage (default {DEFAULT_N_ITER})")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="load checkpoints that hold more than tensors (runs the pickle: trusted files only)")
    ap.add_argument("--self-test", action="store_true", help="check the converter and exit")
    args = ap.parse_args()
    if importlib.util.find_spec("numpy") is None:  # every path needs it
        print("pth2safetensors: needs numpy: apt-get install python3-numpy", file=sys.stderr)
        return 1
    try:
        if args.self_test:
            self_test()
            return 0
        if not args.input or not args.output:
            ap.error("give an input .pth and an output .safetensors")
        state_dict = load_pth(args.input, args.trust_pickle)
        config = convert(state_dict, args.output, variant=args.variant, heads=args.heads, stoken=args.stoken,
                         n_iter=args.n_iter)
        written = len(prepare(state_dict))
        print(f"{args.output}: {written} of {len(state_dict)} tensors written, config {json.dumps(config)}")
        return 0
    except (ConvertError, OSError) as e:
        print(f"pth2safetensors: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

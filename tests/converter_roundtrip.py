#!/usr/bin/python3
"""converter_roundtrip.py OUT_DIR SEED COUNT — random state dicts through the converter's
config inference and safetensors writer (harness/pth2safetensors.py), for
tests/test_converter_roundtrip.c, which reads them back with the C loader.

Each case i writes OUT_DIR/case_i.safetensors (random sizes, depths, heads, layer scales,
projection, classes, stoken sizes, n_iter, dtype; extra tensors with odd names: quotes,
backslashes, control characters, non-ASCII, long; empty and scalar tensors) and
OUT_DIR/case_i.expect: the expected float32 values of every floating tensor, computed
independently of the converter's own conversions (f16 by numpy, bf16 by frexp/round),
in the order of OUT_DIR/case_i.json, which lists {name, dtype, shape, offset} and the
config the converter meant to write."""
import importlib.util
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in harness/
spec = importlib.util.spec_from_file_location("pth2safetensors", os.path.join(ROOT, "harness", "pth2safetensors.py"))
conv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conv)

ODD_NAMES = ['quote"in', "back\\slash", "tab\tand\nnewline", "ctrl\x01\x1f", "caf\u00e9.\u4e2d\u6587", "emoji\U0001F600",
             "x" * 300, " lead and trail ", "/slash/", "", "__metadata__x"]


def expected_f32(array, dtype):
    x = conv.as_f32(array).astype(np.float64)
    if dtype == "F16":
        return x.astype(np.float16).astype(np.float32)
    if dtype == "BF16":
        m, e = np.frexp(x)
        return np.ldexp(np.round(m * 256) / 256, e).astype(np.float32)
    return x.astype(np.float32)


def one_case(rng, out_dir, i):
    heads = [int(rng.integers(1, 4)) for _ in range(4)]
    embed = [h * int(rng.integers(1, 5)) * 2 for h in heads]
    depths = [int(rng.integers(1, 4)) for _ in range(4)]
    layerscale = [bool(rng.integers(0, 2)) for _ in range(4)]
    projection = int(rng.choice([0, int(rng.integers(1, 64))]))
    classes = int(rng.integers(1, 50))
    mlp = int(rng.integers(1, 5))
    stoken = [int(rng.integers(1, 9)) for _ in range(4)]
    n_iter = [int(rng.integers(1, 4)) for _ in range(4)]
    stored = rng.choice([np.float32, np.float16, np.float64])

    def normal(*shape):
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3)).astype(stored)

    sd = {"patch_embed.proj.0.weight": normal(embed[0] // 2, 3, 3, 3),
          "patch_embed.proj.1.num_batches_tracked": np.array(5, dtype=np.int64)}
    for s in range(4):
        c = embed[s]
        for j in range(depths[s]):
            p = ("module." if rng.integers(0, 2) else "") + f"layers.{s}.blocks.{j}."
            sd[p + "norm1.norm.weight"] = normal(c)
            sd[p + "attn.stoken_refine.qkv.weight"] = normal(3 * c, c, 1, 1)
            sd[p + "attn.stoken_refine.qkv.bias"] = normal(3 * c)
            sd[p + "mlp2.fc1.weight"] = normal(mlp * c, c, 1, 1)
            if layerscale[s]:
                sd[p + "gamma_1"] = normal(1, c, 1, 1)
    if projection:
        sd["proj.weight"] = normal(projection, embed[3], 1, 1)
    sd["head.weight"] = normal(classes, projection or embed[3])
    for k in range(int(rng.integers(0, 5))):
        name = ODD_NAMES[int(rng.integers(0, len(ODD_NAMES)))] + str(k)
        shape = [int(d) for d in rng.integers(0, 4, size=int(rng.integers(0, 4)))]
        sd[name] = normal(*shape)
    if rng.integers(0, 2):
        sd["counter.int64"] = rng.integers(-5, 5, size=3).astype(np.int64)

    dtype = [None, "f32", "f16", "bf16"][int(rng.integers(0, 4))]
    path = os.path.join(out_dir, f"case_{i}.safetensors")
    config = conv.convert(sd, path, dtype=dtype, heads=heads, stoken=stoken, n_iter=n_iter)
    written = conv.prepare(sd, dtype)
    entries, chunks, offset = [], [], 0
    for name, array in written.items():
        kind = "BF16" if isinstance(array, conv.BF16) else conv.DTYPES[array.dtype.name]
        e = {"name": name, "dtype": kind, "shape": [int(d) for d in array.shape], "offset": offset}
        if kind in ("F32", "F16", "BF16"):
            values = expected_f32(sd[name if name in sd else "module." + name], kind)
            chunks.append(values.tobytes())
            offset += values.size
        entries.append(e)
    with open(os.path.join(out_dir, f"case_{i}.expect"), "wb") as f:
        f.write(b"".join(chunks))
    with open(os.path.join(out_dir, f"case_{i}.json"), "w") as f:
        json.dump({"config": config, "tensors": entries}, f)


def main():
    out_dir, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(seed)
    for i in range(count):
        one_case(rng, out_dir, i)
    return 0


if __name__ == "__main__":
    sys.exit(main())

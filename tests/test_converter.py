#!/usr/bin/python3
"""test_converter.py — harness/pth2safetensors.py on checkpoints as the reference
training script saves them, without PyTorch: the checkpoints are written in torch's zip
format (data.pkl + data/<key> storages) by a pickler that stands in for torch (fake
`torch` modules that exist only in this process; the converter runs as a separate
process and never sees them). With PyTorch installed, a real torch.save checkpoint is
tested too. Run by `make test` (needs numpy: python3-numpy); exits non-zero on failure.

Checked: the safe path converts a training checkpoint (model, model_ema, optimizer
state, lr_scheduler, scaler, epoch, argparse.Namespace args) by default and says which
state dict it wrote; --state model_ema; dtypes kept (F16, BF16) or chosen (--dtype);
init_values per variant; a malicious pickle (os.system in a reduce) is refused without
running, zipped or not; the converted golden checkpoint runs in `stvit infer` and gives
the reference logits."""
import argparse
import collections
import importlib.util
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import types
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONVERTER = os.path.join(ROOT, "harness", "pth2safetensors.py")
GOLDEN_W = os.path.join(ROOT, "tests", "data", "pub_tiny96.weights.safetensors")
GOLDEN_IO = os.path.join(ROOT, "tests", "data", "pub_tiny96.io.safetensors")
STVIT = os.environ.get("STVIT_BIN") or os.path.join(ROOT, "build", "stvit")

sys.dont_write_bytecode = True  # no __pycache__ in harness/
spec = importlib.util.spec_from_file_location("pth2safetensors", CONVERTER)
conv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conv)

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


# ---- a stand-in for torch.save, in torch's zip format ----

def _rebuild_tensor_v2(*args):  # never called here: only its name is pickled
    raise AssertionError("the fake torch is for writing only")


fake_torch = types.ModuleType("torch")
fake_utils = types.ModuleType("torch._utils")
fake_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
_rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
fake_torch._utils = fake_utils
for kind in ("FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "DoubleStorage"):
    cls = type(kind, (), {"__module__": "torch"})
    setattr(fake_torch, kind, cls)
STORAGE_OF = {"float32": "FloatStorage", "float16": "HalfStorage", "bf16": "BFloat16Storage",
              "int64": "LongStorage", "float64": "DoubleStorage"}


class Storage:
    def __init__(self, raw, kind, numel):
        self.raw, self.kind, self.numel = raw, kind, numel


class Tensor:
    """Pickles as torch does: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)."""

    def __init__(self, array, transpose=False):
        if isinstance(array, conv.BF16):
            bits, kind = array.bits, "bf16"
        else:
            bits, kind = np.asarray(array), array.dtype.name
        self.shape = bits.shape
        if transpose and bits.ndim == 2:  # a non-contiguous view of a transposed storage
            self.storage = Storage(np.ascontiguousarray(bits.T).tobytes(), kind, bits.size)
            self.stride = (1, bits.shape[0])
        else:
            self.storage = Storage(np.ascontiguousarray(bits).tobytes(), kind, bits.size)
            self.stride = tuple(int(np.prod(bits.shape[i + 1:])) for i in range(bits.ndim))

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), self.stride, False,
                                     collections.OrderedDict()))


def torch_save(obj, path, folder="archive"):
    storages = []

    class Pickler(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, Storage):
                storages.append(o)
                return ("storage", getattr(fake_torch, STORAGE_OF[o.kind]), str(len(storages) - 1), "cpu", o.numel)
            return None

    sys.modules["torch"], sys.modules["torch._utils"] = fake_torch, fake_utils
    try:
        buf = io.BytesIO()
        Pickler(buf, protocol=2).dump(obj)
    finally:
        del sys.modules["torch"], sys.modules["torch._utils"]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{folder}/data.pkl", buf.getvalue())
        z.writestr(f"{folder}/byteorder", "little")
        for i, s in enumerate(storages):
            z.writestr(f"{folder}/data/{i}", s.raw)
        z.writestr(f"{folder}/version", "3\n")


def training_checkpoint(model, ema):
    """What the reference main.py saves: model, model_ema, optimizer, lr_scheduler, scaler, epoch, args."""
    names = list(model)
    optimizer = {"state": {i: {"step": Tensor(np.array(1200.0, dtype=np.float32)),
                               "exp_avg": Tensor(np.zeros_like(conv.as_f32(model[n]))),
                               "exp_avg_sq": Tensor(np.ones_like(conv.as_f32(model[n])))}
                           for i, n in enumerate(names[:3])},
                 "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.05,
                                   "amsgrad": False, "params": list(range(len(names)))}]}
    args = argparse.Namespace(model="stvit_small", batch_size=128, epochs=300, lr=1e-3, drop_path=0.1,
                              input_size=224, data_path="/data/imagenet", output_dir="out", smoothing=0.1,
                              mixup=0.8, model_ema=True, model_ema_decay=0.99996, dist_url="env://",
                              opt_betas=None, sched="cosine", decay_epochs=30, cutmix_minmax=None, seed=0,
                              tags={"a", "b"}, resume=b"")
    return {"model": collections.OrderedDict((k, Tensor(v)) for k, v in model.items()),
            "model_ema": collections.OrderedDict((k, Tensor(v)) for k, v in ema.items()),
            "optimizer": optimizer,
            "lr_scheduler": {"base_values": [1e-3], "t_in_epochs": True, "noise_range_t": None},
            "scaler": {"scale": 65536.0, "growth_factor": 2.0, "_growth_tracker": 17},
            "epoch": 299, "args": args}


def run(*argv):
    return subprocess.run([sys.executable, CONVERTER, *argv], capture_output=True, text=True)


def golden():
    tensors, meta = conv.read_safetensors(GOLDEN_W)
    return tensors, json.loads(meta["config"])


def test_training_checkpoint(tmp):
    gold, gold_config = golden()
    model = dict(gold)
    model["norm.num_batches_tracked"] = np.array(100, dtype=np.int64)
    ema = {k: (v * 0.5 if v.dtype == np.float32 else v) for k, v in model.items()}
    pth = os.path.join(tmp, "checkpoint.pth")
    torch_save(training_checkpoint(model, ema), pth)

    out = os.path.join(tmp, "model.safetensors")
    r = run(pth, out, "--heads", "1,2,4,8")
    check(r.returncode == 0, f"safe path refused a training checkpoint: {r.stderr}")
    check("converted 'model'" in r.stdout and "model_ema" in r.stdout and "optimizer" in r.stdout,
          f"does not say which state dict it converted: {r.stdout}")
    tensors, meta = conv.read_safetensors(out)
    check(set(tensors) == set(gold), "tensor names differ from the golden file")
    check(all(np.array_equal(tensors[k], gold[k]) for k in gold), "tensor values differ from the golden file")
    config = json.loads(meta["config"])
    check(config == gold_config, f"config {config} differs from the golden {gold_config}")

    r = run(pth, os.path.join(tmp, "ema.safetensors"), "--heads", "1,2,4,8", "--state", "model_ema")
    check(r.returncode == 0 and "converted 'model_ema'" in r.stdout and "holds model, optimizer" in r.stdout,
          f"--state model_ema: {r.stdout}{r.stderr}")
    tensors, _ = conv.read_safetensors(os.path.join(tmp, "ema.safetensors"))
    check(all(np.array_equal(tensors[k], ema[k]) for k in gold), "--state model_ema did not write model_ema")

    # the converted checkpoint runs in the C program and gives the reference logits
    if os.access(STVIT, os.X_OK):
        logits = os.path.join(tmp, "logits.safetensors")
        r = subprocess.run([STVIT, "infer", "--weights", out, "--input", GOLDEN_IO, "--output", logits,
                            "--backend", "naive"], capture_output=True, text=True)
        check(r.returncode == 0, f"stvit infer on the converted weights: {r.stderr}")
        if r.returncode == 0:
            got = conv.read_safetensors(logits)[0]["logits"]
            ref = conv.read_safetensors(GOLDEN_IO)[0]["logits"]
            err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
            check(err < 1e-4, f"logits of the converted weights off by relative L2 {err}")
    else:
        check(False, f"{STVIT} is not built")


def test_dtypes(tmp):
    gold, _ = golden()
    half = {k: v.astype(np.float16) for k, v in gold.items()}
    pth = os.path.join(tmp, "half.pth")
    torch_save({"model": {k: Tensor(v, transpose=True) for k, v in half.items()}}, pth)
    out = os.path.join(tmp, "half.safetensors")
    r = run(pth, out, "--heads", "1,2,4,8")
    check(r.returncode == 0 and "(F16)" in r.stdout, f"F16 not kept: {r.stdout}{r.stderr}")
    tensors, _ = conv.read_safetensors(out)
    check(all(tensors[k].dtype == np.float16 and np.array_equal(tensors[k], half[k]) for k in gold),
          "F16 tensors (some stored transposed) changed")
    for dtype, name in (("f32", "F32"), ("bf16", "BF16"), ("f16", "F16")):
        out = os.path.join(tmp, f"as_{dtype}.safetensors")
        r = run(pth, out, "--heads", "1,2,4,8", "--dtype", dtype)
        check(r.returncode == 0 and f"({name})" in r.stdout, f"--dtype {dtype}: {r.stdout}{r.stderr}")
        tensors, _ = conv.read_safetensors(out)
        for k in gold:
            want = half[k].astype(np.float32)  # f16 values are exact in f32 and, mostly, not in bf16
            if dtype == "bf16":
                m, e = np.frexp(want.astype(np.float64))
                want = np.ldexp(np.round(m * 256) / 256, e).astype(np.float32)  # 8 significant bits, ties to even
            if not np.array_equal(conv.as_f32(tensors[k]), want):
                check(False, f"--dtype {dtype}: tensor {k} has other values")
                break
    # a BF16 checkpoint keeps BF16
    bf = {k: conv.BF16.from_f32(v) for k, v in gold.items()}
    pth = os.path.join(tmp, "bf16.pth")
    torch_save({"state_dict": {k: Tensor(v) for k, v in bf.items()}}, pth)
    r = run(pth, os.path.join(tmp, "bf16.safetensors"), "--heads", "1,2,4,8")
    check(r.returncode == 0 and "converted 'state_dict'" in r.stdout and "(BF16)" in r.stdout,
          f"BF16 checkpoint: {r.stdout}{r.stderr}")
    tensors, _ = conv.read_safetensors(os.path.join(tmp, "bf16.safetensors"))
    check(all(np.array_equal(tensors[k].bits, bf[k].bits) for k in gold), "BF16 bits changed")
    # a bare state_dict; --state on it is an error
    torch_save(collections.OrderedDict((k, Tensor(v)) for k, v in gold.items()), pth)
    r = run(pth, os.path.join(tmp, "bare.safetensors"), "--heads", "1,2,4,8")
    check(r.returncode == 0 and "converted the state_dict" in r.stdout, f"bare state_dict: {r.stdout}{r.stderr}")
    r = run(pth, os.path.join(tmp, "bare.safetensors"), "--state", "model_ema")
    check(r.returncode == 1 and "has no 'model_ema'" in r.stderr, f"--state on a bare state_dict: {r.stderr}")


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickles(tmp):
    gold, _ = golden()
    marker = os.path.join(tmp, "ran")
    pth = os.path.join(tmp, "evil.pth")
    torch_save({"model": {k: Tensor(v) for k, v in gold.items()}, "args": Evil(marker)}, pth)
    r = run(pth, os.path.join(tmp, "evil.safetensors"), "--heads", "1,2,4,8")
    check(r.returncode == 1 and "refused to load" in r.stderr and "system" in r.stderr and "--trust-pickle" in r.stderr,
          f"malicious checkpoint not refused by name: {r.returncode} {r.stderr}")
    check(not os.path.exists(marker), "the malicious pickle ran")
    check(not os.path.exists(os.path.join(tmp, "evil.safetensors")), "output written for a refused checkpoint")
    # other globals that run code, and a plain (not zipped) pickle
    for name, obj in (("eval", (eval, ("1",))), ("exec", (exec, (f"open({marker!r}, 'w')",)))):
        class Bad:
            def __reduce__(self, obj=obj):
                return obj
        torch_save({"model": {"x": Tensor(np.zeros(1, dtype=np.float32))}, "z": Bad()}, pth)
        r = run(pth, os.path.join(tmp, "evil.safetensors"))
        check(r.returncode == 1 and name in r.stderr, f"{name} in a pickle not refused: {r.stderr}")
    raw = os.path.join(tmp, "evil.pkl")
    with open(raw, "wb") as f:
        pickle.dump(Evil(marker), f)
    r = run(raw, os.path.join(tmp, "evil.safetensors"))
    check(r.returncode == 1 and "--trust-pickle" in r.stderr and not os.path.exists(marker),
          f"a plain pickle: {r.stderr}")
    # a tensor reaching outside its storage
    t = Tensor(np.zeros(4, dtype=np.float32))
    t.shape = (8,)
    torch_save({"model": {"x": t}}, pth)
    r = run(pth, os.path.join(tmp, "evil.safetensors"))
    check(r.returncode == 1 and "outside its storage" in r.stderr, f"a tensor outside its storage: {r.stderr}")


def test_init_values():
    def shapes(embed, depths, layerscale):
        s = {}
        for i in range(4):
            for j in range(depths[i]):
                p = f"layers.{i}.blocks.{j}."
                s[p + "norm1.norm.weight"] = (embed[i],)
                s[p + "mlp2.fc1.weight"] = (4 * embed[i], embed[i], 1, 1)
                s[p + "attn.stoken_refine.qkv.weight"] = (3 * embed[i], embed[i], 1, 1)
                if layerscale[i]:
                    s[p + "gamma_1"] = (1, embed[i], 1, 1)
        s["proj.weight"] = (1024, embed[3], 1, 1)
        s["head.weight"] = (1000, 1024)
        return s
    for variant, want in (("S", 1e-5), ("B", 1e-6), ("L", 1e-6)):
        v = conv.VARIANTS[variant]
        ls = [False] * 4 if variant == "S" else [False, False, True, True]
        c = conv.infer_config(shapes(v["embed_dim"], v["depths"], ls))
        check(c["init_values"] == want and c["num_heads"] == v["num_heads"],
              f"variant {variant}: init_values {c['init_values']}, expected {want}")


def test_real_torch(tmp):
    try:
        import torch
    except ImportError:
        print("test_converter: PyTorch not installed: the real torch.save checkpoint is not tested")
        return
    gold, gold_config = golden()
    model = {k: torch.from_numpy(v.copy()) for k, v in gold.items()}
    opt = torch.optim.AdamW([torch.nn.Parameter(model["head.weight"].clone())], lr=1e-3)
    opt.zero_grad()
    opt.param_groups[0]["params"][0].sum().backward()
    opt.step()
    pth = os.path.join(tmp, "real.pth")
    torch.save({"model": model, "model_ema": model, "optimizer": opt.state_dict(), "epoch": 3,
                "args": argparse.Namespace(model="stvit_small", lr=1e-3)}, pth)
    out = os.path.join(tmp, "real.safetensors")
    r = run(pth, out, "--heads", "1,2,4,8")
    check(r.returncode == 0, f"real torch.save checkpoint: {r.stderr}")
    tensors, meta = conv.read_safetensors(out)
    check(all(np.array_equal(tensors[k], gold[k]) for k in gold), "real checkpoint: values differ")
    check(json.loads(meta["config"]) == gold_config, "real checkpoint: config differs")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_training_checkpoint(tmp)
        test_dtypes(tmp)
        test_malicious_pickles(tmp)
        test_init_values()
        test_real_torch(tmp)
    if failures:
        print(f"test_converter: {len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("test_converter: training checkpoint, --state, dtypes, malicious pickles, init_values: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

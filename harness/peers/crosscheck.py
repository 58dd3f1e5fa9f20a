#!/usr/bin/env python3
"""crosscheck.py — the C network against the independent PyTorch peer (stvit_torch.py).

For configurations the golden file does not cover (n_iter 2 and 3, other stoken
sizes incl. non-square ones, inputs that need padding, batch 3, ablation switches)
it makes random weights with non-trivial BatchNorm statistics, LayerNorm affines and
layer scales, writes weights + input safetensors, runs `stvit infer --backend naive
--intermediates` and the torch model (in float64, on the same float32 weights), and
prints the relative L2 error of the logits and of every named intermediate.

  crosscheck.py --stvit build/stvit                  # check all cases (exit 1 on a mismatch)
  crosscheck.py --stvit build/stvit --backends naive,default
                                                     # also the binary's default (fast) backend
  crosscheck.py --stvit build/stvit --store          # also (re)write the small stored cases

The stored cases in --stored (tests/data/xcheck: weights + io with input and logits) and
the golden file (torch peer only) are always re-checked when present.
"""
import argparse
import csv
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stvit_torch as st  # noqa: E402

BOUND = 1e-4  # the spec's safe bound for a float32 implementation

# The golden file's tiny configuration.
TINY = dict(embed_dim=[32, 64, 128, 256], depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8], projection=512,
            num_classes=10, layerscale=[False, False, True, True], mlp_ratio=4, qkv_bias=True, init_values=1e-6)

# A smaller one for the cases kept in the repository (about 55 KB of weights each).
SMALL = dict(embed_dim=[8, 8, 8, 8], depths=[1, 1, 2, 1], num_heads=[1, 2, 2, 4], projection=16,
             num_classes=10, layerscale=[False, False, True, True], mlp_ratio=4, qkv_bias=True, init_values=1e-6)

# name, base config, overrides, input shape (B, 3, H, W)
CASES = [
    ("niter2", TINY, dict(n_iter=[2, 2, 1, 1]), (2, 3, 96, 96)),
    ("niter3", TINY, dict(n_iter=[3, 3, 1, 1]), (2, 3, 96, 96)),
    ("stoken4211_96x128", TINY, dict(stoken_size=[4, 2, 1, 1]), (2, 3, 96, 128)),
    ("stoken2211_80x64", TINY, dict(stoken_size=[2, 2, 1, 1]), (1, 3, 80, 64)),
    ("stoken8421_96x160", TINY, dict(stoken_size=[8, 4, 2, 1]), (2, 3, 96, 160)),
    ("pad_72x88", TINY, dict(), (1, 3, 72, 88)),
    ("pad_200x200", TINY, dict(), (1, 3, 200, 200)),
    ("pad_100x100_st8", TINY, dict(stoken_size=[8, 8, 8, 1]), (1, 3, 100, 100)),
    ("batch3", TINY, dict(), (3, 3, 96, 96)),
    ("rect_stoken_niter2_b3", TINY, dict(stoken_size=[[8, 4], [2, 4], [2, 1], [1, 1]], n_iter=[2, 2, 2, 1]),
     (3, 3, 72, 104)),
    ("niter3_st8421_pad_b3", TINY, dict(stoken_size=[8, 4, 2, 1], n_iter=[3, 3, 3, 1]), (3, 3, 100, 76)),
    # ablation switches (the paper's ablation rows on the tiny network)
    ("abl_row1_patch_nocpe_plainffn_noproj", TINY,
     dict(stem="patch", pos="none", ffn="plain", projection=0), (2, 3, 96, 96)),
    ("abl_row8_dw_plain", TINY, dict(ffn="dw_plain"), (2, 3, 96, 96)),
    ("abl_attn_global", TINY, dict(attn="global"), (1, 3, 64, 64)),
    ("abl_refine_conv", TINY, dict(refine="conv"), (2, 3, 96, 96)),
    ("abl_refine_none", TINY, dict(refine="none"), (2, 3, 96, 96)),
]

# Cases written to tests/data/xcheck with --store: small network, small inputs.
STORED = [
    ("xcheck_niter2", SMALL, dict(n_iter=[2, 2, 1, 1], stoken_size=[4, 2, 1, 1]), (1, 3, 48, 48)),
    ("xcheck_niter3_pad", SMALL, dict(n_iter=[3, 3, 3, 1], stoken_size=[8, 4, 2, 1]), (1, 3, 36, 52)),
    ("xcheck_rect_b3", SMALL, dict(n_iter=[2, 1, 2, 1], stoken_size=[[4, 2], [2, 4], [2, 1], [1, 1]]),
     (3, 3, 32, 40)),
    # ablation row 1's switches: its head BN(C3) -> Swish without the projection
    ("xcheck_abl_row1", SMALL, dict(stem="patch", pos="none", ffn="plain", projection=0), (2, 3, 40, 56)),
]


def smooth_images(shape, gen, cell=12):
    """Spatially correlated random images (bicubic-upsampled noise plus a little pixel noise):
    like real images they give super tokens that differ, so the association is not uniform."""
    b, c, h, w = shape
    low = torch.randn(b, c, max(2, h // cell), max(2, w // cell), generator=gen)
    x = torch.nn.functional.interpolate(low, size=(h, w), mode="bicubic", align_corners=False)
    return x + 0.1 * torch.randn(shape, generator=gen)


def randomize(model, gen, calib):
    """Weights that behave like a trained network's at inference: LeCun-scaled convs, BatchNorm
    statistics measured on `calib` then perturbed (so BN is not an identity), random BN/LN affines,
    conv biases and layer scales."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = mod.weight[0].numel()
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=gen) / fan_in ** 0.5)
                if mod.bias is not None:
                    mod.bias.copy_(0.05 * torch.randn(mod.bias.shape, generator=gen))
            elif isinstance(mod, torch.nn.LayerNorm):
                c = mod.normalized_shape[0]
                mod.weight.copy_(1.0 + 2.0 * torch.rand(c, generator=gen))  # > 1: a sharper association
                mod.bias.copy_(0.1 * torch.randn(c, generator=gen))
        for name, p in model.named_parameters():
            if name.endswith(("gamma_1", "gamma_2")):
                p.copy_(0.1 + 0.9 * torch.rand(p.shape, generator=gen))
        for bn in bns:  # measure the statistics the data really has (cumulative average)
            bn.reset_running_stats()
            bn.momentum = None
        model.train()
        model(calib)
        model.eval()
        for bn in bns:
            c = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.2 * std * torch.randn(c, generator=gen))
            bn.running_var.mul_(0.6 + 0.8 * torch.rand(c, generator=gen))
            bn.weight.copy_(0.5 + torch.rand(c, generator=gen))
            bn.bias.copy_(0.2 * torch.randn(c, generator=gen))
            bn.momentum = 0.1


def make_case(name, base, overrides, shape, seed):
    cfg = dict(base)
    cfg.update(overrides)
    torch.manual_seed(seed)
    model = st.STViT(cfg)
    gen = torch.Generator().manual_seed(seed)
    randomize(model, gen, smooth_images((4,) + tuple(shape[1:]), gen))
    x = smooth_images(shape, gen)
    return cfg, model, x


def write_weights(path, cfg, model):
    st.save_safetensors(path, st.state_dict_arrays(model), {"config": json.dumps(cfg)})


def resolve_backends(stvit, names):
    """'default' becomes the name `stvit backends` marks with '*' (the binary's own choice)."""
    out = subprocess.run([stvit, "backends"], capture_output=True, text=True).stdout
    marked = [line.split()[0] for line in out.splitlines() if line.rstrip().endswith("*")]
    return [marked[0] if n == "default" and marked else n for n in names]


def run_c(stvit, backend, weights, inp, out):
    """`stvit infer --intermediates` on one backend."""
    cmd = [stvit, "infer", "--weights", weights, "--input", inp, "--output", out, "--intermediates",
           "--threads", "2"] + ([] if backend == "default" else ["--backend", backend])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return st.load_safetensors(out)[0]


def rel_l2(a, b):
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def torch_reference(weights_path, x32):
    """Logits + intermediates of the torch peer in float64 on the file's (float32) weights."""
    model = st.load_model(weights_path, torch.float64)
    with torch.no_grad():
        logits, inter = model.intermediates(torch.from_numpy(x32).double())
    inter = {k: v.numpy() for k, v in inter.items()}
    inter["logits"] = logits.numpy()
    return inter


def control_distance(weights_path, x32, logits):
    """How far the logits move when every stage runs one more association iteration: the size
    of error a wrong iteration count would give (0 when no stage has super tokens)."""
    model = st.load_model(weights_path, torch.float64)
    for layer in model.layers:
        for blk in layer.blocks:
            blk.attn.n_iter += 1
    with torch.no_grad():
        other = model(torch.from_numpy(x32).double()).numpy()
    return rel_l2(other, logits)


def compare(c_out, ref):
    """Relative L2 error of every tensor both sides have, and the problems (missing, shape)."""
    problems, errs = [], {}
    for key in sorted(set(ref) | set(c_out)):
        if key not in c_out:
            problems.append(f"C wrote no '{key}'")
        elif key not in ref:
            problems.append(f"torch has no '{key}'")
        elif c_out[key].size != ref[key].size:
            problems.append(f"'{key}' shape C {list(c_out[key].shape)} vs torch {list(ref[key].shape)}")
        else:
            errs[key] = rel_l2(c_out[key], ref[key])
    return errs, problems


def summary_row(case, backend, shape, errs, problems, **extra):
    worst = max(errs, key=errs.get) if errs else ""
    return dict(case=case, backend=backend, input="x".join(map(str, shape)),
                logits_rel_l2=errs.get("logits", float("nan")), worst_rel_l2=errs[worst] if worst else float("nan"),
                worst_tensor=worst, n_tensors=len(errs), problems="; ".join(problems),
                ok=not problems and "logits" in errs and all(e < BOUND for e in errs.values()), **extra)


def check_files(args, case, weights, x32, backends, stored_logits=None, **extra):
    """Runs the torch peer once and C on each backend; one summary row per backend.
    With stored_logits (a stored case) the logits are also checked against the stored ones."""
    inp = os.path.join(args.work, f"{case}.input.safetensors")
    st.save_safetensors(inp, {"input": x32})
    ref = torch_reference(weights, x32)
    if stored_logits is not None:
        extra["stored_rel_l2"] = rel_l2(ref["logits"], stored_logits)
    control = control_distance(weights, x32, ref["logits"])
    rows, per_tensor = [], {}
    for backend in backends:
        try:
            c_out = run_c(args.stvit, backend, weights, inp, os.path.join(args.work, f"{case}.c_{backend}.safetensors"))
            errs, problems = compare(c_out, ref)
            if stored_logits is not None:
                errs["logits (vs stored)"] = rel_l2(c_out["logits"], stored_logits)
                if extra["stored_rel_l2"] >= BOUND:
                    problems.append(f"torch peer vs stored logits {extra['stored_rel_l2']:.2e}")
        except Exception as e:  # report and go on with the other cases
            errs, problems = {}, [str(e)]
        rows.append(summary_row(case, backend, x32.shape, errs, problems, control=control, **extra))
        per_tensor[backend] = errs
    return rows, per_tensor, ref


def check_golden(golden_dir):
    """The torch peer against the spec's golden file (which the C network also matches)."""
    w = os.path.join(golden_dir, "pub_tiny96.weights.safetensors")
    io = os.path.join(golden_dir, "pub_tiny96.io.safetensors")
    if not (os.path.exists(w) and os.path.exists(io)):
        return []
    tensors, _ = st.load_safetensors(io)
    ref = torch_reference(w, tensors["input"])
    golden = {k: v for k, v in tensors.items() if k != "input"}  # a subset of the names
    errs, problems = compare({k: v for k, v in ref.items() if k in golden}, golden)
    problems = [p.replace("C wrote", "the torch peer wrote") for p in problems]
    return [summary_row("golden:pub_tiny96", "torch-peer", tensors["input"].shape, errs, problems)]


def print_row(row, verbose_errs=None):
    verdict = "ok" if row["ok"] else "MISMATCH " + row["problems"]
    print(f"{row['case']:38s} {row['backend']:10s} {row['input']:>12s} {row['logits_rel_l2']:9.2e} "
          f"{row['worst_rel_l2']:9.2e} {row.get('control', float('nan')):8.1e}  {row['worst_tensor']} "
          f"({row['n_tensors']})  {verdict}", flush=True)
    for k, e in (verbose_errs or {}).items():
        print(f"    {k:28s} {e:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stvit", default="build/stvit", help="the C binary")
    ap.add_argument("--backends", default="naive",
                    help="comma-separated C backends to check ('default' = the binary's choice); default naive")
    ap.add_argument("--work", default="build/peers/xcheck", help="scratch directory")
    ap.add_argument("--stored", default="tests/data/xcheck", help="directory of the stored cases")
    ap.add_argument("--golden", default="tests/data", help="directory of pub_tiny96.{weights,io}.safetensors")
    ap.add_argument("--store", action="store_true", help="(re)write the small stored cases into --stored")
    ap.add_argument("--csv", default="", help="also write the summary rows to this CSV")
    ap.add_argument("--only", default="", help="comma-separated case names (with --store, also which stored cases to write)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every intermediate's error")
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.work, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    backends = list(dict.fromkeys(resolve_backends(args.stvit, args.backends.split(","))))

    print(f"relative L2 error of C (stvit infer) vs the torch peer (float64); bound {BOUND:g}; "
          "control = how far the logits move with one more association iteration")
    print(f"{'case':38s} {'backend':10s} {'input':>12s} {'logits':>9s} {'worst':>9s} {'control':>8s}  "
          "worst tensor (of n)  verdict")
    rows = []
    for seed, (name, base, overrides, shape) in enumerate(CASES):
        if only and name not in only:
            continue
        cfg, model, x = make_case(name, base, overrides, shape, 1000 + 10 * seed)
        weights = os.path.join(args.work, f"{name}.weights.safetensors")
        write_weights(weights, cfg, model)
        norm = st.normalize_config(cfg)
        case_rows, per_tensor, _ = check_files(
            args, name, weights, x.numpy(), backends,
            stoken=json.dumps(norm["stoken_size"]).replace(" ", ""), n_iter=",".join(map(str, norm["n_iter"])))
        for row in case_rows:
            print_row(row, per_tensor[row["backend"]] if args.verbose else None)
        rows += case_rows

    if args.store:
        os.makedirs(args.stored, exist_ok=True)
        for seed, (name, base, overrides, shape) in enumerate(STORED):
            if only and name not in only:
                continue
            cfg, model, x = make_case(name, base, overrides, shape, 5000 + 10 * seed)
            weights = os.path.join(args.work, f"{name}.weights.safetensors")
            write_weights(weights, cfg, model)
            case_rows, _, ref = check_files(args, name, weights, x.numpy(), backends)
            if not all(r["ok"] for r in case_rows):
                print(f"not storing {name}: C disagrees: {case_rows}")
                continue
            os.replace(weights, os.path.join(args.stored, f"{name}.weights.safetensors"))
            st.save_safetensors(os.path.join(args.stored, f"{name}.io.safetensors"),
                                {"input": x.numpy(), "logits": ref["logits"]},
                                {"note": "logits from the independent PyTorch peer (harness/peers/stvit_torch.py) "
                                         "in float64; config in the weights file",
                                 "case": json.dumps(dict(overrides))})
            print(f"stored {name} (input {'x'.join(map(str, x.shape))})")

    extra_rows = check_golden(args.golden)
    for name, *_ in STORED:
        w = os.path.join(args.stored, f"{name}.weights.safetensors")
        io = os.path.join(args.stored, f"{name}.io.safetensors")
        if os.path.exists(w) and os.path.exists(io):
            tensors, _ = st.load_safetensors(io)
            extra_rows += check_files(args, f"stored:{name}", w, tensors["input"], backends,
                                      stored_logits=tensors["logits"])[0]
    for row in extra_rows:
        print_row(row)
    rows += extra_rows

    if args.csv:
        keys = ["case", "backend", "input", "stoken", "n_iter", "logits_rel_l2", "worst_rel_l2", "worst_tensor",
                "n_tensors", "control", "ok", "problems"]
        with open(args.csv, "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            wr.writeheader()
            for r in rows:
                wr.writerow({k: (f"{r[k]:.3e}" if isinstance(r.get(k), float) else r.get(k, "")) for k in keys})
    bad = [f"{r['case']} ({r['backend']})" for r in rows if not r["ok"]]
    print(f"crosscheck: {len(rows) - len(bad)} passed, {len(bad)} failed" + (f": {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

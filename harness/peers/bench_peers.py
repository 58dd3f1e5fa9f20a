#!/usr/bin/env python3
"""bench_peers.py — times established runtimes on the same STViT as the C harness.

Same variant (S), resolution (224), batches (1, 8) and threads (2) as `stvit bench`:
  torch-eager     the PyTorch peer (harness/peers/stvit_torch.py), inference mode
  torch-script    torch.jit.freeze of torch.jit.trace (script is tried first)
  torch-compile   torch.compile (inductor), where it works
  onnxruntime     the network exported to ONNX (opset 17), CPU execution provider
  openvino        the same ONNX file, OpenVINO CPU plugin, f32 inference precision
  stvit-<name>    the C harness itself (`stvit bench`), for reference, when available
Each: warm-up runs, then timed runs (at least --min-runs and --min-time); the median.

All peers run one set of seeded random weights (BatchNorm statistics calibrated, so the
activations are like a trained network's), written as project safetensors; `stvit infer`
runs the same weights and input, and every peer's logits are compared with it
(max_rel_err_vs_c: the largest per-image relative L2 error of the logits).

Rows go to results/peers.csv and results/peers.jsonl:
  date, variant, res, backend, batch, threads, img_per_s, ms_median, ms_min, runs, gflops
  (= 2 * FLOPs * img/s / 1e9 with FLOPs from `stvit flops --json`, multiply-adds),
  peak_gflops (OpenBLAS sgemm at that thread count, `stvit peak`), peak_fraction,
  max_rel_err_vs_c, c_backend, load_1min (the 1-minute load average after the point: above
  `threads` means other work shared the cores and the figure is low), cpu, versions, note
  (why a peer could not run).
"""
import argparse
import csv
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
import warnings


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stvit", default="build/stvit")
    ap.add_argument("--variant", default="S")
    ap.add_argument("--res", type=int, default=224)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backends", default="torch-eager,torch-script,torch-compile,onnxruntime,openvino,stvit",
                    help="comma-separated subset")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-runs", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=5.0, help="timed seconds at least, per point")
    ap.add_argument("--max-runs", type=int, default=50)
    ap.add_argument("--work", default="build/peers/bench", help="scratch directory (weights, ONNX files)")
    ap.add_argument("--out", default="results/peers.csv", help="CSV; the .jsonl goes beside it")
    ap.add_argument("--seed", type=int, default=7)
    return ap.parse_args()


ARGS = parse_args()
# Thread counts must be fixed before torch (and its OpenMP pool) starts.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

# jit.script/trace/freeze and the TorchScript ONNX exporter are deprecated: say it once, not per call.
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck as xc  # noqa: E402
import stvit_torch as st  # noqa: E402

# The spec's variant table (shared with the C configs by definition, not by code).
VARIANTS = {
    "S": dict(embed_dim=[64, 128, 320, 512], depths=[3, 5, 9, 3], num_heads=[1, 2, 5, 8],
              layerscale=[False, False, False, False]),
    "B": dict(embed_dim=[96, 192, 384, 512], depths=[4, 6, 14, 6], num_heads=[2, 3, 6, 8],
              layerscale=[False, False, True, True]),
    "L": dict(embed_dim=[96, 192, 448, 640], depths=[4, 7, 19, 8], num_heads=[2, 3, 7, 10],
              layerscale=[False, False, True, True]),
}
COMMON = dict(stoken_size=[8, 4, 1, 1], n_iter=[1, 1, 1, 1], projection=1024, mlp_ratio=4, qkv_bias=True,
              init_values=1e-6, num_classes=1000)

COLUMNS = ["date", "variant", "res", "backend", "batch", "threads", "img_per_s", "ms_median", "ms_min", "runs",
           "gflops", "peak_gflops", "peak_fraction", "max_rel_err_vs_c", "c_backend", "load_1min", "cpu", "versions", "note"]


def log(msg):
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions():
    out = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__}
    for mod in ("onnx", "onnxruntime", "openvino"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:
            out[mod] = "missing"
    return out


def run_json(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()[-300:]}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip().startswith("{")]


def time_runs(fn):
    """Median and minimum seconds of fn() after warm-up; at least min-runs and min-time."""
    for _ in range(ARGS.warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < ARGS.min_runs or (time.perf_counter() - start < ARGS.min_time and len(times) < ARGS.max_runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), len(times)


def max_rel_err(logits, ref):
    a = np.asarray(logits, np.float64).reshape(ref.shape[0], -1)
    b = np.asarray(ref, np.float64).reshape(ref.shape[0], -1)
    return float(max(np.linalg.norm(a[i] - b[i]) / np.linalg.norm(b[i]) for i in range(len(b))))


# ---- peers: each returns a callable running one batch and the logits it gave ----------

def peer_torch_eager(model, x):
    with torch.inference_mode():
        out = model(x)
    return (lambda: model(x)), out.numpy(), ""


def peer_torch_script(model, x):
    with torch.inference_mode():
        try:  # the peer's Python hooks make scripting fail; tracing records the plain forward
            scripted, how = torch.jit.script(model), "jit.script"
        except Exception:
            scripted, how = torch.jit.trace(model, x, check_trace=False), "jit.trace"
        frozen = torch.jit.freeze(scripted.eval())
        out = frozen(x)
    return (lambda: frozen(x)), out.numpy(), f"{how} + jit.freeze"


def peer_torch_compile(model, x):
    compiled = torch.compile(model)
    with torch.inference_mode():
        t0 = time.perf_counter()
        out = compiled(x)
        seconds = time.perf_counter() - t0
    return (lambda: compiled(x)), out.numpy(), f"inductor; first call (compile) {seconds:.0f} s"


def export_onnx(model, x, path):
    if os.path.exists(path):
        return path
    kwargs = dict(input_names=["input"], output_names=["logits"], opset_version=17)
    try:
        torch.onnx.export(model, (x,), path, dynamo=False, **kwargs)
    except Exception as e:  # newer torch: only the dynamo exporter
        log(f"TorchScript ONNX exporter failed ({type(e).__name__}: {e}); trying dynamo=True")
        torch.onnx.export(model, (x,), path, dynamo=True, external_data=False, **kwargs)
    return path


def peer_onnxruntime(onnx_path, x):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = ARGS.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    feed = {"input": x.numpy()}
    out = sess.run(None, feed)[0]
    return (lambda: sess.run(None, feed)), out, "CPUExecutionProvider, ORT_ENABLE_ALL"


def peer_openvino(onnx_path, x):
    import openvino as ov
    core = ov.Core()
    # f32: on CPUs with AMX/AVX512-BF16 OpenVINO would otherwise run bf16.
    compiled = core.compile_model(core.read_model(onnx_path), "CPU", {
        "INFERENCE_NUM_THREADS": ARGS.threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32"})
    req = compiled.create_infer_request()
    xin = x.numpy()
    out = req.infer({0: xin})[compiled.output(0)].copy()
    precision = compiled.get_property("INFERENCE_PRECISION_HINT")
    precision = getattr(precision, "get_type_name", lambda: str(precision))()
    return (lambda: req.infer({0: xin})), out, f"CPU plugin, inference precision {precision}"


def c_reference(weights, x, work):
    """Logits of `stvit infer` (default backend) on the same weights and input."""
    inp, out = os.path.join(work, "bench_input.safetensors"), os.path.join(work, "bench_c_logits.safetensors")
    st.save_safetensors(inp, {"input": x.numpy()})
    r = subprocess.run([ARGS.stvit, "infer", "--weights", weights, "--input", inp, "--output", out,
                        "--threads", str(ARGS.threads)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"stvit infer failed: {r.stderr.strip()[-300:]}")
    default = [name for name, supported, is_default in c_backends() if is_default]
    return st.load_safetensors(out)[0]["logits"], (default[0] if default else "")


def c_backends():
    """(name, supported, is_default) for each row of `stvit backends`."""
    r = subprocess.run([ARGS.stvit, "backends"], capture_output=True, text=True)
    rows = []
    for line in r.stdout.splitlines()[1:]:
        words = line.split()
        if len(words) >= 3:
            rows.append((words[0], words[2] == "yes", line.rstrip().endswith("*")))
    return rows


def c_bench_rows(batches):
    """The C harness's own rows at the same point (stvit bench), relabelled stvit-<backend>;
    the naive reference backend is left out (it is a correctness reference, minutes per batch)."""
    fast = [name for name, supported, _ in c_backends() if supported and name != "naive"]
    if not fast:
        log("stvit has no backend but naive: no stvit-* reference rows")
        return []
    out = os.path.join(ARGS.work, "c_bench.csv")
    cmd = [ARGS.stvit, "bench", "--variant", ARGS.variant, "--res", str(ARGS.res), "--backend", ",".join(fast),
           "--no-check", "--batch",
           ",".join(map(str, batches)), "--threads", str(ARGS.threads), "--min-time", str(ARGS.min_time),
           "--min-runs", str(ARGS.min_runs), "--out", out, "--json", "--quiet"]
    return run_json(cmd)


def main():
    batches = [int(b) for b in ARGS.batches.split(",")]
    wanted = ARGS.backends.split(",")
    os.makedirs(ARGS.work, exist_ok=True)
    torch.set_num_threads(ARGS.threads)
    torch.set_num_interop_threads(1)
    vers = versions()
    common = dict(date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"), variant=ARGS.variant,
                  res=ARGS.res, threads=ARGS.threads, cpu=cpu_name(),
                  versions=";".join(f"{k}={v}" for k, v in vers.items()))
    log(f"versions: {common['versions']}")

    flops = run_json([ARGS.stvit, "flops", "--variant", ARGS.variant, "--res", str(ARGS.res), "--json"])[0]["flops"]
    try:
        peak = run_json([ARGS.stvit, "peak", "--threads", str(ARGS.threads), "--json"])[0]["gflops"]
    except Exception as e:
        log(f"no sgemm peak ({e}); peak_fraction left empty")
        peak = None

    cfg = dict(COMMON, **VARIANTS[ARGS.variant])
    log(f"STViT-{ARGS.variant}: building seeded weights (BN calibrated on random images)")
    _, model, _ = xc.make_case(ARGS.variant, cfg, {}, (max(batches), 3, ARGS.res, ARGS.res), ARGS.seed)
    model.eval()
    weights = os.path.join(ARGS.work, f"peers_{ARGS.variant}.weights.safetensors")
    xc.write_weights(weights, cfg, model)
    model = st.load_model(weights)  # exactly the float32 weights the C harness reads
    x_all = xc.smooth_images((max(batches), 3, ARGS.res, ARGS.res), torch.Generator().manual_seed(ARGS.seed + 1))
    c_logits, c_backend = c_reference(weights, x_all, ARGS.work)
    log(f"stvit infer ({c_backend or 'default'} backend) logits ready")

    rows = []

    def add_row(backend, batch, median=None, best=None, runs=None, err=None, note=""):
        row = dict(common, backend=backend, batch=batch, c_backend=c_backend, note=note,
                   load_1min=round(os.getloadavg()[0], 2))
        if median:
            ips = batch / median
            gf = 2 * flops * ips / 1e9
            row.update(img_per_s=round(ips, 3), ms_median=round(median * 1e3, 3), ms_min=round(best * 1e3, 3),
                       runs=runs, gflops=round(gf, 2), peak_gflops=peak,
                       peak_fraction=round(gf / peak, 4) if peak else None)
        if err is not None:
            row["max_rel_err_vs_c"] = float(f"{err:.3e}")
        rows.append(row)
        log(f"{backend:14s} batch {batch}: " + (f"{row['img_per_s']:.2f} img/s, {row['ms_median']:.1f} ms, "
                                               f"{row['gflops']:.1f} GFLOP/s" if median else f"FAILED: {note}")
            + (f", rel err vs C {err:.1e}" if err is not None else "")
            + (f" (load {row['load_1min']}: cores were shared)" if row["load_1min"] > ARGS.threads + 0.5 else ""))

    for batch in batches:
        x = x_all[:batch].contiguous()
        ref = c_logits[:batch]
        onnx_path = None
        for backend in ("torch-eager", "torch-script", "torch-compile", "onnxruntime", "openvino"):
            if backend not in wanted:
                continue
            try:
                if backend == "torch-eager":
                    fn, out, note = peer_torch_eager(model, x)
                elif backend == "torch-script":
                    fn, out, note = peer_torch_script(model, x)
                elif backend == "torch-compile":
                    fn, out, note = peer_torch_compile(model, x)
                else:
                    if onnx_path is None:
                        onnx_path = export_onnx(model, x, os.path.join(ARGS.work, f"stvit_{ARGS.variant}_"
                                                                       f"{ARGS.res}_b{batch}.onnx"))
                    fn, out, note = (peer_onnxruntime if backend == "onnxruntime" else peer_openvino)(onnx_path, x)
                err = max_rel_err(out, ref)
                if backend.startswith("torch"):
                    with torch.inference_mode():
                        median, best, runs = time_runs(fn)
                else:
                    median, best, runs = time_runs(fn)
                add_row(backend, batch, median, best, runs, err, note)
            except Exception as e:
                traceback.print_exc(limit=2)
                msg = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
                add_row(backend, batch, note=msg)

    if "stvit" in wanted:
        try:
            for r in c_bench_rows(batches):
                median = r.get("ms_median")
                ok = r.get("status", "ok") == "ok" and median
                add_row(f"stvit-{r.get('backend', '?')}", int(r.get("batch", 0)), median / 1e3 if ok else None,
                        (r.get("ms_min") or median) / 1e3 if ok else None, r.get("runs"), None,
                        note="the C harness (stvit bench), for reference" if ok else f"stvit bench: {r.get('error')}")
        except Exception as e:
            log(f"stvit bench not run: {e}")

    os.makedirs(os.path.dirname(ARGS.out) or ".", exist_ok=True)
    with open(ARGS.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k, "")) for k in COLUMNS})
    jsonl = os.path.splitext(ARGS.out)[0] + ".jsonl"
    with open(jsonl, "w") as f:
        for r in rows:
            f.write(json.dumps({k: r.get(k) if r.get(k) != "" else None for k in COLUMNS}) + "\n")
    log(f"wrote {len(rows)} rows to {ARGS.out} and {jsonl}")
    ok_peers = [r for r in rows if r.get("img_per_s") and not r["backend"].startswith("stvit")]
    bad = [r for r in ok_peers if r.get("max_rel_err_vs_c") is not None and r["max_rel_err_vs_c"] > 1e-3]
    for r in bad:
        log(f"WARNING: {r['backend']} batch {r['batch']} logits differ from stvit infer: {r['max_rel_err_vs_c']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

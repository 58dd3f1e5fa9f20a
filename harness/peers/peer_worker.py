#!/usr/bin/env python3
"""peer_worker.py — one process of `make peers` (started by bench_peers.py, not by hand).

  peer_worker.py prepare --work DIR ...      seeded weights (BatchNorm calibrated, so the
      activations are like a trained network's), written as project safetensors; the input
      images; an ONNX file per batch (opset 17); `stvit infer`'s logits on them (the default
      backend): the reference every peer's logits are compared with.
  peer_worker.py run --runtime R --batch B --busy off,on ...
      times one runtime at one batch in this process and prints one JSON row per busy mode
      (quiet first, then with one CPU spinning: busy.py), then exits, so no runtime shares a
      process, a thread pool or a memory allocator with another.

Runtimes: torch-eager (inference mode), torch-script (jit.trace + jit.freeze; script first),
torch-compile (inductor), onnxruntime (CPU execution provider, ORT_ENABLE_ALL), openvino (CPU
plugin, INFERENCE_PRECISION_HINT f32), openvino-bf16 (the CPU plugin's default precision:
bf16 on CPUs with AMX or AVX512-BF16; the row records the precision the plugin reports).
Timing as `stvit bench`: --warmup passes, then timed passes until both --min-runs and
--min-time are reached (at most --max-runs); batch_ms_median/min/p90 of the timed passes.
"""
import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import busy as busy_mod  # noqa: E402
import peer_rows  # noqa: E402

RUNTIMES = ("torch-eager", "torch-script", "torch-compile", "onnxruntime", "openvino", "openvino-bf16")

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


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("prepare", "run"))
    ap.add_argument("--work", required=True, help="scratch folder shared with bench_peers.py")
    ap.add_argument("--stvit", default="build/stvit")
    ap.add_argument("--variant", default="S")
    ap.add_argument("--res", type=int, default=224)
    ap.add_argument("--batches", default="1,8", help="prepare: the batches to make ONNX files for")
    ap.add_argument("--batch", type=int, default=1, help="run: the batch")
    ap.add_argument("--runtime", choices=RUNTIMES, help="run: the runtime")
    ap.add_argument("--busy", default="off", help="run: off, on or off,on (quiet, then busy)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-runs", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=5.0)
    ap.add_argument("--max-runs", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=7)
    return ap.parse_args(argv)


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

import crosscheck as xc  # noqa: E402
import stvit_torch as st  # noqa: E402


def log(msg):
    print(f"[peer] {msg}", file=sys.stderr, flush=True)


def path(name):
    return os.path.join(ARGS.work, name)


def weights_path():
    return path(f"peers_{ARGS.variant}_{ARGS.res}.weights.safetensors")


def onnx_path(batch):
    return path(f"stvit_{ARGS.variant}_{ARGS.res}_b{batch}.onnx")


def export_onnx(model, x, out):
    kwargs = dict(input_names=["input"], output_names=["logits"], opset_version=17)
    try:
        torch.onnx.export(model, (x,), out, dynamo=False, **kwargs)
    except Exception as e:  # newer torch: only the dynamo exporter
        log(f"TorchScript ONNX exporter failed ({type(e).__name__}: {e}); trying dynamo=True")
        torch.onnx.export(model, (x,), out, dynamo=True, external_data=False, **kwargs)


def prepare():
    batches = [int(b) for b in ARGS.batches.split(",")]
    os.makedirs(ARGS.work, exist_ok=True)
    torch.set_num_threads(ARGS.threads)
    cfg = dict(COMMON, **VARIANTS[ARGS.variant])
    shape = (max(batches), 3, ARGS.res, ARGS.res)
    log(f"STViT-{ARGS.variant} {ARGS.res}: seeded weights (BN calibrated on random images)")
    _, model, _ = xc.make_case(ARGS.variant, cfg, {}, shape, ARGS.seed)
    model.eval()
    xc.write_weights(weights_path(), cfg, model)
    model = st.load_model(weights_path())  # exactly the float32 weights the C harness reads
    x_all = xc.smooth_images(shape, torch.Generator().manual_seed(ARGS.seed + 1))
    st.save_safetensors(path("input.safetensors"), {"input": x_all.numpy()})
    for b in batches:
        if os.path.exists(onnx_path(b)):
            os.remove(onnx_path(b))  # the weights are new: so is the file
        export_onnx(model, x_all[:b].contiguous(), onnx_path(b))
    r = subprocess.run([ARGS.stvit, "infer", "--weights", weights_path(), "--input", path("input.safetensors"),
                        "--output", path("stvit_logits.safetensors"), "--threads", str(ARGS.threads)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"stvit infer failed: {r.stderr.strip()[-300:]}")
    log("weights, input, ONNX files and stvit infer logits ready")


# ---- runtimes: each returns (run one batch, its logits, precision, note) --------------

def rt_torch_eager(model, x):
    with torch.inference_mode():
        out = model(x)
    return (lambda: model(x)), out.numpy(), "f32", "inference_mode"


def rt_torch_script(model, x):
    with torch.inference_mode():
        try:  # the peer's Python hooks make scripting fail; tracing records the plain forward
            scripted, how = torch.jit.script(model), "jit.script"
        except Exception:
            scripted, how = torch.jit.trace(model, x, check_trace=False), "jit.trace"
        frozen = torch.jit.freeze(scripted.eval())
        out = frozen(x)
    return (lambda: frozen(x)), out.numpy(), "f32", f"{how} + jit.freeze"


def rt_torch_compile(model, x):
    compiled = torch.compile(model)
    with torch.inference_mode():
        t0 = time.perf_counter()
        out = compiled(x)
        seconds = time.perf_counter() - t0
    return (lambda: compiled(x)), out.numpy(), "f32", f"inductor; first call (compile) {seconds:.0f} s"


def rt_onnxruntime(x):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = ARGS.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(onnx_path(x.shape[0]), so, providers=["CPUExecutionProvider"])
    feed = {"input": x.numpy()}
    out = sess.run(None, feed)[0]
    return (lambda: sess.run(None, feed)), out, "f32", "CPUExecutionProvider, ORT_ENABLE_ALL"


def rt_openvino(x, precision_hint):
    import openvino as ov
    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": ARGS.threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"}
    if precision_hint:
        config["INFERENCE_PRECISION_HINT"] = precision_hint
    compiled = core.compile_model(core.read_model(onnx_path(x.shape[0])), "CPU", config)
    req = compiled.create_infer_request()
    xin = x.numpy()
    out = req.infer({0: xin})[compiled.output(0)].copy()
    used = compiled.get_property("INFERENCE_PRECISION_HINT")
    used = str(getattr(used, "get_type_name", lambda: used)()).lower()
    used = {"f32": "f32", "float32": "f32", "bf16": "bf16", "bfloat16": "bf16", "f16": "f16"}.get(used, used)
    asked = f"INFERENCE_PRECISION_HINT {precision_hint}" if precision_hint else "default precision"
    return (lambda: req.infer({0: xin})), out, used, f"CPU plugin, {asked}; the plugin used {used}"


def time_runs(fn):
    """Milliseconds per pass of fn() after warm-up: at least min-runs and min-time."""
    for _ in range(ARGS.warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < ARGS.min_runs or (time.perf_counter() - start < ARGS.min_time and len(times) < ARGS.max_runs):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return times


def max_rel_l2(logits, ref):
    a = np.asarray(logits, np.float64).reshape(ref.shape[0], -1)
    b = np.asarray(ref, np.float64).reshape(ref.shape[0], -1)
    return float(max(np.linalg.norm(a[i] - b[i]) / np.linalg.norm(b[i]) for i in range(len(b))))


def versions():
    out = {"python": sys.version.split()[0], "numpy": np.__version__, "torch": torch.__version__}
    mod = {"onnxruntime": "onnxruntime", "openvino": "openvino", "openvino-bf16": "openvino"}.get(ARGS.runtime)
    if mod:
        out[mod] = __import__(mod).__version__
    return ";".join(f"{k}={v}" for k, v in out.items())


def base_row():
    return dict(variant=ARGS.variant, attn="sta", res=f"{ARGS.res}x{ARGS.res}", h=ARGS.res, w=ARGS.res,
                backend=ARGS.runtime, batch=ARGS.batch, threads=ARGS.threads, warmup=ARGS.warmup,
                min_time_s=ARGS.min_time, seed=ARGS.seed, rounds=1)


def run():
    # Ctrl-C ends the timing through `finally` (the spinner stops), even when started with
    # SIGINT ignored (in the background); any other death takes the spinner along (busy.py).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    torch.set_num_threads(ARGS.threads)
    torch.set_num_interop_threads(1)
    modes = [m.strip() for m in ARGS.busy.split(",")]
    x = torch.from_numpy(st.load_safetensors(path("input.safetensors"))[0]["input"][:ARGS.batch].copy())
    ref = st.load_safetensors(path("stvit_logits.safetensors"))[0]["logits"][:ARGS.batch]
    rows = []
    try:
        if ARGS.runtime.startswith("torch"):
            model = st.load_model(weights_path())
            fn, out, precision, note = {"torch-eager": rt_torch_eager, "torch-script": rt_torch_script,
                                        "torch-compile": rt_torch_compile}[ARGS.runtime](model, x)
        elif ARGS.runtime == "onnxruntime":
            fn, out, precision, note = rt_onnxruntime(x)
        else:
            fn, out, precision, note = rt_openvino(x, "f32" if ARGS.runtime == "openvino" else None)
        err = max_rel_l2(out, ref)
        vers = versions()
        quiet_ips = None
        for mode in modes:
            spinner = busy_mod.Spinner()
            if mode == "on":
                spinner.start()
                log(f"busy core: spinner pid {spinner.pid} on CPU {spinner.cpu}")
            try:
                with torch.inference_mode():
                    times = time_runs(fn)
                load = peer_rows.loadavg()   # when the point was measured, before the spinner goes
            finally:
                if spinner.pid:
                    log(f"busy core: stopped the spinner ({spinner.pid})")
                spinner.stop()
            med = statistics.median(times)
            ips = ARGS.batch / (med / 1e3)
            row = dict(base_row(), precision=precision, busy_core=peer_rows.boolean(mode == "on"), status="ok",
                       error="", runs=len(times), batch_ms_median=med, batch_ms_min=min(times),
                       batch_ms_p90=peer_rows.percentile(times, 90), img_per_s=ips, rel_l2_vs_stvit=err,
                       versions=vers, note=note,
                       peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
            row.update(peer_rows.env_columns(sys.argv if sys.argv[0] else ["peer_worker.py"]))
            row["env_loadavg"] = load
            if mode == "off":
                quiet_ips = ips
            elif quiet_ips:
                row["busy_ratio"] = ips / quiet_ips
            rows.append(row)
            log(f"{ARGS.runtime} batch {ARGS.batch}{' busy core' if mode == 'on' else ''}: {ips:.2f} img/s, "
                f"{med:.1f} ms, rel L2 vs stvit {err:.1e}, load {load}")
    except Exception as e:
        traceback.print_exc(limit=3)
        msg = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
        done = {r["busy_core"] for r in rows}
        for mode in modes:
            if peer_rows.boolean(mode == "on") not in done:
                rows.append(dict(base_row(), busy_core=peer_rows.boolean(mode == "on"), status="failed",
                                 error=msg, **peer_rows.env_columns(sys.argv)))
    for r in rows:
        print(json.dumps({k: v for k, v in r.items() if v is not None}), flush=True)
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    if ARGS.what == "prepare":
        prepare()
        sys.exit(0)
    if not ARGS.runtime:
        sys.exit("peer_worker.py run: --runtime is required")
    sys.exit(run())

#!/usr/bin/env python3
"""bench_peers.py — times established runtimes beside `stvit bench` on the same STViT.

Same variant (S), resolution (224), batches (1, 8) and threads (2) for every runtime:
  torch-eager, torch-script, torch-compile    PyTorch (harness/peers/stvit_torch.py)
  onnxruntime                                  ONNX Runtime, f32
  openvino                                     OpenVINO CPU plugin, INFERENCE_PRECISION_HINT f32
  openvino-bf16                                OpenVINO at its default precision (bf16 on CPUs
                                               with AMX/AVX512-BF16: `precision` says what it used)
  stvit                                        `stvit bench`, one row per --stvit-backends name
Every measurement runs in a process of its own (peer_worker.py run, or stvit bench), and the
runtimes take turns: --rounds rounds, each over every batch and every runtime (the starting
runtime moves by one each round), so slow drifts of the machine hit all of them alike.
peers.csv holds per runtime x batch x busy_core the MEDIAN over the rounds (img_per_s_rounds
lists each round's figure); peers-rounds.csv beside it every round's own row.

--busy-core [on|both]: one CPU (the last of the affinity mask) is kept busy by a spinning
process while a point is timed: `stvit bench --busy-core` for stvit, busy.py for the peers,
the same load. both: each point quiet, then busy, in the same process, interleaved; the busy
row carries busy_ratio (busy img/s / quiet img/s, the median of the rounds' ratios).

Columns are bench's (see peer_rows.py): identity, timing, work, env (with env_loadavg, the
1-minute load average when the point was measured: above --threads means other work shared
the cores; a busy-core row counts its own spinner, so expect about one more there).
Each peer's logits are compared with `stvit infer` on the same weights and input
(rel_l2_vs_stvit). This process uses only the standard library; the workers import the runtimes.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peer_rows as pr  # noqa: E402

PEERS = ("torch-eager", "torch-script", "torch-compile", "onnxruntime", "openvino", "openvino-bf16")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stvit", default="build/stvit", help="the C binary (default build/stvit)")
    ap.add_argument("--variant", default="S")
    ap.add_argument("--res", type=int, default=224)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backends", default=",".join(PEERS + ("stvit",)),
                    help="runtimes, comma-separated (default: all; 'stvit' = every --stvit-backends name)")
    ap.add_argument("--stvit-backends", default="",
                    help="stvit backends, any name of `stvit backends` (default: every supported one but naive)")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    ap.add_argument("--busy-core", nargs="?", const="on", default="off", choices=("off", "on", "both"),
                    help="spin one CPU while timing: on, or both (quiet then busy, with busy_ratio)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-runs", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=5.0, help="timed seconds at least, per point (default 5)")
    ap.add_argument("--max-runs", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default="build/peers/bench", help="scratch folder (weights, ONNX files, logs)")
    ap.add_argument("--out", default="results/peers.csv",
                    help="medians CSV; .jsonl and -rounds.csv beside it (default results/peers.csv)")
    ap.add_argument("--worker-timeout", type=float, default=1800, help="seconds per process before it is killed")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the workers (the venv's)")
    a = ap.parse_args(argv)
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    return a


ARGS = parse_args()
REF_BACKEND = ""   # set in main()


def log(msg):
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def stvit_json(*args):
    r = subprocess.run([ARGS.stvit, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"stvit {' '.join(args)}: {r.stderr.strip()[-300:]}")
    return json_lines(r.stdout)[0]


def backend_table():
    """The rows of `stvit backends --json`: backend, isa, precision, supported, default."""
    r = subprocess.run([ARGS.stvit, "backends", "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"stvit backends --json: {r.stderr.strip()[-300:]}")
    return json_lines(r.stdout)


def stvit_default_backend():
    """The backend `stvit infer` uses by default: the peers' reference."""
    return next((b["backend"] for b in backend_table() if b.get("default")), "")


def stvit_backends():
    """--stvit-backends, or every supported backend but naive, leaving out the ISA-pinned
    copies ("omp-avx2" beside "omp"): a new backend joins by itself."""
    if ARGS.stvit_backends:
        return [b for b in ARGS.stvit_backends.split(",") if b]
    table = [b for b in backend_table() if b.get("supported")]
    names = {b["backend"] for b in table}
    return [b["backend"] for b in table if b["backend"] != "naive"
            and not (b.get("isa") and b["backend"].endswith("-" + b["isa"])
                     and b["backend"][:-len(b["isa"]) - 1] in names)]


def busy_modes():
    return {"off": ["off"], "on": ["on"], "both": ["off", "on"]}[ARGS.busy_core]


def run_logged(cmd, logname, env=None):
    """Runs cmd (stdout captured, stderr into the log); (returncode, stdout, note)."""
    os.makedirs(os.path.join(ARGS.work, "logs"), exist_ok=True)
    logpath = os.path.join(ARGS.work, "logs", logname)
    with open(logpath, "w") as logf:
        logf.write(" ".join(cmd) + "\n")
        logf.flush()
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=logf, text=True, env=env,
                               timeout=ARGS.worker_timeout)
            return r.returncode, r.stdout, logpath
        except subprocess.TimeoutExpired as e:
            return -1, (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), \
                f"{logpath} (killed after {ARGS.worker_timeout:.0f} s)"


def tail(logpath, n=3):
    try:
        with open(logpath.split(" (")[0]) as f:
            return " | ".join(line.strip() for line in f.readlines()[-n:])[-300:]
    except OSError:
        return ""


def failed_rows(backend, batch, error, cmd):
    return [dict(variant=ARGS.variant, attn="sta", res=f"{ARGS.res}x{ARGS.res}", h=ARGS.res, w=ARGS.res,
                 backend=backend, batch=batch, threads=ARGS.threads, busy_core=pr.boolean(m == "on"),
                 status="failed", error=error, **pr.env_columns(cmd)) for m in busy_modes()]


def worker_common():
    return ["--work", ARGS.work, "--stvit", ARGS.stvit, "--variant", ARGS.variant, "--res", str(ARGS.res),
            "--threads", str(ARGS.threads), "--seed", str(ARGS.seed)]


def measure_peer(runtime, batch, tag):
    cmd = [ARGS.python, os.path.join(HERE, "peer_worker.py"), "run", *worker_common(), "--runtime", runtime,
           "--batch", str(batch), "--busy", ",".join(busy_modes()), "--warmup", str(ARGS.warmup),
           "--min-runs", str(ARGS.min_runs), "--min-time", str(ARGS.min_time), "--max-runs", str(ARGS.max_runs)]
    rc, out, logpath = run_logged(cmd, f"{tag}-{runtime}-b{batch}.log")
    rows = json_lines(out)
    if not rows:
        return failed_rows(runtime, batch, f"worker exited {rc}: {tail(logpath)} (log {logpath})", cmd)
    for r in rows:
        r["stvit_ref_backend"] = REF_BACKEND
    return rows


def measure_stvit(backend, batch, tag, peak):
    cmd = [ARGS.stvit, "bench", "--variant", ARGS.variant, "--res", str(ARGS.res), "--backend", backend,
           "--batch", str(batch), "--threads", str(ARGS.threads), "--warmup", str(ARGS.warmup),
           "--min-runs", str(ARGS.min_runs), "--min-time", str(ARGS.min_time), "--seed", str(ARGS.seed),
           "--no-check", "--out", "-", "--json"]   # the rows come as JSON lines on stdout
    if peak:
        cmd += ["--peak", str(peak)]
    if ARGS.busy_core != "off":
        cmd += ["--busy-core", ARGS.busy_core]
    rc, out, logpath = run_logged(cmd, f"{tag}-stvit-{backend}-b{batch}.log")
    load = pr.loadavg()
    rows = [pr.renamed(r) for r in json_lines(out)]
    if not rows:
        return failed_rows(f"stvit-{backend}", batch, f"stvit bench exited {rc}: {tail(logpath)}", cmd)
    env = pr.env_columns(cmd)
    for r in rows:
        for k, v in (("warmup", ARGS.warmup), ("min_time_s", ARGS.min_time), ("seed", ARGS.seed)):
            if r.get(k) in (None, ""):
                r[k] = v
        r["backend"] = f"stvit-{r.get('backend', backend)}"
        r["precision"] = r.get("precision") or "f32"
        r["busy_core"] = pr.boolean(r.get("busy_core", "false"))
        r["rounds"] = 1
        r["note"] = "stvit bench" + (f"; error: {r.get('error')}" if r.get("status") != "ok" else "")
        for k, v in env.items():   # bench's own env columns win; the rest are filled here
            if r.get(k) in (None, ""):
                r[k] = v if k != "env_loadavg" else load
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fill_work(row, macs, params, peak):
    ips = num(row.get("img_per_s"))
    if row.get("macs_per_img") in (None, ""):
        row["macs_per_img"] = macs
    if row.get("param_count") in (None, ""):
        row["param_count"] = params
    if peak and row.get("peak_gflop_per_s") in (None, ""):
        row["peak_gflop_per_s"] = peak
    if ips and macs:
        row["gflop_per_s"] = 2 * macs * ips / 1e9
        if peak:
            row["peak_fraction"] = row["gflop_per_s"] / peak
    return row


def key(r):
    """Runtime names are unique per precision (openvino, openvino-bf16), so precision is not part of it."""
    return (r.get("backend"), int(r.get("batch") or 0), r.get("busy_core"))


def medians(rounds_rows, macs, params, peak):
    """One row per runtime x precision x batch x busy_core: medians over the rounds that ran."""
    groups, order = {}, []
    for r in rounds_rows:
        k = key(r)
        if k not in groups:
            groups[k] = []
            order.append(k)
        groups[k].append(r)
    out = []
    for k in order:
        rows = groups[k]
        ok = [r for r in rows if r.get("status") == "ok" and num(r.get("img_per_s"))]
        loads = [num(r.get("env_loadavg")) for r in rows if num(r.get("env_loadavg")) is not None]
        m = dict(ok[-1] if ok else rows[-1])
        m.update(round="", rounds=len(ok), env_loadavg=max(loads) if loads else None,
                 env_loadavg_rounds=";".join(f"{x:g}" for x in loads))
        if ok:
            ips = [num(r["img_per_s"]) for r in ok]
            m.update(status="ok", error="" if len(ok) == len(rows) else f"{len(rows) - len(ok)} round(s) failed: "
                     + next(r.get("error", "") for r in rows if r not in ok),
                     img_per_s=pr.median(ips), img_per_s_rounds=";".join(f"{x:.4g}" for x in ips),
                     batch_ms_median=pr.median([num(r["batch_ms_median"]) for r in ok]),
                     batch_ms_min=min(num(r["batch_ms_min"]) for r in ok),
                     batch_ms_p90=pr.median([num(r["batch_ms_p90"]) for r in ok]),
                     runs=sum(int(num(r.get("runs")) or 0) for r in ok))
            ratios = [num(r.get("busy_ratio")) for r in ok if num(r.get("busy_ratio"))]
            m["busy_ratio"] = pr.median(ratios) if ratios else None
            m.pop("gflop_per_s", None)
            fill_work(m, macs, params, num(m.get("peak_gflop_per_s")) or peak)
        out.append(m)
    return out


def write_csv(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(pr.COLUMNS)
        for r in rows:
            w.writerow([pr.cell(r.get(c)) for c in pr.COLUMNS])
    os.replace(tmp, path)


def write_jsonl(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for r in rows:
            f.write(json.dumps({c: (None if r.get(c) in (None, "") else r.get(c)) for c in pr.COLUMNS}) + "\n")
    os.replace(tmp, path)


def out_paths():
    stem = ARGS.out[:-4] if ARGS.out.endswith(".csv") else ARGS.out
    return ARGS.out, stem + ".jsonl", stem + "-rounds.csv"


def save(rounds_rows, macs, params, peak):
    csv_path, jsonl_path, rounds_path = out_paths()
    os.makedirs(os.path.dirname(csv_path) or ".", exist_ok=True)
    m = medians(rounds_rows, macs, params, peak)
    write_csv(csv_path, m)
    write_jsonl(jsonl_path, m)
    write_csv(rounds_path, rounds_rows)
    return m


def describe(rows):
    parts = []
    for r in rows:
        label = "busy" if r.get("busy_core") == "true" else "quiet"
        if r.get("status") != "ok":
            parts.append(f"{label} FAILED: {str(r.get('error', ''))[:160]}")
            continue
        s = f"{label} {num(r['img_per_s']):.2f} img/s"
        if num(r.get("busy_ratio")):
            s += f" (x{num(r['busy_ratio']):.2f} of quiet)"
        parts.append(s + f", load {r.get('env_loadavg')}")
    return "; ".join(parts)


def main():
    batches = [int(b) for b in ARGS.batches.split(",")]
    wanted = [b for b in ARGS.backends.split(",") if b]
    unknown = [b for b in wanted if b not in PEERS + ("stvit",)]
    if unknown:
        sys.exit(f"bench_peers.py: unknown runtime(s) {','.join(unknown)}; known: {','.join(PEERS)},stvit")
    os.makedirs(ARGS.work, exist_ok=True)
    global REF_BACKEND
    REF_BACKEND = stvit_default_backend()
    work = stvit_json("flops", "--variant", ARGS.variant, "--res", str(ARGS.res), "--json")
    macs = work.get("macs_per_img", work.get("flops"))
    params = work.get("param_count", work.get("params"))
    try:
        p = stvit_json("peak", "--threads", str(ARGS.threads), "--json")
        peak = p.get("peak_gflop_per_s", p.get("gflops"))
        log(f"sgemm peak at {ARGS.threads} threads: {peak} GFLOP/s (load {pr.loadavg()})")
    except Exception as e:
        log(f"no sgemm peak ({e}); peak_fraction left empty")
        peak = None

    tasks = [("stvit", b) for b in stvit_backends()] if "stvit" in wanted else []
    peers = [r for r in PEERS if r in wanted]
    tasks = [("peer", r) for r in peers] + tasks
    prep_error = None
    if peers:
        log(f"preparing STViT-{ARGS.variant} {ARGS.res}: weights, input, ONNX, stvit infer reference")
        cmd = [ARGS.python, os.path.join(HERE, "peer_worker.py"), "prepare", *worker_common(),
               "--batches", ARGS.batches]
        rc, _, logpath = run_logged(cmd, "prepare.log")
        if rc != 0:
            prep_error = f"preparation failed: {tail(logpath)} (log {logpath})"
            log(prep_error)
    names = [f"stvit-{n}" if kind == "stvit" else n for kind, n in tasks]
    log(f"{ARGS.rounds} round(s) x batches {batches} x {', '.join(names)}; busy core: {ARGS.busy_core}")

    rounds_rows, t0 = [], time.time()
    try:
        for rnd in range(ARGS.rounds):
            order = tasks[rnd % len(tasks):] + tasks[:rnd % len(tasks)] if tasks else []
            for batch in batches:
                for kind, name in order:
                    tag = f"r{rnd + 1}"
                    if kind == "stvit":
                        rows = measure_stvit(name, batch, tag, peak)
                    elif prep_error:
                        rows = failed_rows(name, batch, prep_error, [])
                    else:
                        rows = measure_peer(name, batch, tag)
                    for r in rows:
                        r["round"] = rnd + 1
                        fill_work(r, macs, params, peak)
                    rounds_rows += rows
                    label = f"stvit-{name}" if kind == "stvit" else name
                    log(f"round {rnd + 1}/{ARGS.rounds} batch {batch} {label}: {describe(rows)}")
                    save(rounds_rows, macs, params, peak)
    except KeyboardInterrupt:
        log("interrupted: the rows measured so far are saved")
        save(rounds_rows, macs, params, peak)
        return 130
    m = save(rounds_rows, macs, params, peak)
    csv_path, jsonl_path, rounds_path = out_paths()
    log(f"{len(m)} median rows in {csv_path} and {jsonl_path}, {len(rounds_rows)} round rows in {rounds_path} "
        f"({time.time() - t0:.0f} s)")
    for r in m:
        err = num(r.get("rel_l2_vs_stvit"))
        if err is not None and r.get("precision") == "f32" and err > 1e-3:
            log(f"WARNING: {r['backend']} batch {r['batch']} logits differ from stvit infer: {err:.2e}")
    bad = [r for r in m if r.get("status") != "ok"]
    for r in bad:
        log(f"FAILED: {r['backend']} batch {r['batch']} busy_core {r.get('busy_core')}: {r.get('error')}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

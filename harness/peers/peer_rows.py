"""peer_rows.py — the columns of peers.csv and what every row shares (stdlib only).

The names are those of `stvit bench` rows (see the result-column agreement): identity,
timing, work, env. A row of a peer and a row of stvit mean the same where a name is the
same. Extra columns only peers have: rounds, round, img_per_s_rounds, env_loadavg_rounds,
rel_l2_vs_stvit (the largest per-image relative L2 distance of the peer's logits from
`stvit infer`'s, same weights and input), stvit_ref_backend, versions, note.
"""
import datetime
import os
import platform
import subprocess

COLUMNS = [
    # identity
    "variant", "attn", "res", "h", "w", "backend", "isa", "precision", "batch", "threads", "busy_core",
    "status", "error", "rounds", "round", "runs", "warmup", "min_time_s", "seed",
    # timing (per round: the point's figures; in peers.csv: medians over rounds)
    "batch_ms_median", "batch_ms_min", "batch_ms_p90", "img_per_s", "img_per_s_rounds", "busy_ratio",
    # work
    "macs_per_img", "param_count", "gflop_per_s", "peak_gflop_per_s", "peak_fraction",
    # memory, accuracy
    "peak_rss_mib", "matches_naive", "rel_l2_vs_naive", "rel_l2_vs_stvit", "stvit_ref_backend",
    "versions", "note",
    # env
    "env_date", "env_git", "env_cmdline", "env_os", "env_kernel", "env_cpu", "env_cpu_flags", "env_cores",
    "env_compiler", "env_cflags", "env_blas", "env_blas_threading", "env_omp_vars", "env_openblas_vars",
    "env_loadavg", "env_loadavg_rounds",
]

# `stvit bench` columns before the rename to the agreed names: read either.
OLD_NAMES = {"ms_median": "batch_ms_median", "ms_min": "batch_ms_min", "ms_p90": "batch_ms_p90",
             "flops": "macs_per_img", "params": "param_count", "gflops": "gflop_per_s",
             "peak_gflops": "peak_gflop_per_s", "workspace_mib": "mem_workspace_mib"}


def renamed(row):
    """A bench row with the agreed names (old names mapped, new ones kept)."""
    out = {}
    for k, v in row.items():
        k = OLD_NAMES.get(k, k)
        if k not in out or out[k] in (None, ""):
            out[k] = v
    return out


def boolean(v):
    """true/false as written in result files, from a bool or bench's text."""
    if isinstance(v, str):
        return {"true": "true", "yes": "true", "1": "true", "false": "false", "no": "false", "0": "false"}.get(
            v.strip().lower(), v)
    return "true" if v else "false"


def percentile(xs, p):
    """numpy's default (linear) percentile, as harness/bench/stats.c."""
    s = sorted(xs)
    r = p / 100.0 * (len(s) - 1)
    lo = int(r)
    if lo >= len(s) - 1:
        return s[-1]
    return s[lo] + (r - lo) * (s[lo + 1] - s[lo])


def median(xs):
    return percentile(xs, 50) if xs else None


def loadavg():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _first_line(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def _cpu():
    name, flags = None, ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and name is None:
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    have = set(line.split(":", 1)[1].split())
                    # the same selection and spelling as harness/bench/env.c
                    flags = " ".join(s for w, s in (("avx2", "avx2"), ("avx512f", "avx512f"), ("fma", "fma"),
                                                    ("amx_tile", "amx")) if w in have) or "none"
    except OSError:
        pass
    return name or platform.processor() or "unknown", flags or "unknown"


def _os_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def _git():
    rev = _first_line(["git", "rev-parse", "--short", "HEAD"])
    if not rev:
        return "unknown"
    dirty = _first_line(["git", "status", "--porcelain", "--untracked-files=no"])
    return rev + ("-dirty" if dirty else "")


def vars_with(prefixes, environ=None):
    environ = os.environ if environ is None else environ
    return " ".join(f"{k}={environ[k]}" for k in sorted(environ) if k.startswith(prefixes))


def env_columns(cmdline, environ=None):
    """The env_* columns of a row measured now by a process started with cmdline (a list)
    and this environment. Compiler, flags and BLAS describe the stvit build: bench fills
    them on its rows, a peer leaves them empty (its versions column says what ran)."""
    cpu, flags = _cpu()
    environ = os.environ if environ is None else environ
    return {
        "env_date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "env_git": _git(), "env_cmdline": " ".join(cmdline), "env_os": _os_name(),
        "env_kernel": platform.release(), "env_cpu": cpu, "env_cpu_flags": flags,
        "env_cores": os.cpu_count(), "env_omp_vars": vars_with(("OMP_", "KMP_", "GOMP_"), environ),
        "env_openblas_vars": vars_with(("OPENBLAS_",), environ), "env_loadavg": loadavg(),
    }


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return boolean(v)
    if isinstance(v, float):
        return f"{v:.7g}"
    return v

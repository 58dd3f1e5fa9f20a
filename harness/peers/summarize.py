#!/usr/bin/env python3
"""summarize.py — the side-by-side table of peers.csv (bench_peers.py) as markdown, for
results/README.md. Standard library only.

  python3 harness/peers/summarize.py [results/peers.csv] [--batches 1,8]

One line per runtime; per batch: quiet img/s (the median of the rounds), busy img/s with
its busy/quiet ratio (one CPU spinning, `--busy-core`), and the quiet figure as a multiple
of the faster f32 peer (ONNX Runtime or OpenVINO f32, by default) and of OpenVINO bf16;
last, the 1-minute load averages (highest of the rounds) of the quiet and busy rows. Under
the table: the faster f32 peer per batch, the 1.2x goal, the best stvit f32 backend, and
the lowest busy/quiet ratio of the stvit backends.
"""
import argparse
import csv
import sys


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="?", default="results/peers.csv")
    ap.add_argument("--batches", default="", help="batches to show (default: those in the file)")
    ap.add_argument("--f32-peers", default="onnxruntime,openvino",
                    help="the runtimes a stvit figure is compared with (default onnxruntime,openvino)")
    ap.add_argument("--bf16-peer", default="openvino-bf16")
    ap.add_argument("--goal", type=float, default=1.2, help="the speed goal over the faster f32 peer")
    return ap.parse_args(argv)


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(v, digits=None):
    """3 significant digits (17.6, 0.485), or a fixed number of decimals."""
    if v is None:
        return "-"
    return f"{v:.{digits}f}" if digits is not None else f"{v:.3g}"


def load_rows(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"summarize.py: {path}: {e.strerror}")
    need = {"backend", "batch", "busy_core", "img_per_s", "status"}
    if rows and not need <= set(rows[0]):
        sys.exit(f"summarize.py: {path}: not a peers.csv (missing columns {', '.join(sorted(need - set(rows[0])))})")
    return rows


def table(rows, batches, f32_peers, bf16_peer, goal):
    fig, precision, loads, order, rounds = {}, {}, {}, [], set()
    for r in rows:
        b, busy = r["backend"], r.get("busy_core") == "true"
        if b not in order:
            order.append(b)
        if r.get("precision"):
            precision.setdefault(b, r["precision"])
        if r.get("status") == "ok":
            fig[(b, int(r["batch"]), busy)] = (num(r["img_per_s"]), num(r.get("busy_ratio")))
            if r.get("rounds"):
                rounds.add(r["rounds"])
        load = num(r.get("env_loadavg"))
        if load is not None:
            loads.setdefault((b, busy), []).append(load)

    def quiet(b, batch):
        return (fig.get((b, batch, False)) or (None, None))[0]

    best = {}
    for batch in batches:
        cands = [(quiet(p, batch), p) for p in f32_peers if quiet(p, batch)]
        best[batch] = max(cands) if cands else (None, None)

    head = ["runtime", "precision"]
    for batch in batches:
        head += [f"b{batch} img/s", f"b{batch} busy (ratio)", f"b{batch} vs best f32 peer", f"b{batch} vs {bf16_peer}"]
    head += ["load quiet / busy"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for b in order:
        cells = [b, precision.get(b, "")]
        for batch in batches:
            q = quiet(b, batch)
            busy_ips, ratio = fig.get((b, batch, True)) or (None, None)
            if busy_ips is not None and ratio is None and q:
                ratio = busy_ips / q
            bf = quiet(bf16_peer, batch)
            cells += [fmt(q), "-" if busy_ips is None else f"{fmt(busy_ips)} ({fmt(ratio, 2)})",
                      "-" if not (q and best[batch][0]) else f"{q / best[batch][0]:.2f}x",
                      "-" if not (q and bf) else f"{q / bf:.2f}x"]
        lq, lb = loads.get((b, False)), loads.get((b, True))
        cells.append(f"{fmt(max(lq) if lq else None, 2)} / {fmt(max(lb) if lb else None, 2)}")
        lines.append("| " + " | ".join(cells) + " |")

    notes = []
    for batch in batches:
        peer_ips, peer = best[batch]
        stvit = [(quiet(b, batch), b) for b in order
                 if b.startswith("stvit-") and precision.get(b) == "f32" and quiet(b, batch)]
        s = f"- batch {batch}: "
        s += (f"faster f32 peer {peer} {fmt(peer_ips)} img/s, {goal:g}x goal {fmt(goal * peer_ips)}"
              if peer else "no f32 peer figure")
        if stvit:
            ips, b = max(stvit)
            s += f"; best stvit f32 backend {b} {fmt(ips)}" + (f" = {ips / peer_ips:.2f}x" if peer else "")
        ratios = [(fig[(b, batch, True)][0] / quiet(b, batch), b) for b in order
                  if b.startswith("stvit-") and fig.get((b, batch, True)) and quiet(b, batch)]
        if ratios:
            low, b = min(ratios)
            s += f"; lowest stvit busy/quiet {b} {low:.2f}"
        notes.append(s)
    return lines, notes, sorted(rounds)


def main():
    a = parse_args()
    rows = load_rows(a.csv)
    if not rows:
        sys.exit(f"summarize.py: {a.csv}: no rows")
    batches = [int(b) for b in a.batches.split(",") if b] or sorted({int(r["batch"]) for r in rows})
    lines, notes, rounds = table(rows, batches, a.f32_peers.split(","), a.bf16_peer, a.goal)
    r0 = rows[0]
    print(f"STViT-{r0.get('variant', '?')} {r0.get('res', '?')}, {r0.get('threads', '?')} threads, img/s: median "
          f"of {'/'.join(rounds) or '?'} interleaved rounds, each runtime in its own process. busy: one CPU kept "
          f"busy by a spinning process (busy/quiet ratio); load: highest 1-minute load average of the rounds "
          f"(a busy row counts its own spinner).")
    print()
    print("\n".join(lines))
    print()
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

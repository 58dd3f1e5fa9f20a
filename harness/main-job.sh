#!/bin/sh
# The main job (`make run`): the default sweep, plots, the ablation table, DeiT-S and
# Swin-T beside STViT-S (baselines.md and its plot) and the pictures for the bundled
# photos, all written under results/ (or $OUT), named explicitly: the commands alone
# write into fresh runs/ folders. Takes about 8-10 minutes on 2 cores (7 min 57 s on 2026-12-03).
set -e
BIN=${BIN:-build/stvit}
OUT=${OUT:-results}
mkdir -p "$OUT"
echo "== machine peak (OpenBLAS sgemm)"
$BIN peak --threads 2
echo "== sweep: STViT-S at 224, every backend, batch 1 and 8, 2 threads"
$BIN bench --variant S --res 224 --batch 1,8 --threads 2 --warmup 1 --min-runs 5 --min-time 1 --profile --out "$OUT"
echo "== plots"
$BIN plot "$OUT/bench.csv" --out "$OUT/plots"
if $BIN --help | grep -q "^  ablate"; then
  echo "== ablation table"
  $BIN ablate --res 224 --out "$OUT"
fi
if $BIN --help | grep -q "^  baselines"; then
  # Every plain backend this CPU runs but naive (a batch-8 pass of a 4.5 GMAC network
  # takes it ~20 s; its STViT-S speed is in bench.csv above), bf16 ones included.
  BACKENDS=$($BIN backends | awk 'NR > 1 && $3 == "best" && $5 == "yes" { printf "%s%s", n++ ? "," : "", $1 }')
  echo "== DeiT-S, Swin-T and STViT-S at 224: $BACKENDS, batch 1 and 8, 2 threads"
  $BIN bench --variant deit-s,swin-t,S --res 224 --batch 1,8 --threads 2 --backend "$BACKENDS" \
       --warmup 1 --min-runs 5 --min-time 1 --out "$OUT/baselines-bench"
  $BIN baselines "$OUT/baselines-bench/bench.csv" --out "$OUT"
fi
if $BIN --help | grep -q "^  viz"; then
  echo "== super tokens and attention maps of the bundled photos"
  $BIN viz harness/images/chelsea.png harness/images/coffee.png --out "$OUT/viz"
fi
echo "done: see $OUT/README.md"

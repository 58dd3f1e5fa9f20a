#!/bin/bash
# Submits a sharded run and the job that merges it once every shard has succeeded:
#   harness/slurm/submit.sh sweep|eval [sbatch options for both jobs, e.g. --partition=cpu]
# SHARDS (default 8) is the array size, CPUS (default: the script's #SBATCH line) its
# --cpus-per-task, OUT (default runs/DATE-KIND/KIND) where the shards (OUT.shards/) and the merged
# OUT.csv go, LOGS (default: OUT's folder) the jobs' logs; every other parameter at the
# top of sweep-array.sh / eval-array.sh may be set here too (VARIANTS=S ...).
# Prints the two job ids. Run it from the project folder.
set -euo pipefail
here=$(dirname "$0")
kind=${1:-}
case "$kind" in
sweep | eval) shift ;;
*) echo "usage: submit.sh sweep|eval [sbatch options]   (parameters: see harness/slurm/*-array.sh)" >&2; exit 2 ;;
esac
SHARDS=${SHARDS:-8}
export OUT=${OUT:-runs/$(date +%Y%m%d-%H%M%S)-$kind/$kind}   # a fresh folder unless named
LOGS=${LOGS:-$(dirname "$OUT")}
mkdir -p "$LOGS" "$(dirname "$OUT")"
array=$(sbatch --parsable --array=0-$((SHARDS - 1)) ${CPUS:+--cpus-per-task="$CPUS"} \
        --output="$LOGS/%x-%A_%a.out" "$@" "$here/$kind-array.sh")
array=${array%%;*}   # "id;cluster" on a federation
merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$LOGS/%x-%j.out" "$@" \
        "$here/merge.sh" "$OUT" "$SHARDS")
echo "array job $array ($SHARDS shards of $kind into $OUT.shards/), merge job ${merge%%;*} into $OUT.csv, logs in $LOGS/"

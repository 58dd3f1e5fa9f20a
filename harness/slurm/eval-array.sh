#!/bin/bash
# An accuracy evaluation (stvit eval, harness/EVAL.md) as a Slurm job array: task K of
# an array of N evaluates pictures K, K+N, ... of the sorted listing (--shard K/N) into
# $OUT.shards/eval.shardKofN.csv.
#   harness/slurm/submit.sh eval       the array and the job that merges it (README)
#   sbatch --array=0-7 --cpus-per-task=16 harness/slurm/eval-array.sh    the array alone
# The array must be 0..N-1 (step 1): its size is the shard count. Threads: eval's
# default, SLURM_CPUS_PER_TASK (--cpus-per-task) capped by the CPUs the task is bound
# to; the READERS decoding threads share those CPUs. Submit from the project folder.
#SBATCH --job-name=stvit-eval
#SBATCH --array=0-7
#SBATCH --cpus-per-task=16
#SBATCH --time=01:00:00
#SBATCH --output=slurm-%x-%A_%a.out

# ---- parameters: edit them here, or set them in the environment of sbatch / submit.sh
STVIT=${STVIT:-build/stvit}              # the program
OUT=${OUT:-runs/slurm-${SLURM_ARRAY_JOB_ID:-0}/eval}   # task K writes into $OUT.shards/, the merge $OUT.csv
WEIGHTS=${WEIGHTS:-stvit-s-224.safetensors}   # converted checkpoint (harness/EVAL.md)
IMAGES=${IMAGES:-/data/imagenet/val}     # the pictures (searched recursively)
LABELS=${LABELS:-val_labels.txt}         # 'file class' lines; empty: a sub-folder per class
RES=${RES:-224}
BATCH=${BATCH:-16}
READERS=${READERS:-1}
THREADS=${THREADS:-}                     # network threads; empty: the task's --cpus-per-task
EVAL_OPTS=${EVAL_OPTS:---quiet}          # more eval options, e.g. "--quiet --crop-pct 1"
# ----

set -euo pipefail
K=${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=0-N}
N=$SLURM_ARRAY_TASK_COUNT
if [ "$SLURM_ARRAY_TASK_MIN" != 0 ] || [ "$SLURM_ARRAY_TASK_MAX" != $((N - 1)) ]; then
    echo "eval-array.sh: the array must be 0-$((N - 1)) (step 1), not $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX" >&2
    exit 2
fi
echo "stvit eval: shard $K/$N on $(hostname), cpus-per-task ${SLURM_CPUS_PER_TASK:-unset}," \
     "$(grep Cpus_allowed_list /proc/self/status | tr -s '\t' ' ')"
mkdir -p "$(dirname "$OUT")"
# shellcheck disable=SC2086  # EVAL_OPTS is a list of options
exec "$STVIT" eval --weights "$WEIGHTS" --images "$IMAGES" ${LABELS:+--ground-truth "$LABELS"} \
    --res "$RES" --batch "$BATCH" --readers "$READERS" ${THREADS:+--threads "$THREADS"} \
    --shard "$K/$N" --out "$OUT.shards" $EVAL_OPTS

#!/bin/bash
# A bench sweep as a Slurm job array: task K of an array of N runs points K, K+N, ...
# of the sweep (stvit bench --shard K/N) into $OUT.shards/bench.shardKofN.csv (and .jsonl).
#   harness/slurm/submit.sh sweep      the array and the job that merges it (README)
#   sbatch --array=0-7 --cpus-per-task=4 harness/slurm/sweep-array.sh    the array alone
# The array must be 0..N-1 (step 1): its size is the shard count. Threads: bench's
# default, SLURM_CPUS_PER_TASK (--cpus-per-task) capped by the CPUs the task is bound
# to (harness/cli/threads.h). Submit from the project folder (paths below are relative to it).
#SBATCH --job-name=stvit-sweep
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=slurm-%x-%A_%a.out

# ---- parameters: edit them here, or set them in the environment of sbatch / submit.sh
STVIT=${STVIT:-build/stvit}        # the program
OUT=${OUT:-runs/slurm-${SLURM_ARRAY_JOB_ID:-0}/sweep}   # task K writes into $OUT.shards/, the merge $OUT.csv
VARIANTS=${VARIANTS:-S,B,L}
RES=${RES:-224,384}
BACKENDS=${BACKENDS:-omp}
BATCH=${BATCH:-1,8}
THREADS=${THREADS:-}               # thread counts; empty: the task's --cpus-per-task
BENCH_OPTS=${BENCH_OPTS:---quiet}  # more bench options, e.g. "--quiet --min-runs 3"
# ----

set -euo pipefail
K=${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=0-N}
N=$SLURM_ARRAY_TASK_COUNT
if [ "$SLURM_ARRAY_TASK_MIN" != 0 ] || [ "$SLURM_ARRAY_TASK_MAX" != $((N - 1)) ]; then
    echo "sweep-array.sh: the array must be 0-$((N - 1)) (step 1), not $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX" >&2
    exit 2
fi
echo "stvit sweep: shard $K/$N on $(hostname), cpus-per-task ${SLURM_CPUS_PER_TASK:-unset}," \
     "$(grep Cpus_allowed_list /proc/self/status | tr -s '\t' ' ')"
mkdir -p "$(dirname "$OUT")"
# shellcheck disable=SC2086  # BENCH_OPTS is a list of options
exec "$STVIT" bench --variant "$VARIANTS" --res "$RES" --backend "$BACKENDS" --batch "$BATCH" \
    ${THREADS:+--threads "$THREADS"} --shard "$K/$N" --out "$OUT.shards" $BENCH_OPTS

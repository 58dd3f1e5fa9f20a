#!/bin/bash
# The job that joins the N shards of an array (submit.sh starts it with
# --dependency=afterok:ARRAY): stvit merge $OUT.csv $OUT.shard0.csv ... $OUT.shard(N-1).csv,
# which writes $OUT.csv and $OUT.jsonl and, for eval shards, prints the accuracy of the whole.
#   sbatch --dependency=afterok:JOB harness/slurm/merge.sh OUT N
#SBATCH --job-name=stvit-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=slurm-%x-%j.out
set -euo pipefail
STVIT=${STVIT:-build/stvit}
if [ $# -ne 2 ] || ! [ "$2" -ge 1 ] 2>/dev/null; then
    echo "usage: merge.sh OUT N   (joins OUT.shard0.csv .. OUT.shard(N-1).csv into OUT.csv)" >&2
    exit 2
fi
parts=()
for ((k = 0; k < $2; k++)); do
    [ -f "$1.shard$k.csv" ] || { echo "merge.sh: $1.shard$k.csv: missing (did shard $k fail? see its log)" >&2; exit 1; }
    parts+=("$1.shard$k.csv")
done
exec "$STVIT" merge "$1.csv" "${parts[@]}"

#!/bin/bash
# The job that joins the N shards of an array (submit.sh starts it with
# --dependency=afterok:ARRAY): stvit merge $OUT.csv with the N files of $OUT.shards/
# (KIND.shard0ofN.csv ... KIND.shard(N-1)ofN.csv, KIND = bench or eval),
# which writes $OUT.csv and $OUT.jsonl and, for eval shards, prints the accuracy of the whole.
#   sbatch --dependency=afterok:JOB harness/slurm/merge.sh OUT N
#SBATCH --job-name=stvit-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=slurm-%x-%j.out
set -euo pipefail
STVIT=${STVIT:-build/stvit}
if [ $# -ne 2 ] || ! [ "$2" -ge 1 ] 2>/dev/null; then
    echo "usage: merge.sh OUT N   (joins OUT.shards/*.shard0ofN.csv .. into OUT.csv)" >&2
    exit 2
fi
parts=()
for ((k = 0; k < $2; k++)); do
    f=$(compgen -G "$1.shards/*.shard${k}of$2.csv" | head -n 1 || true)   # bench.shard.. or eval.shard..
    [ -n "$f" ] || { echo "merge.sh: $1.shards/*.shard${k}of$2.csv: missing (did shard $k fail? see its log)" >&2; exit 1; }
    parts+=("$f")
done
exec "$STVIT" merge "$1.csv" "${parts[@]}"

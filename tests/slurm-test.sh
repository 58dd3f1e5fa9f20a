#!/bin/bash
# make slurm-test: the sbatch scripts of harness/slurm/ on a real one-node Slurm cluster.
#
# Installs Debian's Slurm and munge when missing (as root), starts munged, slurmctld and
# slurmd on this machine with a generated slurm.conf (every state, spool, log and socket
# file in one temporary folder, ports chosen free), submits through harness/slurm/submit.sh
#   - the sweep array: 4 shards of tiny bench points, 1 CPU per task,
#   - the eval array: 4 shards over the generated labelled image set (tests/tools/make_evalset),
#     up to 2 CPUs per task,
# each with its dependent merge job, waits (bounded), and checks that
#   - the merged sweep has exactly the points of the same sweep run unsharded,
#   - the merged eval predictions and accuracy equal those of one unsharded run, and the
#     accuracy the image set was made with,
#   - every task ran on the CPUs it was given: the threads column (sweep) and eval's
#     summary line equal --cpus-per-task, and each task was bound to that many CPUs.
# Stops every daemon it started, and whatever their jobs left, also on failure or Ctrl-C.
# Needs root (munge and slurmd as root, as on a CI runner). About a minute when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd || echo "$ROOT/build")
STVIT=$BUILD/stvit
EVALSET_TOOL=$BUILD/tests/tools/make_evalset
SHARDS=4
JOB_TIMEOUT=${SLURM_TEST_TIMEOUT:-240}   # seconds for all jobs to finish
# task/affinity binds each task to the CPUs it was allocated (checked below); task/none
# binds nothing (the threads then come from SLURM_CPUS_PER_TASK alone)
TASK_PLUGIN=${SLURM_TEST_TASK_PLUGIN:-task/affinity}
export DEBIAN_FRONTEND=noninteractive
unset OMP_NUM_THREADS   # it would come before --cpus-per-task in the tasks (harness/cli/threads.h)

say() { printf 'slurm-test: %s\n' "$*"; }
die() { printf 'slurm-test: FAILED: %s\n' "$*" >&2; exit 1; }

# ---- Slurm and munge ---------------------------------------------------------------
need_install() {
    for c in slurmctld slurmd sbatch squeue scontrol munged mungekey; do
        command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null || return 0
    done
    return 1
}
PATH=$PATH:/usr/sbin:/sbin
if need_install; then
    [ "$(id -u)" = 0 ] || die "Slurm is not installed and installing it needs root: apt-get install slurmctld slurmd slurm-client munge"
    say "installing Debian's Slurm and munge"
    pkgs=(slurmctld slurmd slurm-client munge)
    apt_install() { apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${pkgs[@]}"; }
    apt_install >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null 2>&1 || true; apt_install; } ||
        die "cannot install Slurm (${pkgs[*]}) with apt-get: see the messages above"
    need_install && die "Slurm installed but its commands are missing (slurmctld slurmd sbatch munged)"
fi
[ "$(id -u)" = 0 ] || die "needs root (munged and slurmd run as root in this test)"
say "$(slurmctld -V)"

[ -x "$STVIT" ] && [ -x "$EVALSET_TOOL" ] || die "build first: make build/stvit build/tests/tools/make_evalset"

# ---- the temporary cluster -----------------------------------------------------------
T=$(mktemp -d /tmp/stvit-slurm-XXXXXX)
chmod 755 "$T"   # jobs run as root, but munged checks the folders it uses
daemons=()       # pids of what this script started
finish() {
    rc=$?
    set +e
    if [ -f "$T/slurm.conf" ] && [ ${#daemons[@]} -gt 0 ]; then
        scancel --quiet --full -u root 2>/dev/null   # jobs of this cluster only (SLURM_CONF)
        for _ in $(seq 20); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
    fi
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do kill "${daemons[i]}" 2>/dev/null; done
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
        for _ in $(seq 40); do kill -0 "${daemons[i]}" 2>/dev/null || break; sleep 0.25; done
        kill -9 "${daemons[i]}" 2>/dev/null
        wait "${daemons[i]}" 2>/dev/null
    done
    # Job steps (slurmstepd, the jobs' processes) of this cluster carry its SLURM_CONF.
    for e in /proc/[0-9]*/environ; do
        p=${e#/proc/}; p=${p%/environ}
        [ "$p" = $$ ] && continue
        tr '\0' '\n' 2>/dev/null <"$e" | grep -qx "SLURM_CONF=$T/slurm.conf" && kill -9 "$p" 2>/dev/null
    done
    if [ $rc -ne 0 ]; then
        for f in "$T"/log/*; do [ -f "$f" ] && { echo "---- $f (last lines)"; tail -n 25 "$f"; }; done
        say "failed; logs above"
    fi
    rm -rf "$T"
    exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/out" "$T/jobs"
chmod 700 "$T/munge"

free_port() {   # a TCP port nobody listens on, from a range Slurm does not use by default
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 20000))
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo $p; return; }
    done
    die "no free TCP port found"
}
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
[ "$CTLD_PORT" != "$SLURMD_PORT" ] || SLURMD_PORT=$((CTLD_PORT + 1))
HOST=$(hostname -s)
CPUS=$(nproc)
EVAL_CPUS=$((CPUS < 2 ? CPUS : 2))

mungekey -c -k "$T/munge/munge.key" >/dev/null 2>&1 ||
    { dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$T/munge/munge.key"; }
MUNGE_SOCKET=$T/munge/munge.socket
munged -F -f --socket="$MUNGE_SOCKET" --key-file="$T/munge/munge.key" --pid-file="$T/munge/munged.pid" \
    --log-file="$T/log/munged.log" --seed-file="$T/munge/munged.seed" >"$T/log/munged.out" 2>&1 &
daemons+=($!)

cat >"$T/slurm.conf" <<EOF
# generated by tests/slurm-test.sh
ClusterName=stvittest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=$TASK_PLUGIN
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
Waittime=0
NodeName=stvitnode NodeHostname=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=stvitnode Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF=$T/slurm.conf

for _ in $(seq 40); do [ -S "$MUNGE_SOCKET" ] && break; sleep 0.25; done
[ -S "$MUNGE_SOCKET" ] || die "munged did not start (log: $(tail -n 3 "$T/log/munged.log" "$T/log/munged.out" 2>/dev/null))"
slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" -N stvitnode >"$T/log/slurmd.out" 2>&1 &
daemons+=($!)
state=""
for _ in $(seq 120); do
    state=$(sinfo -h -n stvitnode -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || die "the node did not come up (state '${state:-none}')"
say "one-node cluster up: $HOST, $CPUS CPUs, slurmctld port $CTLD_PORT"

# ---- inputs and the unsharded references -------------------------------------------------
SWEEP_VARS=(VARIANTS=S RES=32,48,64 BACKENDS=omp,simd BATCH=1
            "BENCH_OPTS=--quiet --min-runs 1 --warmup 0 --min-time 0 --peak 100 --no-check")
expected=$("$EVALSET_TOOL" "$T/set")   # "pictures N top1 T top5 F"
read -r _ pictures _ top1 _ top5 <<<"$expected"
WEIGHTS=$ROOT/tests/data/pub_tiny96.weights.safetensors
EVAL_VARS=(WEIGHTS="$WEIGHTS" IMAGES="$T/set/images" LABELS="$T/set/labels.txt" RES=96 BATCH=2)

env "${SWEEP_VARS[@]}" bash -c '"$0" bench --variant "$VARIANTS" --res "$RES" --backend "$BACKENDS" --batch "$BATCH" \
    --threads 1 --out "$1" $BENCH_OPTS' "$STVIT" "$T/out/whole-sweep" >/dev/null
"$STVIT" eval --weights "$WEIGHTS" --images "$T/set/images" --ground-truth "$T/set/labels.txt" --res 96 \
    --out "$T/out/whole-eval" --quiet >"$T/out/whole-eval.txt"

# ---- submit through the scripts the README shows ---------------------------------------
cd "$ROOT"
sweep=$(env "${SWEEP_VARS[@]}" STVIT="$STVIT" SHARDS=$SHARDS CPUS=1 OUT="$T/out/sweep" LOGS="$T/jobs" \
        harness/slurm/submit.sh sweep --time=00:05:00)
evaljobs=$(env "${EVAL_VARS[@]}" STVIT="$STVIT" SHARDS=$SHARDS CPUS=$EVAL_CPUS OUT="$T/out/eval" LOGS="$T/jobs" \
        harness/slurm/submit.sh eval --time=00:05:00)
say "$sweep"
say "$evaljobs"
job_ids=$(printf '%s\n%s\n' "$sweep" "$evaljobs" | sed -n 's/.*array job \([0-9]*\) .*merge job \([0-9]*\) .*/\1 \2/p')
[ "$(wc -w <<<"$job_ids")" = 4 ] || die "submit.sh did not print the job ids"

start=$SECONDS
while queue=$(squeue -h -o '%i %T %r' 2>/dev/null) && [ -n "$queue" ]; do
    # a merge whose array failed waits forever: stop at once with the shards' logs
    grep -q DependencyNeverSatisfied <<<"$queue" && { tail -n 5 "$T"/jobs/*.out; die "a shard failed: $queue"; }
    [ $((SECONDS - start)) -lt "$JOB_TIMEOUT" ] || die "jobs still queued or running after ${JOB_TIMEOUT}s: $queue"
    sleep 1
done
for j in $job_ids; do
    states=$(scontrol -o show job "$j" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr -s ' ')
    [ "$states" = " $(scontrol -o show job "$j" | wc -l) JobState=COMPLETED" ] ||
        { cat "$T"/jobs/*.out; die "job $j did not complete: $states"; }
done
say "all jobs completed in $((SECONDS - start))s"

# ---- checks ------------------------------------------------------------------------------
# The columns named in $2 (comma-separated) of CSV $1, by header name, sorted by point.
columns() {
    awk -F, -v want="$2" 'NR == 1 { n = split(want, w, ","); for (i = 1; i <= NF; i++) col[$i] = i
                                    for (j = 1; j <= n; j++) if (!(w[j] in col)) { print "no column " w[j] > "/dev/stderr"; exit 1 } ; next }
                          { line = $(col[w[1]]); for (j = 2; j <= n; j++) line = line "," $(col[w[j]]); print line }' "$1" | sort -n
}
POINT_COLS=point,points,variant,attn,res,backend,batch,threads,status
columns "$T/out/whole-sweep/bench.csv" $POINT_COLS >"$T/out/whole.points"
columns "$T/out/sweep.csv" $POINT_COLS >"$T/out/merged.points"
[ -s "$T/out/whole.points" ] || die "the unsharded sweep wrote no rows"
diff "$T/out/whole.points" "$T/out/merged.points" >&2 || die "the merged sweep's points differ from the unsharded run's"
grep -q ',failed$' "$T/out/merged.points" && die "failed points in the merged sweep"
say "sweep: merged $(wc -l <"$T/out/merged.points") points = the unsharded run's"

# Threads: omp runs the task's CPUs (SLURM_CPUS_PER_TASK, and the binding), simd one
# thread; the unsharded run above was given --threads 1 too.
columns "$T/out/sweep.csv" backend,threads | sort -u >"$T/out/threads"
printf 'omp,1\nsimd,1\n' | diff - "$T/out/threads" >&2 || die "sweep tasks given 1 CPU ran other thread counts"
cpu_count() {   # CPUs in a list such as 0-3,8,10-11
    local n=0 r
    for r in ${1//,/ }; do n=$((n + ${r#*-} - ${r%-*} + 1)); done
    echo $n
}
for k in $(seq 0 $((SHARDS - 1))); do
    for kind in sweep eval; do
        want=1; [ $kind = eval ] && want=$EVAL_CPUS
        log=$(echo "$T"/jobs/stvit-$kind-*_"$k".out)
        line=$(grep "shard $k/$SHARDS on .*cpus-per-task $want," "$log") ||
            die "$kind task $k's log does not show its allocation of $want CPUs: $(head -n 1 "$log")"
        bound=$(cpu_count "${line##*Cpus_allowed_list: }")
        [ "$TASK_PLUGIN" != task/affinity ] || [ "$bound" = "$want" ] ||
            die "$kind task $k was bound to $bound CPUs, not its $want: $line"
    done
    grep -q "backend omp, threads $EVAL_CPUS)" "$T"/jobs/stvit-eval-*_"$k".out ||
        die "eval task $k did not run $EVAL_CPUS threads: $(grep speed "$T"/jobs/stvit-eval-*_"$k".out)"
done
say "threads: sweep tasks ran 1 (omp and simd), eval tasks $EVAL_CPUS: their --cpus-per-task ($TASK_PLUGIN)"

PRED_COLS=point,points,file,label,top1,top2,top3,top4,top5,error
diff <(columns "$T/out/whole-eval/eval.csv" $PRED_COLS) <(columns "$T/out/eval.csv" $PRED_COLS) >&2 ||
    die "the merged eval predictions differ from the unsharded run's"
acc_whole=$(grep -E '^top-[15] ' "$T/out/whole-eval.txt")
acc_merged=$(grep -hE '^top-[15] ' "$T"/jobs/stvit-merge-*.out || true)   # the sweep's merge prints none
[ "$acc_merged" = "$acc_whole" ] || die "merged accuracy '$acc_merged' != unsharded '$acc_whole'"
grep -q "^top-1 .*($top1 / $pictures)" <<<"$acc_whole" && grep -q "^top-5 .*($top5 / $pictures)" <<<"$acc_whole" ||
    die "eval accuracy '$acc_whole' is not the image set's ($expected)"
say "eval: merged $pictures predictions and accuracy = the unsharded run's = the set's ($top1/$pictures top-1, $top5/$pictures top-5)"
say "passed"

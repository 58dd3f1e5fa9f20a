#!/bin/bash
# run.sh BUILD SECONDS TARGET... — runs each libFuzzer target for SECONDS, two at a
# time (this machine has two cores), and fails if any of them found a crash, a leak,
# undefined behaviour, a timeout or a broken invariant. Used by `make fuzz`.
# SECONDS 0 only replays the seeds and the corpus found so far (for libFuzzer 0 would
# mean "forever").
build=$1 secs=$2
shift 2
duration=(-max_total_time="$secs")
[ "$secs" -gt 0 ] || duration=(-runs=0)
mkdir -p "$build/logs" "$build/crashes"

run_one() {
    local t=$1 seeds=tests/fuzz/corpus/${1#fuzz_}
    local dict=() && [ -f "tests/fuzz/${t#fuzz_}.dict" ] && dict=(-dict="tests/fuzz/${t#fuzz_}.dict")
    mkdir -p "$build/corpus/$t"
    # New inputs go to the first folder; the committed seeds are only read.
    "$build/$t" "${duration[@]}" -timeout=30 -rss_limit_mb=3072 -max_len=65536 \
        -print_final_stats=1 "${dict[@]}" -artifact_prefix="$build/crashes/$t-" \
        "$build/corpus/$t" "$seeds" >"$build/logs/$t.log" 2>&1
    local rc=$?
    local runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.log")
    if [ $rc -eq 0 ]; then
        if [ "$secs" -gt 0 ]; then echo "fuzz: $t: ${runs:-?} inputs in ${secs}s, no failure"
        else echo "fuzz: $t: replayed ${runs:-?} inputs, no failure"; fi
    else
        echo "fuzz: $t: FAILED (exit $rc); log $build/logs/$t.log; last lines:"
        tail -n 40 "$build/logs/$t.log" | sed 's/^/    /'
        echo "fuzz: reproduce with: $build/$t $build/crashes/$t-<file>"
    fi
    return $rc
}

failed=0
pids=()
names=()
for t in "$@"; do
    run_one "$t" &
    pids+=($!)
    names+=("$t")
    if [ ${#pids[@]} -eq 2 ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed

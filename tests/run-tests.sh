#!/bin/sh
# Runs every cmocka test binary given; prints a summary line and fails if any failed.
pass=0; fail=0; failed=""
for t in "$@"; do
  echo "== $t"
  if "$t"; then pass=$((pass+1)); else fail=$((fail+1)); failed="$failed $t"; fi
done
echo "test programs: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }

#!/usr/bin/env bash
# loop.sh runs the gc: collect stress of an example N times in child
# processes, outside the test suite, and counts the failures: what the
# README's robustness figures come from.
#
#   generated_examples/internal/gcstress/loop.sh gc 500
#   generated_examples/internal/gcstress/loop.sh gc_preempt 500
#
# Each run is the example's TestHelper with its helper variable set to
# "stress", under GOGC=1 with GOMAXPROCS=1, GOGC=100 and GOGC=1 in turn, with
# GODEBUG unset (New turns stack shrinking off itself). A failed run prints
# the head of its output.
set -uo pipefail
cd "$(dirname "$0")/../../.."
example=${1:?usage: loop.sh gc|gc_preempt [runs]}
runs=${2:-500}
case $example in
gc) var=GC_TEST_HELPER ;;
gc_preempt) var=GC_PREEMPT_TEST_HELPER ;;
*) echo "loop.sh: unknown example $example (gc or gc_preempt)" >&2; exit 2 ;;
esac
bin=$(mktemp -d)/stress.test
go test -c -o "$bin" "./generated_examples/$example" || exit 1
cd "generated_examples/$example"
fail=0
for i in $(seq 1 "$runs"); do
  case $((i % 3)) in
  0) envs=(GOGC=1) ;;
  1) envs=(GOGC=1 GOMAXPROCS=1) ;;
  2) envs=(GOGC=100) ;;
  esac
  out=$(env -u GODEBUG "${envs[@]}" "$var=stress" timeout 60 "$bin" -test.run '^TestHelper$' -test.v 2>&1)
  rc=$?
  if [[ $rc -ne 0 ]] || ! grep -q '^--- PASS: TestHelper' <<<"$out"; then
    fail=$((fail + 1))
    echo "run $i (${envs[*]}): exit $rc"
    head -n 40 <<<"$out"
  fi
done
rm -rf "$(dirname "$bin")"
echo "$example: $runs runs, $fail failed"
[[ $fail -eq 0 ]]

#!/usr/bin/env bash
# gcloop.sh runs the gc: collect stress of an example N times in child
# processes, outside the test suite, and counts the failures: what the
# robustness figures of docs/gc.md come from.
#
#   conformance/gcloop.sh gc 500           # conformance/gc
#   conformance/gcloop.sh gc_preempt 500   # conformance/gcpreempt
#
# Each run is the conformance package's TestHelper with its helper variable
# set to "stress", under GOGC=1 with GOMAXPROCS=1, GOGC=100 and GOGC=1 in
# turn, with GODEBUG unset (New turns stack shrinking off itself). A failed
# run prints the head of its output.
set -uo pipefail
cd "$(dirname "$0")/.."
example=${1:?usage: gcloop.sh gc|gc_preempt [runs]}
runs=${2:-500}
case $example in
gc) var=GC_TEST_HELPER pkg=gc ;;
gc_preempt) var=GC_PREEMPT_TEST_HELPER pkg=gcpreempt ;;
*) echo "gcloop.sh: unknown example $example (gc or gc_preempt)" >&2; exit 2 ;;
esac
bin=$(mktemp -d)/stress.test
go test -c -o "$bin" "./conformance/$pkg" || exit 1
cd "conformance/$pkg"
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

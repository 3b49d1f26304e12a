#!/bin/sh
# make check: unit tests, then end-to-end tests; ends with one line
# "N passed, N failed".
set -u
build=$1; shift
log=$(mktemp); trap 'rm -f "$log"' EXIT
scripts/run-unit.sh "$@" | tee "$log"
tests/e2e/run.sh "$build" | tee -a "$log"
tests/posix/run.sh "$build" | tee -a "$log"
pass=0; fail=0
for l in $(sed -n 's/^\(unit\|e2e\|posix\): \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2:\3/p' "$log"); do
	pass=$((pass + ${l%%:*})); fail=$((fail + ${l##*:}))
done
grep -q '^unit: [0-9]' "$log" || fail=$((fail + 1))
grep -q '^e2e: [0-9]' "$log" || fail=$((fail + 1))
grep -q '^posix: [0-9]' "$log" || fail=$((fail + 1))
known=$(sed -n 's/^posix: .*, \([0-9]*\) known differences.*/\1/p' "$log")
[ -z "$known" ] || echo "($known known POSIX differences, listed in tests/posix/known-differences.txt, are not counted)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

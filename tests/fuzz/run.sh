#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer target of a build for SECONDS each, starting from the
# committed seeds, and print the executions per target. Builds nothing:
# configure the build with CC=clang --enable-fuzzing and `make` it first.
#   tests/fuzz/run.sh SECONDS [BUILDDIR]    (BUILDDIR defaults to .)
# New coverage goes to BUILDDIR/tests/fuzz/work/NAME (the seeds are never
# written); crashes to BUILDDIR/tests/fuzz/crash/NAME/. Exit status 1 when a
# target crashed or is missing.
set -u

secs=${1:?usage: run.sh SECONDS [BUILDDIR]}
build=${2:-.}
here=$(cd "$(dirname "$0")" && pwd)
status=0

case $secs in
*[!0-9]* | '') echo "run.sh: SECONDS must be a number" >&2; exit 2 ;;
esac

for src in "$here"/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=$build/tests/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "$name: MISSING ($bin not built; configure with --enable-fuzzing)"
		status=1
		continue
	fi
	work=$build/tests/fuzz/work/$name
	crash=$build/tests/fuzz/crash/$name
	log=$build/tests/fuzz/work/$name.log
	mkdir -p "$work" "$crash"
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$crash/" "$work" "$here/corpus/$name" >"$log" 2>&1
	rc=$?
	# The final stats line; a crash ends the run before it, so fall back
	# to the last progress line "#N ...".
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "$name: ${execs:-?} executions in ${secs}s, no crash"
	else
		echo "$name: CRASH after ${execs:-?} executions (exit $rc); see $log and $crash/"
		status=1
	fi
done
exit $status

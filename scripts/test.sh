#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The test command: install missing dependencies, build in build/ and run the
# whole suite, then build again in build-san/ with ASan+UBSan and run it
# again. Run as root on Debian 12 (the network tests need namespaces; without
# root they are skipped). Exit status 0 only when both runs pass.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

s6_install_deps || exit 1
s6_bootstrap force || exit 1

failed_builds=()

# run_suite DIR [CONFIGURE ARGS...]
run_suite()
{
	local dir=$1
	shift
	s6_say "build $dir $*"
	if ! s6_build "$dir" "$@"; then
		echo "socks6ify: build failed in $dir" >&2
		failed_builds+=("$dir (build)")
		return
	fi
	s6_say "make check in $dir"
	if ! (cd "$dir" && make -s -j2 check); then
		[ -f "$dir/test-suite.log" ] && cat "$dir/test-suite.log"
		failed_builds+=("$dir")
	fi
}

# Results of the last run from the .trs files of both build directories.
count()
{
	find build build-san -name '*.trs' -exec grep -h '^:test-result:' {} + 2>/dev/null |
		grep -c -E ":test-result: ($1)\$"
}

rm -f build/test-suite.log build-san/test-suite.log
find build build-san -name '*.trs' -delete 2>/dev/null
run_suite build
run_suite build-san --enable-sanitizers

passed=$(count 'PASS|XFAIL')
failed=$(count 'FAIL|XPASS|ERROR')
skipped=$(count 'SKIP')
echo "socks6ify: results of build/ and build-san/ together:"
echo "socks6ify: $passed passed, $failed failed, $skipped skipped"
if [ ${#failed_builds[@]} -gt 0 ] || [ "$failed" != 0 ]; then
	echo "socks6ify: FAILED: ${failed_builds[*]}" >&2
	exit 1
fi
exit 0

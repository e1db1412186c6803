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

# The installed layout: socks6ify must find libsocks6ify.so in $(pkglibdir)
# of its own prefix, not in the build tree.
install_check()
{
	local root=$PWD/build-inst/root preload
	s6_say "install check in build-inst/"
	rm -rf build-inst
	if ! s6_build build-inst --prefix="$root" || ! (cd build-inst && make -s install >/dev/null); then
		failed_builds+=("build-inst (install)")
		return
	fi
	preload=$(SOCKS6IFY_CONF= "$root/bin/socks6ify" -q -p socks4a://127.0.0.1:1 sh -c 'echo "$LD_PRELOAD"')
	if [ "$preload" = "$root/lib/socks6ify/libsocks6ify.so" ] && [ -f "$preload" ]; then
		echo "PASS: installed socks6ify preloads $preload"
		install_result=PASS
	else
		echo "FAIL: installed socks6ify preloads '$preload', expected $root/lib/socks6ify/libsocks6ify.so"
		failed_builds+=("build-inst (library lookup)")
		install_result=FAIL
	fi
}
install_result=FAIL
install_check

passed=$(count 'PASS|XFAIL')
failed=$(count 'FAIL|XPASS|ERROR')
skipped=$(count 'SKIP')
if [ "$install_result" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "socks6ify: results of build/ and build-san/ together:"
echo "socks6ify: $passed passed, $failed failed, $skipped skipped"
if [ ${#failed_builds[@]} -gt 0 ] || [ "$failed" != 0 ]; then
	echo "socks6ify: FAILED: ${failed_builds[*]}" >&2
	exit 1
fi
exit 0

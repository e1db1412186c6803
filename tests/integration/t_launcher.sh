#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The launcher (bin/socks6ify, src/launch/) against the full command
# (socks6ify-cli) it stands in for: same exit status, same stdout, same
# stderr, same environment for the program, on its own fast path and on
# every case it hands over. No network needed.
. "$(dirname "$0")/lib.sh"

CLI=$S6_BUILDDIR/socks6ify-cli
require_built "$S6_BIN" "$CLI"
LIB=$S6_BUILDDIR/preload/.libs/libsocks6ify.so
unset SOCKS6IFY_PROXY SOCKS6IFY_CONF SOCKS6IFY_LOG_LEVEL SOCKS6IFY_LIBRARY SOCKS6IFY_CLI
export HOME=$S6_TMP/home XDG_CONFIG_HOME=$S6_TMP/home/.config
mkdir -p "$HOME"
P=socks4a://127.0.0.1:1
NOCLI=$S6_TMP/no-such-cli
# The ASan-built full command, run directly under another LD_PRELOAD, would
# insist on its runtime coming first; the launcher does not care.
[ "$S6_SANITIZERS" = yes ] && s6_wrapped_env=(ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0)

# No C library and no loader where configure builds it that way.
case $(uname -m) in
x86_64|aarch64)
	readelf -lW "$S6_BIN" | grep -q 'INTERP' && fail "the launcher has a PT_INTERP"
	readelf -d "$S6_BIN" | grep -q 'NEEDED' && fail "the launcher has DT_NEEDED entries"
	pass "the launcher is static: no PT_INTERP, no DT_NEEDED"
	;;
*) echo "# $(uname -m): the launcher is built with libc, static checks left out" ;;
esac

# The program's environment, minus what the shells in between change.
l6_norm()
{
	grep -vE '^(_|SHLVL)=' "$1"
}

# exec with another argv[0], leaving the environment and its order alone
# (a shell would export it in its own order).
L6_EXEC='import os, sys; os.execv(sys.argv[1], sys.argv[2:])'
export PYTHONCOERCECLOCALE=0

# l6_compare NAME ARGS...: run the full command directly under the launcher's
# argv[0] (NAME.c) and the launcher (NAME.l) in the same environment (the
# caller's, plus env(1)'s arguments "${L6_ENV[@]}"); SOCKS6IFY_CLI=$L6_CLI.
l6_compare()
{
	local name=$1 rc_c
	shift
	run "$name.c" env "${L6_ENV[@]}" "${s6_wrapped_env[@]}" SOCKS6IFY_CLI="$L6_CLI" \
		timeout 30 "$S6_PYTHON" -c "$L6_EXEC" "$CLI" "$S6_BIN" "$@"
	rc_c=$RC
	run "$name.l" env "${L6_ENV[@]}" "${s6_wrapped_env[@]}" SOCKS6IFY_CLI="$L6_CLI" \
		timeout 30 "$S6_BIN" "$@"
	[ "$RC" = "$rc_c" ] || fail_last "$name: launcher exits $RC, the full command $rc_c"
	diff <(l6_norm "$S6_TMP/$name.c.out") <(l6_norm "$S6_TMP/$name.l.out") >"$S6_TMP/$name.diff" ||
		fail_last "$name: stdout differs: $(cat "$S6_TMP/$name.diff")"
	diff "$S6_TMP/$name.c.err" "$S6_TMP/$name.l.err" >"$S6_TMP/$name.diff" ||
		fail_last "$name: stderr differs: $(cat "$S6_TMP/$name.diff")"
}

# fast NAME ARGS...: the launcher handles it alone (the full command it
# would hand over to does not exist) and behaves as the full command.
fast()
{
	L6_CLI=$NOCLI
	l6_compare "$@"
	pass "$1: fast path, as the full command (exit $RC)"
}

# handover NAME ARGS...: the launcher hands it to the full command (without
# one it fails), and the result is the full command's.
handover()
{
	local name=$1
	L6_CLI=
	l6_compare "$@"
	L6_RC=$RC
	shift
	run "$name.n" env "${L6_ENV[@]}" "${s6_wrapped_env[@]}" SOCKS6IFY_CLI="$NOCLI" \
		timeout 30 "$S6_BIN" "$@"
	[ "$RC" = 127 ] && grep -q "cannot run $NOCLI" "$S6_TMP/$name.n.err" ||
		fail_last "$name: the launcher did not hand over to the full command"
	S6_LAST=$name.l RC=$L6_RC # what the expect_* checks after this look at
	pass "$name: handed over, as the full command (exit $RC)"
}
L6_ENV=()

GOOD=$(conf good "proxy $P")
BAD=$(conf bad '# comment' "proxy $P" 'no-such-key 1')
# Another preload library that does nothing (every program on either path
# loads it, so it must load cleanly).
OTHER=$S6_TMP/other.so
printf 'int l6_other;\n' >"$S6_TMP/other.c"
gcc -shared -fPIC -o "$OTHER" "$S6_TMP/other.c" || fail "cannot build $OTHER"

# --- Environment the program sees.
fast env-q -q -f "$GOOD" env
grep -qx "SOCKS6IFY_CONF=$(realpath "$GOOD")" "$S6_TMP/env-q.l.out" ||
	fail_last "SOCKS6IFY_CONF is not the absolute -f file"
grep -qE "^LD_PRELOAD=([^ ]*libasan[^ ]* )?$LIB$" "$S6_TMP/env-q.l.out" ||
	fail_last "LD_PRELOAD does not name the library"
grep -qx 'SOCKS6IFY_LOG_LEVEL=quiet' "$S6_TMP/env-q.l.out" || fail_last "-q is not passed on"
grep -q '^SOCKS6IFY_LAUNCH_CONF=' "$S6_TMP/env-q.l.out" &&
	fail_last "the launcher's mark reached the program"
pass "env: the program gets the variables the full command sets, not the mark"
L6_ENV=(LD_PRELOAD="$OTHER" SOCKS6IFY_PROXY=socks4a://192.0.2.1:9 SOCKS6IFY_LOG_LEVEL=error)
fast env-vv -v -v -p "$P" env
grep -qE "^LD_PRELOAD=([^ ]*libasan[^ ]* )?$LIB $OTHER$" "$S6_TMP/env-vv.l.out" ||
	fail_last "the earlier LD_PRELOAD is not kept after ours"
fast env-cluster -vqp"$P" env
fast env-long --proxy="$P" --config "$GOOD" --verbose --allow-unproxied env
fast env-dashdash -p "$P" -f "$GOOD" -- env
L6_ENV=()
(cd "$S6_TMP" && cp "$GOOD" rel.conf && cp "$BAD" rel-bad.conf)
L6_ENV=(-C "$S6_TMP")
fast env-relative -f rel.conf env
fast badconf-relative -f rel-bad.conf true
expect_err '^socks6ify: rel-bad\.conf:3: ' "a relative file is named as given"
L6_ENV=()
mkdir -p "$XDG_CONFIG_HOME/socks6ify" && cp "$GOOD" "$XDG_CONFIG_HOME/socks6ify/socks6ify.conf"
fast env-xdg env
rm "$XDG_CONFIG_HOME/socks6ify/socks6ify.conf"
fast child-mark -p "$P" sh -c 'env | grep -c SOCKS6IFY_LAUNCH_CONF; exit 0'
expect_out '^0$' "the mark is gone for the program's children"

# --- Arguments and statuses.
fast args -p "$P" sh -c 'printf "[%s]" "$@"' sh "a b" "" " c " "-v"
expect_out '^\[a b\]\[\]\[ c \]\[-v\]$' "arguments with spaces and empty ones arrive unchanged"
fast status -p "$P" sh -c 'exit 42'
expect_rc 42 "the program's exit status is passed through"
fast cmdopts -p "$P" sh -c 'echo "$1"' sh -v

# --- Configuration errors: the library refuses them in the program.
fast badconf -f "$BAD" true
[ "$(wc -l <"$S6_TMP/badconf.l.err")" = 1 ] || fail_last "the configuration error is not one line"
expect_err "^socks6ify: $BAD:3: " "the configuration error names file:line"
fast noproxy true
expect_err '^socks6ify: no proxy configured' "no proxy configured is explained"
fast badurl -p socks9://127.0.0.1:1 true
fast badurl-v6 -f "$GOOD" -p 'socks4a://[::1' true
SECRET=$(conf secret "proxy $P" 'username alice' 'password hunter2')
chmod 644 "$SECRET"
fast perms644 -f "$SECRET" true
L6_ENV=(SOCKS6IFY_CONF="$BAD")
fast envconf true
fast fwins -f "$GOOD" true
L6_ENV=(SOCKS6IFY_CONF=)
fast envconf-empty -p "$P" env
L6_ENV=()

# --- PATH search: empty elements are the current directory, files that
# are not executable are passed over.
mkdir -p "$S6_TMP/a" "$S6_TMP/b" "$S6_TMP/cwd"
printf '#!/bin/sh\necho %s\n' a >"$S6_TMP/a/l6tool"
printf '#!/bin/sh\necho %s\n' b >"$S6_TMP/b/l6tool"
printf '#!/bin/sh\necho %s\n' cwd >"$S6_TMP/cwd/l6tool"
chmod 644 "$S6_TMP/a/l6tool"
chmod 755 "$S6_TMP/b/l6tool" "$S6_TMP/cwd/l6tool"
L6_ENV=(-C "$S6_TMP/cwd" PATH="$S6_TMP/a::$S6_TMP/b:/usr/bin:/bin")
fast path-empty -p "$P" l6tool
expect_out '^cwd$' "an empty PATH element is the current directory"
L6_ENV=(-C "$S6_TMP/cwd" PATH="$S6_TMP/a:$S6_TMP/b:/usr/bin:/bin")
fast path-noexec -p "$P" l6tool
expect_out '^b$' "a non-executable hit is passed over"
L6_ENV=()

# --- Handed over: the full command decides, with its messages.
handover notfound -p "$P" s6-no-such-command-$$
expect_err 'command not found' "a missing command is reported"
printf '#!/bin/sh\n' >"$S6_TMP/noexec"
chmod 644 "$S6_TMP/noexec"
handover noexec -p "$P" "$S6_TMP/noexec"
handover notfound-badconf -f "$BAD" s6-no-such-command-$$
expect_err "^socks6ify: $BAD:3: " "the configuration is judged first, as before"
handover help --help
handover version --version
handover badopt --no-such-option true
handover abbrev --prox "$P" true
handover noarg -p
handover nocmd -p "$P"
handover on -p "$P" on
handover shell-cmd -p "$P" --shell true
handover dashcmd -p "$P" -- -x
cp /bin/true "$S6_TMP/suid-true"
if chown nobody "$S6_TMP/suid-true" 2>/dev/null && chmod 4755 "$S6_TMP/suid-true" &&
	[ "$(id -u)" != "$(stat -c %u "$S6_TMP/suid-true")" ]; then
	handover suid -p "$P" "$S6_TMP/suid-true"
	expect_err 'suid-true is setuid: LD_PRELOAD cannot take effect.*--allow-unproxied' \
		"a setuid copy is refused (fail closed)"
	handover suid-allow -p "$P" --allow-unproxied "$S6_TMP/suid-true"
	expect_err 'warning: .*suid-true is setuid' "--allow-unproxied warns"
	printf '#!%s\n' "$S6_TMP/suid-true" >"$S6_TMP/suid-script"
	chmod 755 "$S6_TMP/suid-script"
	handover suid-script -p "$P" "$S6_TMP/suid-script"
else
	echo "# cannot make a setuid copy: setuid checks left out"
fi
printf 'int main(void) { return 7; }\n' >"$S6_TMP/static.c"
if command -v gcc >/dev/null && gcc -static -o "$S6_TMP/static" "$S6_TMP/static.c" 2>/dev/null; then
	handover static -p "$P" "$S6_TMP/static"
	expect_err 'static is statically linked' "a static program is refused (fail closed)"
	printf 'proxy %s\nfail open\n' "$P" >"$S6_TMP/open.conf"
	handover static-open -f "$S6_TMP/open.conf" "$S6_TMP/static"
	[ "$L6_RC" = 7 ] && grep -q 'warning: .*statically linked' "$S6_TMP/static-open.l.err" ||
		fail "with fail open the static program is not run with a warning"
	pass "with fail open the static program runs with a warning"
else
	echo "# gcc -static unavailable: static program checks left out"
fi

finish

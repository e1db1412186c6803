#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The socks6ify command: options, exit statuses, configuration errors, and
# what the preload library exports and links against. No network needed.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN"
LIB=$S6_BUILDDIR/preload/.libs/libsocks6ify.so
[ -f "$LIB" ] || fail "not built: $LIB"
# Keep the user's environment out of the way.
unset SOCKS6IFY_PROXY SOCKS6IFY_CONF SOCKS6IFY_LOG_LEVEL SOCKS6IFY_LIBRARY
export HOME=$S6_TMP/home XDG_CONFIG_HOME=$S6_TMP/home/.config
mkdir -p "$HOME"
P=socks4a://127.0.0.1:1

run help s6 --help
expect_rc 0 "--help exits 0"
expect_out '^Usage: socks6ify' "--help prints the usage"

run version s6 --version
expect_rc 0 "--version exits 0"
expect_out '^socks6ify [0-9]+\.[0-9]+' "--version prints the version"

run nocmd s6 -p "$P"
expect_rc 2 "no command exits 2"
expect_err 'missing COMMAND' "no command is explained"

run badopt s6 --no-such-option true
expect_rc 2 "unknown option exits 2"

run notfound s6 -p "$P" s6-no-such-command-$$
expect_rc 127 "command not found exits 127"
expect_err 'command not found' "command not found is explained"

printf '#!/bin/sh\n' >"$S6_TMP/noexec"
chmod 644 "$S6_TMP/noexec"
run noexec s6 -p "$P" "$S6_TMP/noexec"
expect_rc 126 "command not executable exits 126"

run status s6 -p "$P" sh -c 'exit 42'
expect_rc 42 "the command's exit status is passed through"

# Options after COMMAND belong to COMMAND.
run cmdopts s6 -p "$P" sh -c 'echo "$1"' sh -v
expect_rc 0 "options after COMMAND are COMMAND's"
expect_out '^-v$' "COMMAND receives its own options"

# A bad key on line 3: exactly one line naming file:line.
CONF=$S6_TMP/bad.conf
printf '# comment\nproxy %s\nno-such-key 1\n' "$P" >"$CONF"
run badconf s6 -f "$CONF" true
expect_rc 2 "configuration error exits 2"
[ "$(wc -l <"$S6_TMP/badconf.err")" = 1 ] || fail_last "configuration error is not one line"
expect_err "^socks6ify: $CONF:3: " "configuration error names file:line"

run scheme s6 -p 'https://127.0.0.1:1080/{target' true
expect_rc 2 "bad CONNECT-IP template exits 2"
expect_err 'bad URI template' "bad CONNECT-IP template is explained"

run noproxy s6 true
expect_rc 2 "no proxy configured exits 2"
expect_err 'no proxy' "no proxy configured is explained"

# A file with a password must not be readable by others.
SECRET=$S6_TMP/secret.conf
printf 'proxy %s\nusername alice\npassword hunter2\n' "$P" >"$SECRET"
chmod 644 "$SECRET"
run perms644 s6 -f "$SECRET" true
expect_rc 2 "password file with mode 644 is refused"
expect_err "$SECRET" "the refused file is named"
chmod 600 "$SECRET"
run perms600 s6 -f "$SECRET" sh -c 'exit 5'
expect_rc 5 "password file with mode 600 is accepted"

# SOCKS6IFY_PROXY alone is enough; the program sees the proxy.
run envproxy env SOCKS6IFY_PROXY="$P" "${s6_wrapped_env[@]}" timeout 30 "$S6_BIN" \
	sh -c 'echo "proxy=$SOCKS6IFY_PROXY preload=$LD_PRELOAD"'
expect_rc 0 "SOCKS6IFY_PROXY is honoured"
expect_out 'libsocks6ify\.so' "the program runs with the preload library"

# -f wins over SOCKS6IFY_CONF: the environment points at a broken file.
GOOD=$S6_TMP/good.conf
printf 'proxy %s\n' "$P" >"$GOOD"
run fwins env SOCKS6IFY_CONF="$CONF" "${s6_wrapped_env[@]}" timeout 30 "$S6_BIN" \
	-f "$GOOD" sh -c 'echo "conf=$SOCKS6IFY_CONF"'
expect_rc 0 "-f overrides SOCKS6IFY_CONF"
expect_out "^conf=.*good\.conf$" "the program sees the -f file"
run envconf env SOCKS6IFY_CONF="$CONF" "${s6_wrapped_env[@]}" timeout 30 "$S6_BIN" true
expect_rc 2 "SOCKS6IFY_CONF is read when -f is absent"

# Programs LD_PRELOAD cannot reach: refused when failing closed (126, one
# line), run with a warning under --allow-unproxied or `fail open`.
cp /bin/true "$S6_TMP/suid-true"
chown nobody "$S6_TMP/suid-true" 2>/dev/null && chmod 4755 "$S6_TMP/suid-true" &&
	[ "$(id -u)" != "$(stat -c %u "$S6_TMP/suid-true")" ] || skip "cannot make a setuid copy"
run suid s6 -p "$P" "$S6_TMP/suid-true"
expect_rc 126 "a setuid program is refused (fail closed)"
[ "$(wc -l <"$S6_TMP/suid.err")" = 1 ] || fail_last "the refusal is not one line"
expect_err 'suid-true is setuid: LD_PRELOAD cannot take effect.*--allow-unproxied' \
	"the refusal says why and how to override"
run suid-allow s6 -p "$P" --allow-unproxied "$S6_TMP/suid-true"
expect_rc 0 "--allow-unproxied runs the setuid program"
expect_err 'warning: .*suid-true is setuid' "--allow-unproxied warns"
cp /bin/true "$S6_TMP/own-suid-true"
chmod 4755 "$S6_TMP/own-suid-true"
run own-suid s6 -p "$P" "$S6_TMP/own-suid-true"
expect_rc 0 "a setuid program owned by the caller changes no ids and runs"
printf '#!%s\n' "$S6_TMP/suid-true" >"$S6_TMP/suid-script"
chmod 755 "$S6_TMP/suid-script"
run suid-script s6 -p "$P" "$S6_TMP/suid-script"
expect_rc 126 "a script whose interpreter is setuid is refused"
expect_err 'suid-script: its interpreter .*suid-true is setuid' "the interpreter is named"
if command -v setcap >/dev/null && cp /bin/true "$S6_TMP/cap-true" &&
	setcap cap_net_raw+ep "$S6_TMP/cap-true" 2>/dev/null; then
	run cap s6 -p "$P" "$S6_TMP/cap-true"
	expect_rc 126 "a program with file capabilities is refused"
	expect_err 'file capabilities' "the refusal names the capabilities"
fi
printf 'int main(void) { return 7; }\n' >"$S6_TMP/static.c"
if command -v gcc >/dev/null && gcc -static -o "$S6_TMP/static" "$S6_TMP/static.c" 2>/dev/null; then
	run static s6 -p "$P" "$S6_TMP/static"
	expect_rc 126 "a statically linked program is refused (fail closed)"
	expect_err 'static is statically linked' "the refusal says it is static"
	printf 'proxy %s\nfail open\n' "$P" >"$S6_TMP/open.conf"
	run static-open s6 -f "$S6_TMP/open.conf" "$S6_TMP/static"
	expect_rc 7 "with fail open the static program runs"
	expect_err 'warning: .*statically linked' "with fail open it is warned about"
	printf '#!%s\n' "$S6_TMP/static" >"$S6_TMP/static-script"
	chmod 755 "$S6_TMP/static-script"
	run static-script s6 -p "$P" "$S6_TMP/static-script"
	expect_rc 126 "a script whose interpreter is static is refused"
else
	echo "# gcc -static unavailable: static program checks left out"
fi
run dynamic s6 -p "$P" sh -c 'exit 3'
expect_rc 3 "a dynamic program from PATH runs without a warning"
[ ! -s "$S6_TMP/dynamic.err" ] || fail_last "a dynamic program got a warning"

# Shell use: eval "$(socks6ify on)" proxies the shell's next commands, off
# removes exactly what on added (another LD_PRELOAD entry stays).
OTHER=$S6_TMP/other.so
cat >"$S6_TMP/conn.py" <<'PYEOF'
import socket
try:
    socket.create_connection(("192.0.2.99", 80), timeout=5)
    print("connected")
except OSError as e:
    print("errno", e.errno)
PYEOF
cat >"$S6_TMP/shell.sh" <<SHEOF
set -e
export LD_PRELOAD=$OTHER SOCKS6IFY_PROXY=
eval "\$($S6_BIN -p $P -v on)"
echo "on: \$LD_PRELOAD | \$SOCKS6IFY_PROXY | \$SOCKS6IFY_LOG_LEVEL"
eval "\$($S6_BIN -p $P -v on)"
echo "again: \$LD_PRELOAD"
$S6_PYTHON $S6_TMP/conn.py
eval "\$($S6_BIN off)"
echo "off: \$LD_PRELOAD | \${SOCKS6IFY_PROXY-unset} | \${SOCKS6IFY_LOG_LEVEL-unset} | \${SOCKS6IFY_SHELL_VARS-unset}"
$S6_PYTHON $S6_TMP/conn.py
SHEOF
touch "$OTHER"   # not a library: ld.so skips it with a warning
run shell-on env "${s6_wrapped_env[@]}" timeout 30 bash "$S6_TMP/shell.sh"
expect_rc 0 "eval of on and off runs in bash"
expect_out "^on: ([^ ]*libasan[^ ]* )?$LIB $OTHER \| $P \| info$" \
	"on exports LD_PRELOAD (ours in front, the other kept) and SOCKS6IFY_*"
expect_out "^again: ([^ ]*libasan[^ ]* )?$LIB $OTHER$" "on twice does not stack our library"
expect_err "proxy $P target 192\.0\.2\.99:80" "after on, a connect goes to the proxy"
expect_out "^errno 111$" "the proxied connect fails as the proxy does (ECONNREFUSED)"
expect_out "^off: $OTHER \| unset \| unset \| unset$" "off removes exactly what on added"
[ "$(grep -c 'target 192\.0\.2\.99:80' "$S6_TMP/shell-on.err")" = 1 ] ||
	fail_last "after off, the connect still went to the proxy"
pass "after off, the connect is no longer proxied"

printf 'echo "shell: $LD_PRELOAD | $SOCKS6IFY_PROXY"\n' >"$S6_TMP/rc.sh"
run shell-opt sh -c "exec env SHELL=/bin/bash ${s6_wrapped_env[*]} timeout 30 '$S6_BIN' -p '$P' --shell <'$S6_TMP/rc.sh'"
expect_rc 0 "--shell runs \$SHELL"
expect_out "^shell: .*libsocks6ify\.so.* \| $P$" "the shell started by --shell is proxied"
run shell-cmd s6 -p "$P" --shell true
expect_rc 2 "--shell with a COMMAND is a usage error"

# Only the hooked entry points are exported (the version script's list).
ALLOWED=$(sed -n '/global:/,/local:/p' "$S6_SRCDIR/preload/libsocks6ify.map" |
	sed -nE 's/^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*);.*/\1/p' | sort -u)
[ -n "$ALLOWED" ] || fail "cannot read the export list from libsocks6ify.map"
EXPORTED=$(nm -D --defined-only "$LIB" | awk 'NF >= 3 && $2 ~ /[TWiV]/ {print $3}' |
	sed 's/@.*//' | sort -u)
EXTRA=$(comm -13 <(echo "$ALLOWED") <(echo "$EXPORTED"))
[ -z "$EXTRA" ] || fail "libsocks6ify.so exports more than the hooks: $(echo $EXTRA)"
echo "$EXPORTED" | grep -qx connect || fail "libsocks6ify.so does not export connect"
echo "$EXPORTED" | grep -qx getaddrinfo || fail "libsocks6ify.so does not export getaddrinfo"
pass "libsocks6ify.so exports only hook symbols ($(echo "$EXPORTED" | wc -l))"

# It links only the C library (the sanitizers bring their own runtimes).
if [ "$S6_SANITIZERS" != yes ]; then
	NEEDED=$(readelf -d "$LIB" | sed -nE 's/.*\(NEEDED\).*\[(.*)\].*/\1/p')
	for n in $NEEDED; do
		case $n in
		libc.so.*|libdl.so.*|ld-linux*.so.*) ;;
		*) fail "libsocks6ify.so links $n (NEEDED: $(echo $NEEDED))" ;;
		esac
	done
	pass "libsocks6ify.so links only libc/libdl/ld-linux ($(echo $NEEDED))"
fi

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The engine (socks6+tls) and a runtime directory it cannot write: each case
# runs in a private mount namespace (unshare -m) whose $XDG_RUNTIME_DIR is a
# 64 KiB tmpfs of its own. A full one (engine.secret cannot be written) and a
# read-only one: the program's connect fails at once with ECONNREFUSED and
# the reason on its stderr, and nothing reaches the target directly. An
# engine that crashed (kill -9, stale engine.port) on a disk that then
# filled up: the next program starts a new engine and connects. A session
# store that cannot be laid out on the full disk: no SIGBUS, the program's
# sessions stay in the process and it connects.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

require_root
require_cmd openssl unshare mount
ENGINE=$S6_BUILDDIR/src/engine/socks6ify-engine
require_built "$S6_BIN" "$S6_SERVER_BIN" "$ENGINE"
unshare -m --propagation private true 2>/dev/null || skip "unshare -m unusable"
PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
chmod 600 "$PKI"/*.key

bg_start web "$S6_PYTHON" -m http.server 0 --bind 127.0.0.1 --directory "$S6_TMP"
wait_for_log 'Serving HTTP on 127.0.0.1 port [0-9]+' "$S6_TMP/web.out" 10 || fail "web server did not start"
WPORT=$(sed -nE 's/.*port ([0-9]+).*/\1/p' "$S6_TMP/web.out" | head -n 1)
echo "disk-$$" >"$S6_TMP/index.html"
start_server -v --socks6-tls 127.0.0.1:0 --cert "$PKI/server.pem" --key "$PKI/server.key"
CONF=$(conf tls "proxy socks6+tls://127.0.0.1:$S6_SERVER_PORT" "ca-file $PKI/ca.pem" "engine-idle 30")
PROBE='import socket
s = socket.socket()
try:
    s.connect(("127.0.0.1", '"$WPORT"'))
    s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
    print("connected" if b"disk-" in s.makefile("rb").read() else "no page")
except OSError as e:
    print("errno", e.errno)'

# Runs in the new mount namespace: mount the tmpfs, then the steps in order.
# An engine started here lives in this namespace: it is stopped at the end.
cat >"$S6_TMP/inns.sh" <<'EOF'
set -u
rt=$1 opts=$2 tmp=$3
shift 3
mount -t tmpfs -o "size=64k,mode=0700,$opts" s6disk "$rt" || exit 3
export XDG_RUNTIME_DIR=$rt
edir=$rt/socks6ify
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	case $1 in
	fill) dd if=/dev/zero of="$rt/fill-$RANDOM" bs=4k 2>/dev/null ;;
	kill) kill -KILL "$(awk '{print $5}' "$edir/engine.port")" && sleep 0.2 ;;
	rmsess) rm -f "$edir/sessions" ;;
	pid=*) awk '{print $5}' "$edir/engine.port" >"$tmp/${1#pid=}" 2>/dev/null ;;
	run=*) # the command after --, timed in ms
		name=${1#run=}
		args=("$@")
		while [ "${args[0]}" != -- ]; do args=("${args[@]:1}"); done
		t0=$(date +%s%3N)
		"${args[@]:1}" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
		echo $(($(date +%s%3N) - t0)) >"$tmp/$name.ms" ;;
	esac
	shift
done
[ -f "$edir/engine.port" ] && kill -TERM "$(awk '{print $5}' "$edir/engine.port")" 2>/dev/null
exit 0
EOF
RT=$S6_TMP/rt
mkdir -m 0700 "$RT"
inns() { # MOUNT-OPTIONS STEP...: one private namespace and tmpfs
	local opts=$1
	shift
	unshare -m --propagation private bash "$S6_TMP/inns.sh" "$RT" "$opts" "$S6_TMP" "$@" -- \
		env SOCKS6IFY_ENGINE="$ENGINE" "${s6_wrapped_env[@]}" timeout 20 \
		"$S6_BIN" -f "$CONF" "$S6_PYTHON" -c "$PROBE" ||
		fail "cannot run in a private mount namespace (rc $?)"
}
gets() { grep -c 'GET /index.html' "$S6_TMP/web.err"; }
refused() { # NAME WHAT REASON-REGEX
	S6_LAST=$1
	OUT=$(cat "$S6_TMP/$1.out")
	ERR=$(cat "$S6_TMP/$1.err")
	expect_out '^errno 111$' "$2: connect fails with ECONNREFUSED"
	expect_err "^socks6ify: proxy socks6\+tls://127.0.0.1:$S6_SERVER_PORT target 127.0.0.1:$WPORT: cannot reach proxy: engine: cannot start: $3\$" \
		"$2: one line on the program's stderr names proxy, target and reason"
	[ "$(grep -c . "$S6_TMP/$1.err")" = 1 ] || fail_last "$2: not exactly one line on stderr"
	[ "$(cat "$S6_TMP/$1.ms")" -lt 2500 ] || fail_last "$2: took $(cat "$S6_TMP/$1.ms") ms"
	pass "$2: no wait for a port file that cannot come ($(cat "$S6_TMP/$1.ms") ms)"
}

# ---- a full runtime directory: the engine cannot write engine.secret
g0=$(gets)
inns "" fill run=full
refused full "full disk" "cannot write $RT/socks6ify/engine.secret: No space left on device"
[ "$(gets)" = "$g0" ] || fail "full disk: the target got a request (direct connection?)" "$S6_TMP/web.err"
pass "full disk: nothing reached the target"

# ---- a read-only runtime directory
inns ro run=ro
refused ro "read-only runtime directory" "cannot make $RT/socks6ify: Read-only file system"
[ "$(gets)" = "$g0" ] || fail "read-only: the target got a request (direct connection?)" "$S6_TMP/web.err"
pass "read-only: nothing reached the target"

# ---- an engine crashed, then the disk filled up: a stale engine.port
inns "" run=first pid=pid1 kill fill run=stale pid=pid2
S6_LAST=first
OUT=$(cat "$S6_TMP/first.out")
expect_out '^connected$' "with room on the disk: connected through the engine"
S6_LAST=stale
OUT=$(cat "$S6_TMP/stale.out")
expect_out '^connected$' "crashed engine, full disk: the next program connects"
[ -s "$S6_TMP/pid2" ] && [ "$(cat "$S6_TMP/pid2")" != "$(cat "$S6_TMP/pid1")" ] ||
	fail "crashed engine, full disk: the stale port file was not replaced by a new engine's"
pass "crashed engine, full disk: a new engine replaced the stale port file"

# ---- the session store cannot be laid out on the full disk
inns "" run=warm rmsess fill run=nostore
S6_LAST=nostore
OUT=$(cat "$S6_TMP/nostore.out")
ERR=$(cat "$S6_TMP/nostore.err")
expect_out '^connected$' "no room for the session store: the program connects (no SIGBUS)"
expect_err 'session store: cannot lay out .*/sessions: No space left on device; sessions stay in this process' \
	"no room for the session store: logged, sessions stay in the process"

finish

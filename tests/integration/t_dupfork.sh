#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dup and fork of a TCP socket whose proxy handshake is still in flight
# (issue 5). A slow proxy (socks6ify-server --misbehave "sleep 400;relay")
# keeps every handshake open for 400 ms; s6_dupfork makes its copies inside
# that window: dup (the copy used alone, or writing on the original and
# reading on the copy), dup2 over another fd, F_DUPFD_CLOEXEC, syscall(SYS_dup),
# the original closed mid-handshake, epoll on the copy, a dup while another
# thread is inside a blocking connect; fork right after a non-blocking
# connect (the child talks, the parent closes), fork after an optimistic
# connect before the first write, fork while another thread connects, a
# refused target (the same errno in parent and child), vfork + exec.
# Copies made before connect() (dup, dup2; the original closed after its
# connect) join the connection; one closed before it does not.
# Through SOCKS6 (optimistic and not) and SOCKS4a.
. "$(dirname "$0")/lib.sh"

DF=$S6_BUILDDIR/tests/integration/s6_dupfork
require_built "$S6_BIN" "$S6_SERVER_BIN" "$DF"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup

T_PORT=9000
DEAD_PORT=9001 # nothing listens: the proxy answers "connection refused"

cat >"$S6_TMP/target.py" <<'PY'
import socket, sys, threading
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", int(sys.argv[1])))
l.listen(64)
print("target ready", file=sys.stderr, flush=True)
def serve(c):
    c.settimeout(10)
    data = b""
    try:
        while b"\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.sendall(b"ok " + data.split(b"\n")[0] + b"\n")
    except OSError:
        pass
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg_start target --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/target.py" "$T_PORT"
wait_for_log 'target ready' "$S6_TMP/target.err" 10 || fail "target did not start"

SLOW="inline:sleep 400;relay"
start_server --ns "$NS_P" --name s6 --misbehave "$SLOW" --socks6 "$P_ADDR:1080"
start_server --ns "$NS_P" --name s4 --misbehave "$SLOW" --socks4a "$P_ADDR:1081"

OPT=$(conf opt "connect-timeout 5")
CLASSIC=$(conf classic "connect-timeout 5" "socks6-optimistic no")

COPY_CASES="dup dupx closeorig dup2 dupfd sysdup epoll dupthread"
PRE_CASES="predup predupnb preclose predup2 preclosed"
FORK_CASES="forknb forkthread vfork"

# each LABEL CONF URL CASES...: every case runs and prints "ok CASE".
each()
{
	local label=$1 cf=$2 url=$3 c
	shift 3
	for c in "$@"; do
		run "$label-$c" s6 --ns "$NS_C" -f "$cf" -p "$url" "$DF" "$c" "$W_ADDR" "$T_PORT"
		expect_rc 0 "$label: $c"
		expect_out "^ok $c\$" "$label: $c says ok"
	done
}

# refused LABEL CONF URL CASE: parent and child report ECONNREFUSED.
refused()
{
	run "$1-$4" s6 --ns "$NS_C" -f "$2" -p "$3" "$DF" "$4" "$W_ADDR" "$DEAD_PORT"
	expect_rc 0 "$1: $4, the same errno in parent and child"
	expect_out "^errno Connection refused\$" "$1: $4 is ECONNREFUSED"
}

for p in "s6opt $OPT socks6://$P_ADDR:1080" "s6 $CLASSIC socks6://$P_ADDR:1080" \
	 "s4 $OPT socks4a://$P_ADDR:1081"; do
	set -- $p
	# shellcheck disable=SC2086
	each "$1" "$2" "$3" $COPY_CASES $PRE_CASES $FORK_CASES
	refused "$1" "$2" "$3" forkfail
done
# Only an optimistic connect() returns before the proxy has answered.
each s6opt "$OPT" "socks6://$P_ADDR:1080" forkopt
refused s6opt "$OPT" "socks6://$P_ADDR:1080" forkfailopt

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failures and the errno each one gives the program: refused by the proxy,
# proxy silent, proxy unreachable, proxy closing or misbehaving, identd
# replies; -q; exclude rules. Runs in a loopback-only namespace so the fixed
# ports meet nothing else on the machine.
. "$(dirname "$0")/lib.sh"

require_cmd curl
require_built "$S6_BIN"
netns_loopback
unset SOCKS6IFY_PROXY SOCKS6IFY_CONF SOCKS6IFY_LOG_LEVEL
export HOME=$S6_TMP/home XDG_CONFIG_HOME=$S6_TMP/home/.config
mkdir -p "$HOME"

L=127.0.0.1
CLOSED_PORT=9        # nothing listens here
DOWN_PORT=1090       # no proxy here
TARGET_PORT=8081     # a plain listener, reached only when excluded

# A client that prints "connected" or "errno N SECONDS". Arguments:
# HOST PORT [TIMEOUT]; with a timeout Python connects non-blocking and waits
# in poll(), without one connect() blocks.
cat >"$S6_TMP/client.py" <<'EOF'
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if len(sys.argv) > 3:
    s.settimeout(float(sys.argv[3]))
t = time.monotonic()
try:
    s.connect((host, port))
    print("connected")
except OSError as e:
    print("errno %s %.1f" % (e.errno, time.monotonic() - t))
EOF

# Misbehaving proxies: MODE PORT. silent: accepts, never answers; close:
# reads the request, closes; garbage: answers with version 5; r92/r93:
# identd replies. Each one logs the request it read.
cat >"$S6_TMP/fake_proxy.py" <<'EOF'
import socket, sys, threading
mode, port = sys.argv[1], int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
print("fake proxy %s ready" % mode, file=sys.stderr, flush=True)
held = []
def request(c):
    buf = b""
    while True:
        d = c.recv(4096)
        if not d:
            return buf
        buf += d
        if len(buf) >= 9:
            socks4a = buf[4:7] == b"\0\0\0" and buf[7] != 0
            if buf[8:].count(b"\0") >= (2 if socks4a else 1):
                return buf
def serve(c):
    if mode == "silent":
        held.append(c)
        return
    req = request(c)
    print("request %r" % req, file=sys.stderr, flush=True)
    if mode == "garbage":
        c.sendall(b"\x05\x5a\0\0\0\0\0\0")
    elif mode in ("r92", "r93"):
        c.sendall(bytes([0, int(mode[1:])]) + b"\0" * 6)
    c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

cat >"$S6_TMP/listener.py" <<'EOF'
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(16)
print("listener ready", file=sys.stderr, flush=True)
while True:
    c, _ = ls.accept()
    c.settimeout(2)
    try:
        c.recv(4096)   # the request, if any: closing with it unread would reset
    except OSError:
        pass
    c.sendall(b"direct\n")
    c.close()
EOF

port=1081
for mode in silent close garbage r92 r93; do
	bg_start "fake-$mode" --ns "$NS_L" "$S6_PYTHON" "$S6_TMP/fake_proxy.py" "$mode" "$port"
	wait_for_log ready "$S6_TMP/fake-$mode.err" 10 || fail "fake proxy $mode did not start"
	eval "PORT_$mode=$port"
	port=$((port + 1))
done
bg_start listener --ns "$NS_L" "$S6_PYTHON" "$S6_TMP/listener.py" "$TARGET_PORT"
wait_for_log ready "$S6_TMP/listener.err" 10 || fail "the listener did not start"
start_server --ns "$NS_L" --socks4a "$L:1080"

py() { s6 --ns "$NS_L" "$@"; }

# --- Refused by the proxy (the target port is closed): reply 91.
for wait in blocking 10; do
	args=("$L" "$CLOSED_PORT"); [ "$wait" = blocking ] || args+=("$wait")
	run refused-py-$wait py -p "socks4a://$L:1080" "$S6_PYTHON" "$S6_TMP/client.py" "${args[@]}"
	expect_out '^errno 111 ' "refused ($wait): python gets ECONNREFUSED"
	expect_err "proxy socks4a://$L:1080 target $L:$CLOSED_PORT: .*reply 91" \
		"refused ($wait): the log line names proxy, target and reply 91"
done
if curl_usable; then
	run refused-curl py -p "socks4a://$L:1080" curl -sS --max-time 15 "http://$L:$CLOSED_PORT/"
	expect_rc 7 "refused: curl exits 7 (could not connect)"
fi
grep -qE "$L:$CLOSED_PORT" "$S6_SERVER_LOG" || fail "the server did not log the refused request"
pass "the server logged the refused request"

run refused-quiet py -q -p "socks4a://$L:1080" "$S6_PYTHON" "$S6_TMP/client.py" "$L" "$CLOSED_PORT"
expect_out '^errno 111 ' "refused with -q: still ECONNREFUSED"
grep -q 'socks6ify' "$S6_TMP/refused-quiet.err" && fail_last "-q did not silence the log line"
pass "-q silences the log line"

# --- A proxy that accepts and never answers: connect-timeout 2.
printf 'proxy socks4a://%s:%s\nconnect-timeout 2\n' "$L" "$PORT_silent" >"$S6_TMP/silent.conf"
for wait in blocking 20; do
	args=("$L" "$TARGET_PORT"); [ "$wait" = blocking ] || args+=("$wait")
	run silent-py-$wait py -f "$S6_TMP/silent.conf" "$S6_PYTHON" "$S6_TMP/client.py" "${args[@]}"
	read -r word errno secs <<<"$OUT"
	[ "$word $errno" = "errno 110" ] || fail_last "silent proxy ($wait): expected ETIMEDOUT, got '$OUT'"
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.5 && s <= 6) }' ||
		fail_last "silent proxy ($wait): ETIMEDOUT after ${secs}s, expected 2-6 s"
	pass "silent proxy ($wait): python gets ETIMEDOUT after ${secs}s"
done
if curl_usable; then
	run silent-curl py -f "$S6_TMP/silent.conf" curl -sS --max-time 15 "http://$L:$TARGET_PORT/"
	[ "$RC" = 7 ] || [ "$RC" = 28 ] || fail_last "silent proxy: curl exit $RC, expected 7 or 28"
	pass "silent proxy: curl fails (exit $RC)"
fi

# The same from C, in every wait mode: a pending connection must not look
# writable before the proxy answers, then SO_ERROR tells ETIMEDOUT.
PROBE=$S6_BUILDDIR/tests/integration/s6_probe
require_built "$PROBE"
for mode in poll select epoll epoll-before epoll-et; do
	run "silent-probe-$mode" py -f "$S6_TMP/silent.conf" "$PROBE" -q 1500 "$mode" "$L" "$TARGET_PORT"
	expect_out "^fail $mode at=so_error errno=110 " \
		"silent proxy: s6_probe $mode stays pending, then SO_ERROR is ETIMEDOUT"
	run "refused-probe-$mode" py -p "socks4a://$L:1080" "$PROBE" "$mode" "$L" "$CLOSED_PORT"
	expect_out "^fail $mode at=so_error errno=111 " \
		"refused: s6_probe $mode gets SO_ERROR ECONNREFUSED"
done
run silent-probe-block py -f "$S6_TMP/silent.conf" "$PROBE" block "$L" "$TARGET_PORT"
expect_out "^fail block at=connect errno=110 " "silent proxy: blocking s6_probe gets ETIMEDOUT"

# --- Nothing listens where the proxy should be.
for wait in blocking 10; do
	args=("$L" "$TARGET_PORT"); [ "$wait" = blocking ] || args+=("$wait")
	run down-py-$wait py -p "socks4a://$L:$DOWN_PORT" "$S6_PYTHON" "$S6_TMP/client.py" "${args[@]}"
	expect_out '^errno 111 ' "proxy down ($wait): python gets ECONNREFUSED"
	expect_err 'cannot reach proxy' "proxy down ($wait): the log says it cannot reach the proxy"
done

# --- Proxies that misbehave, and the errno each gives.
check_errno()
{
	local mode=$1 errno=$2 name=$3 wait
	for wait in blocking 10; do
		local args=("$L" "$TARGET_PORT"); [ "$wait" = blocking ] || args+=("$wait")
		run "$mode-py-$wait" py -p "socks4a://$L:$(eval echo "\$PORT_$mode")" \
			"$S6_PYTHON" "$S6_TMP/client.py" "${args[@]}"
		expect_out "^errno $errno " "$mode ($wait): python gets $name"
	done
}
check_errno close 104 ECONNRESET
check_errno garbage 71 EPROTO
check_errno r92 13 EACCES
check_errno r93 13 EACCES

# --- A placeholder address no name was ever given: never sent anywhere.
run stale-py py -p "socks4a://$L:1080" "$S6_PYTHON" "$S6_TMP/client.py" 240.0.3.7 "$TARGET_PORT"
expect_out '^errno 113 ' "an unknown placeholder gives EHOSTUNREACH"
grep -q '240\.0\.3\.7' "$S6_SERVER_LOG" && fail "an unknown placeholder reached the proxy"
pass "an unknown placeholder does not reach the proxy"

# --- exclude: the destination is reached directly, proxy or no proxy.
printf 'proxy socks4a://%s:%s\nexclude %s:%s\n' "$L" "$DOWN_PORT" "$L" "$TARGET_PORT" \
	>"$S6_TMP/exclude.conf"
run exclude-py py -v -f "$S6_TMP/exclude.conf" "$S6_PYTHON" "$S6_TMP/client.py" "$L" "$TARGET_PORT"
expect_out '^connected$' "excluded destination: connected directly with the proxy down"
expect_err 'excluded' "excluded destination: the decision is logged"
if curl_usable; then
	run exclude-curl py -f "$S6_TMP/exclude.conf" curl -sS --http0.9 --max-time 15 "http://$L:$TARGET_PORT/"
	expect_out '^direct$' "excluded destination: curl reads from it directly"
fi
run exclude-other py -f "$S6_TMP/exclude.conf" "$S6_PYTHON" "$S6_TMP/client.py" "$L" "$CLOSED_PORT"
expect_out '^errno 111 ' "a port outside the exclude rule still goes to the (down) proxy"
expect_err 'cannot reach proxy' "a port outside the exclude rule logs the proxy failure"

# --- fail open: with the proxy down, IP destinations and datagrams go
# direct (logged); a name resolved remotely cannot.
cat >"$S6_TMP/udp_sink.py" <<'EOF'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", int(sys.argv[1])))
print("udp sink ready", file=sys.stderr, flush=True)
while True:
    data, peer = u.recvfrom(2048)
    print("got %r" % data, flush=True)
EOF
bg_start udp-sink --ns "$NS_L" "$S6_PYTHON" "$S6_TMP/udp_sink.py" 5353
wait_for_log ready "$S6_TMP/udp-sink.err" 10 || fail "the UDP sink did not start"
printf 'proxy socks4a://%s:%s\nfail open\n' "$L" "$DOWN_PORT" >"$S6_TMP/open.conf"
run open-tcp py -f "$S6_TMP/open.conf" "$S6_PYTHON" "$S6_TMP/client.py" "$L" "$TARGET_PORT"
expect_out '^connected$' "fail open: an IP destination is reached directly with the proxy down"
expect_err 'connecting directly \(fail open\)' "fail open: the direct connection is logged"
run open-name py -f "$S6_TMP/open.conf" "$S6_PYTHON" "$S6_TMP/client.py" localhost.s6test "$TARGET_PORT"
expect_out '^errno 111 ' "fail open: a name resolved remotely still fails with the proxy down"
run open-udp py -f "$S6_TMP/open.conf" "$S6_PYTHON" -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"fail-open-datagram", ("127.0.0.1", 5353)); print("sent")'
expect_out '^sent$' "fail open: a datagram may be sent"
expect_err 'sent directly \(fail open\)' "fail open: the datagram is logged"
wait_for_log 'fail-open-datagram' "$S6_TMP/udp-sink.out" 5 || fail "fail open: the datagram did not arrive"
pass "fail open: the datagram arrived"

finish

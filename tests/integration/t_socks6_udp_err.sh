#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The proxy's UDP Error messages (ICMP errors it saw, draft-11 "Reporting
# ICMP Errors") surface as the kernel would surface the ICMP error: a
# connected UDP socket gets EHOSTUNREACH / ENETUNREACH from its next
# receive, an unconnected one nothing. The web namespace routes for the
# proxy: 203.0.113.0/25 is "unreachable" there (ICMP host unreachable),
# 203.0.113.128/25 a "throw" route (ICMP net unreachable).
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup
{
	ip netns exec "$NS_W" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' &&
	ip -n "$NS_W" route add unreachable 203.0.113.0/25 &&
	ip -n "$NS_W" route add throw 203.0.113.128/25 &&
	ip -n "$NS_P" route add 203.0.113.0/24 via "$W_ADDR"
} || fail "cannot set up the router"
ECHO_PORT=7007
cat >"$S6_TMP/echo.py" <<-'EOF2'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("echo ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
EOF2
bg_start echo --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/echo.py" "$ECHO_PORT"
wait_for_log 'echo ready' "$S6_TMP/echo.out" 10 || fail "the UDP echo server did not start"
start_server --ns "$NS_P" --name s6 -v --socks6 "$P_ADDR:1080"

# err.py MODE HOST PORT: conn (connect, send, recv: prints the errno name or
# "data"), unconn (sendto, recvfrom within 1.5 s: "timeout" or the errno).
cat >"$S6_TMP/err.py" <<-'EOF2'
import errno, socket, sys
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
try:
    if mode == "conn":
        s.connect((host, port))
        s.send(b"ping")
        s.recv(100)
    else:
        s.sendto(b"ping", (host, port))
        s.recvfrom(100)
    print("result data")
except socket.timeout:
    print("result timeout")
except OSError as e:
    print("result", errno.errorcode.get(e.errno, e.errno))
    # the error is reported once; the socket goes on
    if mode == "conn":
        s.connect(("%s" % sys.argv[4], port)) if len(sys.argv) > 4 else None
        if len(sys.argv) > 4:
            s.send(b"again")
            print("then", s.recv(100).decode())
EOF2
err() { run "$1" s6 --ns "$NS_C" -v -p "socks6://$P_ADDR:1080" "$S6_PYTHON" "$S6_TMP/err.py" "${@:2}"; }

err host conn 203.0.113.5 "$ECHO_PORT" "$W_ADDR"
expect_out '^result EHOSTUNREACH$' "connected: host unreachable is EHOSTUNREACH"
expect_out '^then again$' "the socket works on after the error"
err net conn 203.0.113.200 "$ECHO_PORT"
expect_out '^result ENETUNREACH$' "connected: net unreachable is ENETUNREACH"
err unconn unconn 203.0.113.5 "$ECHO_PORT"
expect_out '^result timeout$' "unconnected: no error, as without IP_RECVERR"
grep -q 'icmp-errors$' "$S6_SERVER_LOG" || fail "the shim did not ask for ICMP reports" "$S6_SERVER_LOG"
pass "the association asked for the UDP Error option"

finish

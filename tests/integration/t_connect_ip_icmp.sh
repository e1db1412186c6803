#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ICMP errors through CONNECT-IP (issue 7): the program's TCP connect to a
# target the proxy cannot reach fails at once with the errno the kernel
# would give, and one line, instead of waiting for lwIP's SYN timeout.
# socks6ify-server --connect-ip runs in a namespace with only loopback
# plus "unreachable" routes: slirp's connect() fails there and slirp
# answers the SYN with ICMP host or net unreachable (IPv4) or ICMPv6
# address unreachable, which passes through the tunnel to the engine
# (eng_cip_icmp.c) at once, not after the client's next SYN (slirp holds
# the packet that needed the neighbour until its next poll). A reachable
# target still works beside them.
. "$(dirname "$0")/lib.sh"

require_cip_engine

NS=s6cipi-$$
s6_ns_add "$NS"
ip -n "$NS" addr add 198.18.0.1/32 dev lo &&
	ip -n "$NS" route add unreachable 203.0.113.0/24 &&
	ip -n "$NS" -6 route add unreachable 2001:db8:dead::/48 ||
	fail "cannot set up the namespace's addresses and routes"

bg_start web --ns "$NS" "$S6_PYTHON" -m http.server 8080 --bind 198.18.0.1 --directory "$S6_TMP"
wait_for_log 'Serving HTTP' "$S6_TMP/web.out" 10 || fail "web server did not start"

# conn.py HOST PORT: "connected" or the errno, and the seconds it took.
cat >"$S6_TMP/conn.py" <<'PY'
import errno, socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
s.settimeout(30)
t0 = time.monotonic()
try:
    s.connect((host, port))
    print("connected")
except OSError as e:
    print("errno %s" % errno.errorcode.get(e.errno, e.errno))
print("took %.1f" % (time.monotonic() - t0))
PY

start_server --ns "$NS" --name cip -v --connect-ip 127.0.0.1:0
CONF=$(conf plain "proxy connect-ip://127.0.0.1:$S6_SERVER_PORT" "connect-ip-plain yes")
conn() { # NAME HOST: conn.py to HOST:8080 through socks6ify
	run "$1" s6 --ns "$NS" -f "$CONF" "$S6_PYTHON" "$S6_TMP/conn.py" "$2" 8080
}
quick() { # NAME: the failure came within 2 s (lwIP resends a SYN after 3 s)
	local t
	t=$(sed -n 's/^took //p' "$S6_TMP/$1.out")
	[ -n "$t" ] && [ "${t%.*}" -lt 2 ] || fail_last "$1: took ${t:-?} s"
	pass "$1: failed after $t s, not at the SYN timeout"
}

conn up 198.18.0.1
expect_out 'connected' "a reachable target connects"

conn host 203.0.113.7
expect_out 'errno EHOSTUNREACH' "unreachable route: EHOSTUNREACH from ICMP host unreachable"
quick host
[ "$(grep -c 'target 203' "$S6_TMP/host.err")" = 1 ] || fail_last "not one line"
expect_err 'No route to host' "the line gives the reason"
grep -q 'connect-ip: ICMP error type 3 code 1 from ' "$ELOG" ||
	fail "the engine did not log the ICMP error" "$ELOG"
pass "the engine log names the ICMP error"

conn net 192.0.2.9
expect_out 'errno ENETUNREACH' "no route at all: ENETUNREACH from ICMP net unreachable"
quick net

conn host6 2001:db8:dead::7
expect_out 'errno EHOSTUNREACH' "IPv6: ICMPv6 address unreachable: EHOSTUNREACH"
quick host6
grep -q 'connect-ip: ICMPv6 error type 1 code 3 ' "$ELOG" || fail "no ICMPv6 error logged" "$ELOG"
pass "the engine log names the ICMPv6 error"

conn again 198.18.0.1
expect_out 'connected' "the reachable target still connects afterwards"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server, SOCKS6 UDP ASSOCIATE and "DNS provided by SOCKS", driven
# by srv_s6_udp_check.py in a private namespace: datagrams over UDP and over
# the stream, names, 64 KiB payloads, Port Parity with reserve, ICMP errors
# (a router namespace answers "unreachable"), the DNS service against a
# small fake name server, the idle limit, and the server's log lines.
#
#   s6ua-PID: server, client, UDP echo, fake DNS on 127.0.0.1:53
#     va0 198.51.100.1/24 2001:db8:100::1/64 ---- vr0 .2 / ::2   s6ur-PID
#   routes 203.0.113.0/24 and 2001:db8:77::/64 via the router, which has
#   them as "unreachable" and answers with ICMP errors.
. "$(dirname "$0")/lib.sh"

require_netns
[ -x "$S6_PYTHON" ] || skip "needs python3"
require_built "$S6_SERVER_BIN"
CHECK=$S6_SRCDIR/tests/integration/srv_s6_udp_check.py
NS_A=s6ua-$$
NS_R=s6ur-$$

s6_ns_add "$NS_A"
s6_ns_add "$NS_R"
mkdir -p "/etc/netns/$NS_A" || fail "cannot create /etc/netns files"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS_A/resolv.conf"
printf '127.0.0.1 localhost echo.s6test\n::1 localhost\n' >"/etc/netns/$NS_A/hosts"
{
	ip link add va0 netns "$NS_A" type veth peer name vr0 netns "$NS_R" &&
	ip -n "$NS_A" addr add 198.51.100.1/24 dev va0 &&
	ip -n "$NS_R" addr add 198.51.100.2/24 dev vr0 &&
	ip -n "$NS_A" addr add 2001:db8:100::1/64 dev va0 nodad &&
	ip -n "$NS_R" addr add 2001:db8:100::2/64 dev vr0 nodad &&
	ip -n "$NS_A" link set va0 up &&
	ip -n "$NS_R" link set vr0 up &&
	ip -n "$NS_A" route add 203.0.113.0/24 via 198.51.100.2 &&
	ip -n "$NS_A" -6 route add 2001:db8:77::/64 via 2001:db8:100::2 &&
	ip netns exec "$NS_R" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' &&
	ip -n "$NS_R" route add unreachable 203.0.113.0/24 &&
	ip -n "$NS_R" -6 route add unreachable 2001:db8:77::/64
} || fail "cannot set up the namespaces"

# Answers A 192.0.2.7 for every name but slow.s6test, which gets nothing
# (the resolver times out after 1 s: SERVFAIL).
cat >"$S6_TMP/fake_dns.py" <<'PYEOF'
import socket, struct, sys, threading
def answer(q):
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    if ".".join(labels) == "slow.s6test":
        return None
    return (q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:i + 5] +
            b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x07")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 53))
t = socket.socket()
t.bind(("127.0.0.1", 53))
t.listen(8)
def tcp():
    while True:
        c, _ = t.accept()
        with c:
            n = struct.unpack("!H", c.recv(2))[0]
            a = answer(c.recv(n))
            if a:
                c.sendall(struct.pack("!H", len(a)) + a)
threading.Thread(target=tcp, daemon=True).start()
print("dns ready", file=sys.stderr, flush=True)
while True:
    q, peer = u.recvfrom(4096)
    a = answer(q)
    if a:
        u.sendto(a, peer)
PYEOF
bg_start fake-dns --ns "$NS_A" "$S6_PYTHON" "$S6_TMP/fake_dns.py"
wait_for_log 'dns ready' "$S6_TMP/fake-dns.err" 10 || fail "the fake name server did not start"

# run_group NAME PORT ARGS...: one group of checks; each PASS line is a check.
run_group()
{
	local name=$1 line
	shift
	run "check-$name" ip netns exec "$NS_A" timeout 60 "$S6_PYTHON" "$CHECK" "$name" "$@"
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "${line#PASS }" ;;
		esac
	done <"$S6_TMP/check-$name.out"
	[ "$RC" = 0 ] || fail_last "group $name: $(grep '^FAIL' "$S6_TMP/check-$name.out")"
}

start_server --ns "$NS_A" --name server --socks6 127.0.0.1:0 -v
MAIN_PORT=$S6_SERVER_PORT
MAIN_LOG=$S6_SERVER_LOG
run_group udp "$MAIN_PORT"
run_group icmp "$MAIN_PORT" 203.0.113.5 2001:db8:77::5
run_group dns "$MAIN_PORT"

start_server --ns "$NS_A" --name idle --socks6 127.0.0.1:0 --idle-timeout 1
run_group idle "$S6_SERVER_PORT"
wait_for_log 'socks6-udp .* ended: ' "$S6_SERVER_LOG" 5 || fail "no end line after the idle limit"
pass "idle association ends with a log line"

# ---- log lines
grep -qE 'socks6-udp 127\.0\.0\.1:[0-9]+ assoc=[0-9a-f]{16} udp=127\.0\.0\.1:[0-9]+$' "$MAIN_LOG" ||
	fail "no association start line"
pass "association start line"
grep -qE 'socks6-udp 127\.0\.0\.1:[0-9]+ assoc=[0-9a-f]{16} udp=127\.0\.0\.1:[0-9]+ icmp-errors$' "$MAIN_LOG" ||
	fail "no start line with icmp-errors"
pass "start line shows ICMP error reporting"
grep -qE 'ended: client->remote [1-9][0-9]* datagrams [0-9]+ bytes \([0-9]+ dropped\), remote->client [1-9][0-9]* datagrams [0-9]+ bytes \([0-9]+ dropped\), 0 errors' "$MAIN_LOG" ||
	fail "no end line with counts"
pass "association end line with counts both ways"
grep -qE 'ended: .*, 2 errors' "$MAIN_LOG" || fail "no end line counting 2 errors"
pass "Error messages counted"
grep -qE 'socks6-dns 127\.0\.0\.1:[0-9]+ ended: 12 queries, 11 answered, 1 SERVFAIL, a message that is not a DNS query' "$MAIN_LOG" ||
	fail "no DNS stream line"
pass "DNS stream line"
grep -qE 'socks6-dns query slow\.s6test\./1: resolver failed, SERVFAIL' "$MAIN_LOG" ||
	fail "no DNS query line"
pass "DNS query debug line"

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real UDP programs through socks6ify in the namespaces, to a UDP echo server
# in the web namespace by a name only the proxy resolves:
# - nc -u (netcat-openbsd): a line there and back;
# - python3 asyncio (loop.create_datagram_endpoint with remote_addr by name);
# - python3 with a plain non-blocking UDP socket, sendto and select();
# - dig (its own DNS over UDP to the client's nameserver, which never
#   answers): answered by the proxy's resolver (dns-udp proxy).
# Through SOCKS6 (with a user) each goes through UDP ASSOCIATE, one
# association per socket (server log); through SOCKS4a, which cannot carry
# UDP, each fails closed with EACCES and a log line and nothing reaches the
# echo server. A packet capture on the client's veth shows only TCP to the
# proxies' ports and UDP to the proxy's address (its relay ports), and no
# DNS query leaves the client.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/programs_lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup
capture_start
pg_start_proxies

ECHO_PORT=7007

# uecho.py ADDR PORT: echoes every datagram, logs "from ADDR LEN".
cat >"$S6_TMP/uecho.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("echo ready", file=sys.stderr, flush=True)
while True:
    data, peer = s.recvfrom(65535)
    print("from", peer[0], len(data), flush=True)
    s.sendto(data, peer)
PY
bg_start uecho --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/uecho.py" "$W_ADDR" "$ECHO_PORT"
wait_for_log 'echo ready' "$S6_TMP/uecho.err" 10 || fail "the UDP echo server did not start"

# asyncio_udp.py HOST PORT TEXT: a datagram endpoint connected by name; sends
# TEXT twice, prints each echo, the transport's peer and whether the echo
# came from it.
cat >"$S6_TMP/asyncio_udp.py" <<'PY'
import asyncio, sys

class Echo(asyncio.DatagramProtocol):
    def __init__(self):
        self.q = asyncio.Queue()
    def datagram_received(self, data, addr):
        self.q.put_nowait((data, addr[0]))
    def error_received(self, exc):
        self.q.put_nowait(exc)

async def main(host, port, text):
    loop = asyncio.get_running_loop()
    tr, pr = await asyncio.wait_for(loop.create_datagram_endpoint(
        Echo, remote_addr=(host, port)), 15)
    for i in range(2):
        tr.sendto(b"%s %d" % (text.encode(), i))
        got = await asyncio.wait_for(pr.q.get(), 10)
        if isinstance(got, Exception):
            raise got
        print(got[0].decode())
    peer = tr.get_extra_info("peername")[0]
    print("peer", peer, "source", "ok" if got[1] == peer else got[1])
    tr.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
PY

# select_udp.py HOST PORT TEXT: an unconnected non-blocking socket; sendto
# the name's address, select() for the echo (bounded), recvfrom; twice.
# Prints each echo and "source ok" when it came from the address sent to.
cat >"$S6_TMP/select_udp.py" <<'PY'
import select, socket, sys, time
host, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
dst = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(2):
    s.sendto(b"%s %d" % (text.encode(), i), dst)
    end = time.monotonic() + 10
    while True:
        left = end - time.monotonic()
        if left <= 0:
            sys.exit("no echo within 10 s")
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        try:
            data, src = s.recvfrom(65535)
            break
        except BlockingIOError:
            continue   # woken by a datagram the shim dropped
    print(data.decode())
    if src != dst:
        sys.exit("source %r, expected %r" % (src, dst))
print("source ok")
s.close()
PY

# The proxy's nameserver (its resolv.conf says 127.0.0.1), for dig.
DIG_NAME=dig.s6test
DIG_ADDR=203.0.113.53
bg_start pdns --ns "$NS_P" "$S6_PYTHON" -u "$S6_SRCDIR/tests/integration/dns_responder.py" \
	127.0.0.1 "$DIG_NAME=$DIG_ADDR"
wait_for_log 'dns ready' "$S6_TMP/pdns.out" 10 || fail "the proxy's DNS responder did not start"

usable_nc=no
if ! command -v nc >/dev/null; then
	echo "# nc -u checks left out: nc not installed"
elif ! nc -h 2>&1 | grep -q 'OpenBSD netcat'; then
	echo "# nc -u checks left out: nc is not netcat-openbsd"
else
	usable_under_asan nc nc -h && usable_nc=yes
fi

echo_seen() { grep -c '^from ' "$S6_TMP/uecho.out"; }

# pg_expect_udp_assoc N WHAT: since the last mark the SOCKS6 server logged N
# associations for the client and ended them all (the program closed its
# socket, or exited). Marks the log.
pg_expect_udp_assoc()
{
	local n=$1 re="socks6-udp $C_ADDR:[0-9]+ assoc=[0-9a-f]{16}" i got ended
	for i in $(seq 50); do
		ended=$(tail -n +"$PG_MARK" "$PG_LOG" | grep -cE -- "$re ended: ")
		[ "$ended" -ge "$n" ] && break
		sleep 0.1
	done
	got=$(tail -n +"$PG_MARK" "$PG_LOG" | grep -cE -- "$re udp=")
	[ "$got" = "$n" ] || fail "$2: $got associations, expected $n" "$PG_LOG"
	[ "$ended" = "$n" ] || fail "$2: $ended associations ended, expected $n" "$PG_LOG"
	pg_mark
	pass "$2: $n association(s) made and ended"
}

# s4_blocked WHAT: the last run failed closed through SOCKS4a.
s4_blocked()
{
	expect_rc 1 "$1: fails"
	expect_err "target [^ ]+:$ECHO_PORT: UDP cannot go through this proxy; blocked" \
		"$1: the shim logs why"
}

check_nc()
{
	# nc closes its socket at the end of its input, before any echo can
	# arrive: its input is a FIFO the shell keeps open (read-write, so never
	# at its end), and -W 1 ends nc after the echo (-w 5 without it). -v
	# only where the connect fails: with UDP it sends probe datagrams.
	local v=
	[ "$PG_KIND" = socks4a ] && v=-v
	rm -f "$S6_TMP/nc-in"
	pg_run nc-u sh -c 'mkfifo "$4" && exec 3<>"$4" && cat "$3" >&3 &&
		exec nc -u $5 -W 1 -w 5 "$1" "$2" <&3 3<&-' nc "$W_NAME" "$ECHO_PORT" \
		"$S6_TMP/line" "$S6_TMP/nc-in" "$v"
	if [ "$PG_KIND" = socks4a ]; then
		s4_blocked "socks4a nc -u"
		expect_err "connect to $W_NAME (\([^)]*\) )?port $ECHO_PORT \(udp\) failed: Permission denied" \
			"socks4a nc -u: reports EACCES"
		return
	fi
	expect_rc 0 "socks6 nc -u: exits 0"
	[ "$OUT" = "nc $TOKEN" ] || fail_last "socks6 nc -u: the line did not come back"
	pass "socks6 nc -u: the line came back from the UDP echo server"
	pg_expect_udp_assoc 1 "socks6 nc -u"
}

check_asyncio()
{
	pg_run asyncio-udp "$S6_PYTHON" "$S6_TMP/asyncio_udp.py" "$W_NAME" "$ECHO_PORT" "aio $TOKEN"
	if [ "$PG_KIND" = socks4a ]; then
		s4_blocked "socks4a python asyncio datagram endpoint"
		expect_err "PermissionError" "socks4a python asyncio: PermissionError (EACCES)"
		return
	fi
	expect_rc 0 "socks6 python asyncio datagram endpoint: exits 0"
	[ "$(head -n 2 "$S6_TMP/$S6_LAST.out")" = "$(printf 'aio %s 0\naio %s 1' "$TOKEN" "$TOKEN")" ] ||
		fail_last "socks6 python asyncio: the echoes did not come back"
	pass "socks6 python asyncio: both datagrams echoed"
	expect_out '^peer [0-9.]+ source ok$' "socks6 python asyncio: the echo came from the transport's peer"
	pg_expect_udp_assoc 1 "socks6 python asyncio"
}

check_select()
{
	pg_run select-udp "$S6_PYTHON" "$S6_TMP/select_udp.py" "$W_NAME" "$ECHO_PORT" "sel $TOKEN"
	if [ "$PG_KIND" = socks4a ]; then
		s4_blocked "socks4a python non-blocking sendto"
		expect_err "PermissionError" "socks4a python non-blocking: PermissionError (EACCES)"
		return
	fi
	expect_rc 0 "socks6 python non-blocking socket with select(): exits 0"
	[ "$OUT" = "$(printf 'sel %s 0\nsel %s 1\nsource ok' "$TOKEN" "$TOKEN")" ] ||
		fail_last "socks6 python non-blocking: echoes or their source wrong"
	pass "socks6 python non-blocking: both echoes, from the address sent to"
	pg_expect_udp_assoc 1 "socks6 python non-blocking"
}

check_dig()
{
	pg_run dig dig +tries=1 +time=5 "$DIG_NAME" A
	if [ "$PG_KIND" = socks4a ]; then
		[ "$RC" != 0 ] || fail_last "socks4a dig: succeeded"
		pass "socks4a dig: fails"
		expect_err "target $P_ADDR:53: DNS over UDP cannot go through this proxy; blocked" \
			"socks4a dig: the shim logs why"
		return
	fi
	expect_rc 0 "socks6 dig: exits 0"
	expect_out "IN[[:space:]]+A[[:space:]]+${DIG_ADDR//./\\.}\$" \
		"socks6 dig: the A record from the proxy's resolver"
	expect_out "^;; SERVER: ${P_ADDR//./\\.}#53" "socks6 dig: the answer came from the nameserver asked"
	local mark=$PG_MARK
	pg_expect_udp_assoc 1 "socks6 dig"
	tail -n +"$mark" "$PG_LOG" | grep -qE 'ended: .*, 1 DNS queries \(0 SERVFAIL\)$' ||
		fail "socks6 dig: the association did not carry one DNS query" "$PG_LOG"
	pass "socks6 dig: the server answered the query in the association"
}

printf 'nc %s\n' "$TOKEN" >"$S6_TMP/line"
for kind in $PG_KINDS; do
	pg_use "$kind"
	before=$(echo_seen)
	[ $usable_nc = yes ] && check_nc
	check_asyncio
	check_select
	check_dig
	if [ "$kind" = socks4a ]; then
		[ "$(echo_seen)" = "$before" ] ||
			fail "socks4a: datagrams reached the echo server" "$S6_TMP/uecho.out"
		pass "socks4a: no datagram reached the echo server"
	fi
done

grep -vE "^from $P_ADDR_W [0-9]+\$" "$S6_TMP/uecho.out" &&
	fail "the echo server saw datagrams from elsewhere than the proxy" "$S6_TMP/uecho.out"
pass "the echo server saw the proxy only"
n=$(tail -n +"$CAP_FROM" "$CAP_LOG" | grep -c "^out ip4 17 $C_ADDR:[0-9]* $P_ADDR:")
[ "$n" -gt 0 ] || fail "the capture saw no UDP datagram to the proxy" "$CAP_LOG"
pass "the capture saw $n UDP datagrams to the proxy's relay"
expect_capture_only_proxy "$PG_S6_PORT" "$PG_S4_PORT" udp
expect_no_dns_leak
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A program's own DNS over UDP (`dns-udp`, default proxy): dig, host and
# nslookup in the isolated client namespace ask the nameserver of their
# resolv.conf, and the proxy's resolver answers (its nameserver is a small
# responder on the proxy's loopback; the client's recorder never answers,
# and an unreachable nameserver cannot). The answer shows as coming from the
# nameserver asked, also for an unconnected socket that asked two (by query
# ID). `exclude 127.0.0.0/8` does not let a query to loopback port 53 leak;
# an explicit `dig @SERVER` to another server goes to that server through
# the proxy. SOCKS4a fails closed. A packet capture shows only proxy
# traffic. Then `dns-udp associate` carries the query to the nameserver's
# address through the proxy, and `dns-udp direct` sends it directly.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
require_cmd dig
netns_setup
capture_start

RESPONDER=$S6_SRCDIR/tests/integration/dns_responder.py
NAME=dig.s6test
ADDR=203.0.113.53
OTHER=other.s6test
OTHER_ADDR=203.0.113.99
UNREACH=10.53.0.1
RC_CONF=/etc/netns/$NS_C/resolv.conf

# The proxy's nameserver (its resolv.conf says 127.0.0.1) and a nameserver
# on the web host, reachable only through the proxy.
bg_start pdns --ns "$NS_P" "$S6_PYTHON" -u "$RESPONDER" 127.0.0.1 "$NAME=$ADDR"
wait_for_log 'dns ready' "$S6_TMP/pdns.out" 10 || fail "the proxy's DNS responder did not start"
bg_start wdns --ns "$NS_W" "$S6_PYTHON" -u "$RESPONDER" "$W_ADDR" "$OTHER=$OTHER_ADDR"
wait_for_log 'dns ready' "$S6_TMP/wdns.out" 10 || fail "the web host's DNS responder did not start"

start_server --ns "$NS_P" --name s6 -v --socks6 "$P_ADDR:1080"
S6LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name s4 --socks4a "$P_ADDR:1081"
P6=socks6://$P_ADDR:1080
P4=socks4a://$P_ADDR:1081
DIG=(dig +tries=1 +time=5)

# expect_answer WHAT ADDR SERVER: the last dig printed an A record ADDR for
# its name and that the answer came from SERVER.
expect_answer()
{
	expect_rc 0 "$1: dig exits 0"
	expect_out "IN[[:space:]]+A[[:space:]]+${2//./\\.}\$" "$1: the A record came back"
	expect_out "^;; SERVER: ${3//./\\.}#53" "$1: the answer came from $3"
}

pdns_seen() { grep -c "^query $NAME from 127.0.0.1\$" "$S6_TMP/pdns.out"; }

# resolv.conf names the recorder, which never answers: only the proxy can.
before=$(pdns_seen)
run dig-rc s6 --ns "$NS_C" -p "$P6" "${DIG[@]}" "$NAME" A
expect_answer "socks6 dig (resolv.conf: $P_ADDR)" "$ADDR" "$P_ADDR"
[ "$(pdns_seen)" -gt "$before" ] || fail "the proxy's nameserver did not see the query" "$S6_TMP/pdns.out"
pass "socks6 dig: the proxy's resolver asked its own nameserver"
wait_for_log "socks6-udp assoc=[0-9a-f]+ dns query $NAME\\.?/1: answered" "$S6LOG" 5 ||
	fail "the server did not log the DNS datagram" "$S6LOG"
pass "socks6 dig: the server answered a DNS datagram in the association"

# resolv.conf names an address nothing answers at (no route in the client).
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$UNREACH" >"$RC_CONF"
run dig-unreach s6 --ns "$NS_C" -p "$P6" "${DIG[@]}" "$NAME" A
expect_answer "socks6 dig (resolv.conf: unreachable $UNREACH)" "$ADDR" "$UNREACH"
if command -v host >/dev/null; then
	run host s6 --ns "$NS_C" -p "$P6" host -W 5 "$NAME"
	expect_rc 0 "socks6 host: exits 0"
	expect_out "^$NAME has address $ADDR\$" "socks6 host: the address came back"
fi
if command -v nslookup >/dev/null; then
	run nslookup s6 --ns "$NS_C" -p "$P6" nslookup -timeout=5 -type=A "$NAME"
	expect_rc 0 "socks6 nslookup: exits 0"
	expect_out "^Address: $ADDR\$" "socks6 nslookup: the address came back"
fi

# An unconnected socket asks two nameservers (the resolv.conf one and
# loopback); each answer shows as coming from the one its ID went to.
cat >"$S6_TMP/two_ns.py" <<'PY'
import socket, struct, sys
name, servers = sys.argv[1], [(a, 53) for a in sys.argv[2:]]
def query(qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0\0\1\0\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
ids = {0x1100 + i: srv for i, srv in enumerate(servers)}
for qid, srv in ids.items():
    s.sendto(query(qid), srv)
for _ in ids:
    data, src = s.recvfrom(4096)
    qid = struct.unpack("!H", data[:2])[0]
    print("answer", hex(qid), "from", src[0], "ok" if ids.get(qid) == src else "WRONG",
          socket.inet_ntoa(data[-4:]))
PY
run two s6 --ns "$NS_C" -p "$P6" "$S6_PYTHON" "$S6_TMP/two_ns.py" "$NAME" "$UNREACH" 127.0.0.1
expect_rc 0 "socks6 unconnected socket, two nameservers: both answered"
expect_out "^answer 0x1100 from $UNREACH ok $ADDR\$" "socks6 unconnected socket: the first answer from $UNREACH"
expect_out "^answer 0x1101 from 127.0.0.1 ok $ADDR\$" "socks6 unconnected socket: the second answer from 127.0.0.1"

# Loopback port 53 is the proxy's, even when 127.0.0.0/8 is excluded.
cl=$(conf excl "proxy $P6" "exclude 127.0.0.0/8")
run dig-lo s6 --ns "$NS_C" -f "$cl" "${DIG[@]}" @127.0.0.53 "$NAME" A
expect_answer "socks6 dig @127.0.0.53 with exclude 127.0.0.0/8" "$ADDR" 127.0.0.53

# Another server, named explicitly: reached through the proxy.
run dig-w s6 --ns "$NS_C" -p "$P6" "${DIG[@]}" "@$W_ADDR" "$OTHER" A
expect_answer "socks6 dig @$W_ADDR" "$OTHER_ADDR" "$W_ADDR"
grep -q "^query $OTHER from $P_ADDR_W\$" "$S6_TMP/wdns.out" ||
	fail "the web host's nameserver did not see the query from the proxy" "$S6_TMP/wdns.out"
pass "socks6 dig @$W_ADDR: the query reached that server from the proxy"

# SOCKS4a cannot carry UDP: fails closed, also for excluded loopback.
before=$(pdns_seen)
run dig-s4 s6 --ns "$NS_C" -p "$P4" "${DIG[@]}" "$NAME" A
[ "$RC" != 0 ] || fail_last "socks4a dig: succeeded"
pass "socks4a dig: fails"
expect_err "target $UNREACH:53: DNS over UDP cannot go through this proxy; blocked" \
	"socks4a dig: the shim logs why"
cl4=$(conf excl4 "proxy $P4" "exclude 127.0.0.0/8")
run dig-s4lo s6 --ns "$NS_C" -f "$cl4" "${DIG[@]}" @127.0.0.1 "$NAME" A
[ "$RC" != 0 ] || fail_last "socks4a dig @127.0.0.1 (excluded): succeeded"
expect_err "target 127.0.0.1:53: DNS over UDP cannot go through this proxy; blocked" \
	"socks4a dig @127.0.0.1 with exclude 127.0.0.0/8: blocked, not sent"
[ "$(pdns_seen)" = "$before" ] || fail "socks4a: a query reached the proxy's nameserver"

expect_capture_only_proxy 1080 1081 udp
expect_no_dns_leak

# dns-udp associate: to the recorder's address through the proxy (the
# recorder sees the proxy, never answers).
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$P_ADDR" >"$RC_CONF"
ca=$(conf assoc "proxy $P6" "dns-udp associate")
run dig-assoc s6 --ns "$NS_C" -f "$ca" dig +tries=1 +time=2 "$NAME" A
[ "$RC" != 0 ] || fail_last "dns-udp associate: dig was answered"
wait_for_log "^udp from $P_ADDR:[0-9]+ [0-9]+ bytes query $NAME type 1\$" "$DNS_LOG" 5 ||
	fail "dns-udp associate: the recorder did not see the query from the proxy" "$DNS_LOG"
pass "dns-udp associate: the query went through the proxy to the nameserver's address"
expect_no_dns_leak "dns-udp associate: nothing from the client reached the recorder"

# dns-udp direct: sent around the proxy, on purpose.
cd_=$(conf direct "proxy $P6" "dns-udp direct")
run dig-direct s6 --ns "$NS_C" -f "$cd_" dig +tries=1 +time=2 "$NAME" A
wait_for_log "^udp from $C_ADDR:[0-9]+ [0-9]+ bytes query $NAME type 1\$" "$DNS_LOG" 5 ||
	fail "dns-udp direct: the recorder did not see the query from the client" "$DNS_LOG"
pass "dns-udp direct: the query went directly"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The res_* family through `socks6ify -p socks6://...`: res_query, res_search,
# res_nquery and res_send in the isolated client namespace are answered by
# the proxy's DNS service (a CONNECT to 0.0.0.0:53), whose resolver asks a
# small responder on the proxy's loopback: the A record of a test name comes
# back, a missing name gives HOST_NOT_FOUND (res_send: RCODE 3), and the
# client's nameserver (the recorder) sees nothing. Through SOCKS4a they are
# refused as before; with `dns local` they go to the client's own
# nameserver, which the recorder does see.
. "$(dirname "$0")/lib.sh"

RESQ=$S6_BUILDDIR/tests/integration/s6_resq
require_built "$S6_BIN" "$S6_SERVER_BIN" "$RESQ"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup
# A search domain, for res_search of a single label.
echo 'search s6test' >>"/etc/netns/$NS_C/resolv.conf"

RES_NAME=res.s6test
RES_ADDR=203.0.113.53
# The proxy's nameserver (its resolv.conf says 127.0.0.1): A for RES_NAME,
# NXDOMAIN for everything else, over UDP as the proxy's res_nsend asks.
cat >"$S6_TMP/dns.py" <<-'EOF'
import socket, sys
name, addr = sys.argv[1].lower(), socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("dns ready", flush=True)
while True:
    q, peer = s.recvfrom(4096)
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    qname, qtype = ".".join(labels).lower(), q[i + 1:i + 3]
    question = q[12:i + 5]
    print("query", qname, flush=True)
    if qname == name and qtype == b"\0\1":
        head = q[:2] + b"\x85\x80\0\1\0\1\0\0\0\0"
        rr = b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + addr
    else:
        head = q[:2] + b"\x85\x83\0\1\0\0\0\0\0\0"
        rr = b""
    s.sendto(head + question + rr, peer)
EOF
bg_start pdns --ns "$NS_P" "$S6_PYTHON" -u "$S6_TMP/dns.py" "$RES_NAME" "$RES_ADDR"
wait_for_log 'dns ready' "$S6_TMP/pdns.out" 10 || fail "the proxy's DNS responder did not start"

start_server --ns "$NS_P" --name s6 -v --socks6 "$P_ADDR:1080"
start_server --ns "$NS_P" --name s4 -v --socks4a "$P_ADDR:1081"
P6=socks6://$P_ADDR:1080

for mode in query search nquery send; do
	run "$mode" s6 --ns "$NS_C" -v -p "$P6" "$RESQ" "$mode" "$RES_NAME"
	expect_rc 0 "socks6: res_$mode $RES_NAME answered"
	expect_out "^A $RES_ADDR\$" "socks6: res_$mode gives the A record"
done
run search1 s6 --ns "$NS_C" -p "$P6" "$RESQ" search res
expect_out "^A $RES_ADDR\$" "socks6: res_search of one label tries the search domain"
run query s6 --ns "$NS_C" -v -p "$P6" "$RESQ" query "$RES_NAME"
expect_err "res_query\\($RES_NAME\\): answered through the proxy" "socks6: the shim logs the answer"

run missing s6 --ns "$NS_C" -p "$P6" "$RESQ" query missing.s6test
expect_rc 1 "socks6: res_query of a missing name fails"
expect_out "^fail h_errno=1\$" "socks6: a missing name gives HOST_NOT_FOUND"
run nmissing s6 --ns "$NS_C" -p "$P6" "$RESQ" nquery missing.s6test
expect_out "^fail h_errno=1\$" "socks6: res_nquery of a missing name gives HOST_NOT_FOUND"
run smissing s6 --ns "$NS_C" -p "$P6" "$RESQ" send missing.s6test
expect_rc 0 "socks6: res_send of a missing name returns the answer"
expect_out "^rcode 3\$" "socks6: res_send's answer carries NXDOMAIN"
grep -q "query missing.s6test" "$S6_TMP/pdns.out" ||
	fail "the proxy's nameserver never saw missing.s6test" "$S6_TMP/pdns.out"
pass "the proxy's resolver asked its own nameserver"
expect_no_dns_leak "socks6: no DNS packet from the client reached its nameserver"

# The proxy unreachable: TRY_AGAIN, one log line, no hang.
run down s6 --ns "$NS_C" -p "socks6://$P_ADDR:1" "$RESQ" query "$RES_NAME"
expect_out "^fail h_errno=2\$" "socks6: proxy unreachable gives TRY_AGAIN"
expect_err "res_query: cannot reach proxy" "socks6: proxy unreachable is logged"

run s4 s6 --ns "$NS_C" -p "socks4a://$P_ADDR:1081" "$RESQ" query "$RES_NAME"
expect_out "^fail h_errno=3\$" "socks4a: res_query refused (NO_RECOVERY)"
expect_err "res_query\\($RES_NAME\\): refused" "socks4a: the refusal is logged"
expect_no_dns_leak "socks4a: no DNS packet from the client reached its nameserver"

# dns local: libc's own resolver, to the client's nameserver (the recorder,
# which does not answer): the query is seen there.
cl=$(conf local "proxy $P6" "dns local")
run local s6 --ns "$NS_C" -f "$cl" "$RESQ" query local.s6test
expect_rc 1 "dns local: res_query goes to the local nameserver (no answer)"
sleep 0.2
grep -q "local.s6test" "$DNS_LOG" || fail "dns local: the recorder did not see the query" "$DNS_LOG"
pass "dns local: the query passed through to libc"

finish

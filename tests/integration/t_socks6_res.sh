#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The res_* family through `socks6ify -p socks6://...`: res_query, res_search,
# res_nquery and res_send in the isolated client namespace are answered by
# the proxy's DNS service (a CONNECT to 0.0.0.0:53), whose resolver asks a
# small responder on the proxy's loopback: the A record of a test name comes
# back, a missing name gives HOST_NOT_FOUND (res_send: RCODE 3), and the
# client's nameserver (the recorder) sees nothing. Consecutive queries of a
# thread share one stream (one CONNECT at the proxy); one the proxy closed
# idle is replaced; a forked child and each thread open their own; the
# stream sits high and close-on-exec. Through SOCKS4a they are refused as
# before; with `dns local` they go to the client's own nameserver, which
# the recorder does see.
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
S6_LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name s6idle -v --idle-timeout 1 --socks6 "$P_ADDR:1082"
IDLE_LOG=$S6_SERVER_LOG
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

# DNS-service CONNECTs at a proxy so far; its streams that ended with N queries.
dns_connects() { grep -cE "socks6 [^ ]+ CONNECT 0\.0\.0\.0:53 .*reply=0 " "$1"; }
dns_ended() { grep -cE "socks6-dns [^ ]+ ended: $2 queries" "$1"; }
# Wait (bounded) until the proxy logged WANT ended streams of N queries.
wait_ended() {
	for _ in $(seq 50); do
		[ "$(dns_ended "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

c0=$(dns_connects "$S6_LOG")
[ "$c0" -ge 5 ] || fail "the proxy's log has no DNS-service CONNECT lines ($c0)" "$S6_LOG"
run reuse s6 --ns "$NS_C" -p "$P6" "$RESQ" -n 5 query "$RES_NAME"
expect_rc 0 "reuse: five res_query in one process answered"
[ "$(grep -c "^A $RES_ADDR\$" "$S6_TMP/reuse.out")" -eq 5 ] ||
	fail "reuse: not five answers" "$S6_TMP/reuse.out"
pass "reuse: five answers"
c1=$(dns_connects "$S6_LOG")
[ $((c1 - c0)) -eq 1 ] || fail "reuse: $((c1 - c0)) CONNECTs for five queries, not one" "$S6_LOG"
pass "reuse: one CONNECT to the DNS service for five queries"
expect_out "^high-fds 1 cloexec 1\$" "reuse: the kept stream sits high, close-on-exec"
expect_out "^next-fd 3\$" "reuse: the program's low numbers stay free"
wait_ended "$S6_LOG" 5 1 || fail "reuse: no stream of five queries ended at the proxy" "$S6_LOG"
pass "reuse: the proxy served the five queries on one stream"

run mixed s6 --ns "$NS_C" -p "$P6" "$RESQ" -n 3 search res
expect_rc 0 "reuse: three res_search of one label (search domain) answered"
c2=$(dns_connects "$S6_LOG")
[ $((c2 - c1)) -eq 1 ] || fail "reuse: $((c2 - c1)) CONNECTs for three searches" "$S6_LOG"
pass "reuse: res_search shares the stream too"

# Each thread its own stream, closed when the thread exits.
run threads s6 --ns "$NS_C" -p "$P6" "$RESQ" -t -n 3 nquery "$RES_NAME"
expect_rc 0 "threads: three res_nquery, each on a new thread"
c3=$(dns_connects "$S6_LOG")
[ $((c3 - c2)) -eq 3 ] || fail "threads: $((c3 - c2)) CONNECTs for three threads" "$S6_LOG"
pass "threads: one stream per thread"
expect_out "^high-fds 0 cloexec 0\$" "threads: a thread's stream is closed when it exits"

# fork: the child opens its own stream; the parent's stays in step.
run fork s6 --ns "$NS_C" -p "$P6" "$RESQ" -n 2 -f query "$RES_NAME"
expect_rc 0 "fork: parent, child, parent again answered"
[ "$(grep -c "^A $RES_ADDR\$" "$S6_TMP/fork.out")" -eq 4 ] ||
	fail "fork: not four answers" "$S6_TMP/fork.out"
pass "fork: four answers"
c4=$(dns_connects "$S6_LOG")
[ $((c4 - c3)) -eq 2 ] || fail "fork: $((c4 - c3)) CONNECTs, not two (parent, child)" "$S6_LOG"
pass "fork: the child used a stream of its own"
wait_ended "$S6_LOG" 3 1 || fail "fork: the parent's stream did not carry its three queries" "$S6_LOG"
pass "fork: the parent's stream carried its three queries, the child wrote none on it"

# A message the DNS service refuses (a response, QR set) makes the proxy
# close the kept stream at the first read: one more try on a new stream,
# which the proxy closes too, and the call fails; no third try. The next
# query opens a new stream.
run bad s6 --ns "$NS_C" -p "$P6" "$RESQ" -b query "$RES_NAME"
expect_rc 0 "dead stream: the refused message fails, the next query is answered"
expect_out "^bad refused\$" "dead stream: res_send of a response fails"
[ "$(grep -c "^A $RES_ADDR\$" "$S6_TMP/bad.out")" -eq 2 ] ||
	fail "dead stream: not two answers" "$S6_TMP/bad.out"
pass "dead stream: the query after it is answered"
c5=$(dns_connects "$S6_LOG")
[ $((c5 - c4)) -eq 3 ] || fail "dead stream: $((c5 - c4)) CONNECTs, not three (kept, one retry, next)" "$S6_LOG"
pass "dead stream: a kept stream found closed at the first read is replaced once, no more"
expect_err "no DNS answer" "dead stream: the failure is logged"

# The proxy closes the stream after 1 s idle: the next query opens a new
# one, without an error.
run idle s6 --ns "$NS_C" -v -p "socks6://$P_ADDR:1082" "$RESQ" -n 3 -w 1600 query "$RES_NAME"
expect_rc 0 "idle: three queries 1.6 s apart through a proxy with a 1 s idle timeout"
[ "$(grep -c "^A $RES_ADDR\$" "$S6_TMP/idle.out")" -eq 3 ] ||
	fail "idle: not three answers" "$S6_TMP/idle.out"
pass "idle: three answers"
[ "$(dns_connects "$IDLE_LOG")" -eq 3 ] || fail "idle: expected three CONNECTs" "$IDLE_LOG"
pass "idle: a stream the proxy closed is replaced"
grep -qE "socks6-dns [^ ]+ ended: 1 queries.*idle timeout" "$IDLE_LOG" ||
	fail "idle: the proxy did not close a stream idle" "$IDLE_LOG"
pass "idle: the proxy's idle timeout closed the kept stream"
grep -q "no DNS answer" "$S6_TMP/idle.err" && fail "idle: a query failed" "$S6_TMP/idle.err"
pass "idle: no query failed on the closed stream"

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

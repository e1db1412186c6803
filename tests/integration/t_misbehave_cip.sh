#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile CONNECT-IP proxies (issue 8): socks6ify-server --misbehave on a
# --connect-ip listener plays a proxy that answers the Upgrade with bytes of
# its choosing: status lines other than 101, heads cut short, capsules whose
# varints are non-minimal, truncated or oversized, capsule lengths that lie,
# unknown capsules, ADDRESS_ASSIGN with bad versions and prefixes,
# ROUTE_ADVERTISEMENT out of order, endless capsules, one byte per segment,
# silence and resets. For each case the C probe runs through socks6ify and
# socks6ify-engine (connect-ip-plain) blocking and non-blocking and must:
#   - see the errno the README documents for the failure class,
#   - return within connect-timeout (1 s) plus a margin,
#   - get one log line naming proxy, target and reason,
#   - not crash (exit status 0 or 1; no sanitizer report: finish checks);
# one engine serves every case and afterwards a good connection through the
# real --connect-ip server (the engine did not crash or wedge), and a packet
# capture proves the client sent nothing but proxy traffic.
# S6_MISB_EXPLORE=1 prints what each case gives and asserts nothing;
# S6_MISB_ONLY=REGEX runs a subset.
. "$(dirname "$0")/lib.sh"

PROBE=$S6_BUILDDIR/tests/integration/s6_probe
ENGINE=$S6_BUILDDIR/src/engine/socks6ify-engine
require_built "$S6_BIN" "$S6_SERVER_BIN" "$PROBE" "$ENGINE"
"$S6_SERVER_BIN" --help 2>&1 | grep -q -- '--connect-ip ' || skip "socks6ify-server has no --connect-ip"
[ -x "$S6_PYTHON" ] || skip "needs python3"
SOCKS6IFY_ENGINE=$(engine_wrapped "$ENGINE")
export SOCKS6IFY_ENGINE
ELOG=$XDG_RUNTIME_DIR/socks6ify/engine.log
EXPLORE=${S6_MISB_EXPLORE:-0}
LIMIT_MS=3500
[ "$S6_SANITIZERS" = yes ] && LIMIT_MS=8000
BASE_PORT=3200

declare -A ERRNO=([EPROTO]=71 [ECONNRESET]=104 [ETIMEDOUT]=110 [ECONNREFUSED]=111
	[EACCES]=13 [ENETUNREACH]=101 [EHOSTUNREACH]=113)
NB_MODES=(poll select epoll epoll-et)

# hx TEXT: the bytes of TEXT (printf %b escapes) as hex pairs.
hx() { printf '%b' "$1" | od -An -v -tx1 | tr -s ' \n' ' '; }

S200=$(hx 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
S407=$(hx 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
S101_BARE=$(hx 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n')
S101_CUT=$(hx 'HTTP/1.1 101 Switching Protocols\r\nUpgr')
# ADDRESS_ASSIGN payloads (Request ID 0, version, address, prefix length)
# and ROUTE_ADVERTISEMENT ranges (version, start, end, protocol).
A4='00 04 0a 63 00 07 20'
V6_0='00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'
V6_F='ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff'
R4_MISS='04 cb 00 71 00 cb 00 71 ff 06'              # 203.0.113.0/24, TCP
R4_A='04 0a 00 00 00 0a 00 00 ff 06'                 # 10.0.0.0/24
R4_B='04 0a 00 01 00 0a 00 01 ff 06'                 # 10.0.1.0/24
R4_ALL="04 00 00 00 00 ff ff ff ff 00"
R6_ALL="06 $V6_0 $V6_F 00"
OK101='expect request; send http-101'

# ID | WANT | SCRIPT. WANT: the errno name the probe must see, or ok:REGEX
# (the probe connects and prints a line matching REGEX); A/B: either
# (random bytes decide).
CASES=(
	# the HTTP stage
	"cip-close-at-accept|ECONNRESET|close"
	"cip-close-after-req|ECONNRESET|expect request; close"
	"cip-rst-after-req|ECONNRESET|expect request; rst"
	"cip-silence-after-req|ETIMEDOUT|expect request; silence"
	"cip-status-200|ECONNREFUSED|expect request; send $S200; close"
	"cip-status-407|EACCES|expect request; send $S407; close"
	"cip-101-no-upgrade|EPROTO|expect request; send $S101_BARE; silence"
	"cip-head-cut|ECONNRESET|expect request; send $S101_CUT; close"
	"cip-head-binary|EPROTO|expect request; send 16 03 01 00 05 00 0d 0a 0d 0a; silence"
	"cip-head-flood|EPROTO|expect request; flood random"
	# capsule framing: varints and lengths
	"cip-101-close|ECONNRESET|$OK101; close"
	"cip-101-silence|ETIMEDOUT|$OK101; silence"
	"cip-101-rst|ECONNRESET|$OK101; sleep 100; rst"
	"cip-type-cut|ECONNRESET|$OK101; send 40; close"
	"cip-length-cut|ECONNRESET|$OK101; send 01 80 00; close"
	"cip-type-nonminimal|ENETUNREACH|$OK101; send 40 01 07 $A4; send capsule 3 $R4_MISS; silence"
	"cip-length-nonminimal|ENETUNREACH|$OK101; send 01 80 00 00 07 $A4; send capsule 3 $R4_MISS; silence"
	"cip-length-huge|EPROTO|$OK101; send 01 c0 ff ff ff ff ff ff ff $A4; silence"
	"cip-length-short|EPROTO|$OK101; send 01 03 $A4; silence"
	"cip-length-long|ECONNRESET|$OK101; send 01 40 64 $A4; close"
	"cip-length-long-silent|ETIMEDOUT|$OK101; send 01 40 64 $A4; silence"
	# unknown and endless capsules
	"cip-unknown-skipped|ENETUNREACH|$OK101; send capsule 4242 de ad be ef; send capsule 1 $A4; send capsule 16383; send capsule 3 $R4_MISS; silence"
	"cip-unknown-endless|ETIMEDOUT|$OK101; send 7f ff c0 ff ff ff ff ff ff ff; flood random"
	"cip-empty-datagrams|EPROTO|$OK101; flood zero"
	"cip-flood-random|ETIMEDOUT/EPROTO|$OK101; flood random"
	# ADDRESS_ASSIGN
	"cip-assign-v5|EPROTO|$OK101; send capsule 1 00 05 0a 63 00 07 20; silence"
	"cip-assign-prefix-33|EPROTO|$OK101; send capsule 1 00 04 0a 63 00 07 21; silence"
	"cip-assign-v6-prefix-129|EPROTO|$OK101; send capsule 1 00 06 $V6_F 81; silence"
	"cip-assign-addr-cut|EPROTO|$OK101; send capsule 1 00 04 0a 63; silence"
	# ROUTE_ADVERTISEMENT
	"cip-route-out-of-order|EPROTO|$OK101; send capsule 1 $A4; send capsule 3 $R4_B $R4_A; silence"
	"cip-route-v6-first|EPROTO|$OK101; send capsule 1 $A4; send capsule 3 $R6_ALL $R4_ALL; silence"
	"cip-route-overlap|EPROTO|$OK101; send capsule 1 $A4; send capsule 3 $R4_A $R4_A; silence"
	"cip-route-start-after-end|EPROTO|$OK101; send capsule 1 $A4; send capsule 3 04 0a 00 00 ff 0a 00 00 00 06; silence"
	"cip-route-all-then-rst|ECONNRESET|$OK101; send capsule 1 $A4; send capsule 3 $R4_ALL; sleep 300; rst"
	# one byte per segment: parsed the same
	"cip-split-1|ENETUNREACH|expect request; split 1 1; send http-101; send capsule 1 $A4; send capsule 3 $R4_MISS; silence"
	# a late proxy that then behaves: the real CONNECT-IP server takes over
	"cip-relay-late|ok:^HTTP/1\\.[01] 200|sleep 300; relay"
)

netns_setup
capture_start

ids=() wants=() scripts=() ports=() srv_pids=()
i=0
for c in "${CASES[@]}"; do
	IFS='|' read -r id want script <<<"$c"
	i=$((i + 1))
	[[ $id =~ ${S6_MISB_ONLY:-.} ]] || continue
	ids+=("$id") wants+=("$want") scripts+=("$script") ports+=($((BASE_PORT + i)))
done
n=${#ids[@]}
[ "$n" -ge 15 ] || [ -n "${S6_MISB_ONLY:-}" ] || fail "only $n cases"
for k in $(seq 0 $((n - 1))); do
	bg_start "srv-${ids[$k]}" --ns "$NS_P" "$S6_SERVER_BIN" --connect-ip "$P_ADDR:${ports[$k]}" \
		--handshake-timeout 5 --misbehave "inline:${scripts[$k]}"
	srv_pids+=("$BG_PID")
done
for k in $(seq 0 $((n - 1))); do
	wait_for_log 'listening ' "$S6_TMP/srv-${ids[$k]}.err" 10 ||
		fail "misbehaving server for ${ids[$k]} did not start"
done
pass "$n misbehaving CONNECT-IP servers started (one per case)"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# errnos WANT: the errno numbers WANT allows, as a regex alternation.
errnos()
{
	local w re= IFS=/
	for w in $1; do
		re=${re:+$re|}${ERRNO[$w]}
	done
	echo "($re)"
}

# check_run ID WANT PORT MODE MS: judge the last run.
check_run()
{
	local id=$1 want=$2 port=$3 mode=$4 ms=$5 bad=
	local steps='(connect|so_error|send|recv|wait|wait-read)'
	if [ "$RC" -ge 2 ]; then
		bad="exit status $RC (crash or hang)"
	elif [ "$ms" -gt "$LIMIT_MS" ]; then
		bad="took $ms ms (limit $LIMIT_MS)"
	elif [ "${want#ok:}" != "$want" ]; then
		[ "$RC" = 0 ] && grep -qE -- "${want#ok:}" "$S6_TMP/$S6_LAST.out" ||
			bad="expected success with /${want#ok:}/"
	else
		grep -qE "^fail $mode at=$steps errno=$(errnos "$want") " \
			"$S6_TMP/$S6_LAST.out" || bad="expected $want"
		[ "$(grep -cE "proxy connect-ip://$P_ADDR:$port target $W_ADDR:$W_PORT: ." \
			"$S6_TMP/$S6_LAST.err")" = 1 ] || bad="${bad:+$bad; }not one log line naming proxy and target"
	fi
	if [ "$EXPLORE" = 1 ]; then
		echo "# $id $mode ${ms}ms rc=$RC: $(tr '\n' ' ' <"$S6_TMP/$S6_LAST.out" | cut -c1-90) | $(grep -v WARNING "$S6_TMP/$S6_LAST.err" | tail -n 1 | cut -c1-200)${bad:+  <<< $bad}"
		return
	fi
	[ -z "$bad" ] || fail_last "$id ($mode): $bad"
	local how=", logged with proxy and target"
	[ "${want#ok:}" = "$want" ] || how=""
	pass "$id ($mode): $want in $ms ms$how"
}

for k in $(seq 0 $((n - 1))); do
	id=${ids[$k]} port=${ports[$k]}
	cf=$(conf "$id" "proxy connect-ip://$P_ADDR:$port" "connect-ip-plain yes" "connect-timeout 1")
	for mode in block "${NB_MODES[$((k % ${#NB_MODES[@]}))]}"; do
		t0=$(now_ms)
		run "$id-$mode" s6 --ns "$NS_C" -f "$cf" "$PROBE" -t 5000 "$mode" "$W_ADDR" "$W_PORT"
		check_run "$id" "${wants[$k]}" "$port" "$mode" $(($(now_ms) - t0))
	done
done
[ "$EXPLORE" = 1 ] || [ -n "${S6_MISB_ONLY:-}" ] ||
	pass "all $n cases: documented errno (or the relayed success), in time, logged, no crash"

# The engine that took every hostile tunnel still serves: a page through
# the real CONNECT-IP server, from the same engine process.
epid=$(sed -nE 's/^.*\[([0-9]+)\] started.*/\1/p' "$ELOG" | head -n 1)
[ -n "$epid" ] || fail "the engine logged no start" "$ELOG"
start_server --ns "$NS_P" --name realcip --connect-ip "$P_ADDR:0"
ports+=("$S6_SERVER_PORT")
cf=$(conf real "proxy connect-ip://$P_ADDR:$S6_SERVER_PORT" "connect-ip-plain yes" "connect-timeout 5")
run real s6 --ns "$NS_C" -f "$cf" "$PROBE" -t 10000 block "$W_ADDR" "$W_PORT"
expect_rc 0 "a good connection through the real CONNECT-IP server afterwards"
expect_out '^HTTP/1\.[01] 200' "the page's status line arrived"
[ "$(grep -c '\] started' "$ELOG")" = 1 ] && kill -0 "$epid" 2>/dev/null ||
	fail "the engine was restarted or died during the cases" "$ELOG"
pass "one engine (pid $epid) served every hostile case and the good connection"

dead=0
for pid in "${srv_pids[@]}"; do
	kill -0 "$pid" 2>/dev/null || dead=$((dead + 1))
done
[ "$dead" = 0 ] || fail "$dead misbehaving servers died"
pass "all ${#srv_pids[@]} misbehaving servers still running"

if [ "$EXPLORE" != 1 ]; then
	expect_capture_only_proxy "${ports[@]}"
	expect_no_dns_leak "no DNS query left the client"
fi
kill "$epid" 2>/dev/null   # the engine this script started: not left idling
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile proxies (issue 8): socks6ify-server --misbehave plays a proxy that
# sends wrong versions, truncated, oversized and lying replies, bad options,
# replies one byte per segment, endless data, silence and resets at each
# step (tests/integration/misbehave/cases.txt, one case per line). For each
# case the C probe runs through socks6ify twice, blocking with the classic
# handshake (socks6-optimistic no) and non-blocking (poll, select, epoll,
# edge-triggered epoll in turn) with the defaults, and must:
#   - see the errno the README documents for the failure class (or succeed
#     and read the line the case names: data after the reply is the
#     program's),
#   - return within connect-timeout (1 s) plus a margin,
#   - get one shim log line naming proxy, target and reason,
#   - not crash (exit status 0 or 1; no sanitizer report: finish checks);
# the target is reachable only through the proxy namespace and a packet
# capture proves the client sent nothing but proxy traffic. Python runs a
# few cases too; UDP ASSOCIATE and BIND get malformed replies; a few cases
# run 200 times in one process with a bound on the resident size.
. "$(dirname "$0")/lib.sh"

PROBE=$S6_BUILDDIR/tests/integration/s6_probe
TOOL=$S6_BUILDDIR/tests/integration/s6_tool
CASES=$S6_SRCDIR/tests/integration/misbehave/cases.txt
require_built "$S6_BIN" "$S6_SERVER_BIN" "$PROBE"
[ -x "$S6_PYTHON" ] || skip "needs python3"
# S6_MISB_EXPLORE=1: print what each case gives, assert nothing.
EXPLORE=${S6_MISB_EXPLORE:-0}
LIMIT_MS=3500
[ "$S6_SANITIZERS" = yes ] && LIMIT_MS=8000
BASE_PORT=3000

declare -A ERRNO=([EPROTO]=71 [ECONNRESET]=104 [ETIMEDOUT]=110 [ECONNREFUSED]=111
	[EACCES]=13 [ENETUNREACH]=101 [EHOSTUNREACH]=113 [EOPNOTSUPP]=95
	[EAFNOSUPPORT]=97 [EPIPE]=32)
NB_MODES=(poll select epoll epoll-et)

netns_setup
capture_start

# ---- the cases, and one misbehaving server per case
ids=() protos=() wants=() scripts=() extras=()
trim() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$1"; }
while IFS='|' read -r id proto want script extra; do
	id=$(trim "$id")
	case $id in '' | '#'*) continue ;; esac
	[[ $id =~ ${S6_MISB_ONLY:-.} ]] || continue   # S6_MISB_ONLY=REGEX: a subset
	ids+=("$id")
	protos+=("$(trim "$proto")")
	wants+=("$(trim "$want")")
	scripts+=("$(trim "$script")")
	extras+=("$(trim "${extra:-}")")
done <"$CASES"
n=${#ids[@]}
[ "$n" -ge 40 ] || [ -n "${S6_MISB_ONLY:-}" ] || fail "only $n cases in $CASES"

ports=() srv_pids=()
for i in $(seq 0 $((n - 1))); do
	port=$((BASE_PORT + i))
	ports+=("$port")
	kind=--socks6
	[ "${protos[$i]}" = s4 ] && kind=--socks4a
	bg_start "srv-${ids[$i]}" --ns "$NS_P" "$S6_SERVER_BIN" "$kind" "$P_ADDR:$port" \
		--handshake-timeout 5 --misbehave "inline:${scripts[$i]}"
	srv_pids+=("$BG_PID")
done
for i in $(seq 0 $((n - 1))); do
	wait_for_log 'listening ' "$S6_TMP/srv-${ids[$i]}.err" 10 ||
		fail "misbehaving server for ${ids[$i]} did not start"
done
pass "$n misbehaving servers started (one per case)"

# conf NAME EXTRA: connect-timeout 1 and the case's extra lines.
case_conf()
{
	local name=$1 extra=$2 lines=(connect-timeout\ 1)
	local IFS=,
	for l in $extra; do
		lines+=("$(trim "$l")")
	done
	unset IFS
	conf "$name" "${lines[@]}"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

KNOWN=()
# check_run ID WANT SCHEME PORT MODE: judge the last run.
check_run()
{
	local id=$1 want=$2 scheme=$3 port=$4 mode=$5 ms=$6 known=no bad=
	if [ "${want#KNOWN-BUG:}" != "$want" ]; then
		known=yes
		want=${want#KNOWN-BUG:}
	fi
	if [ "$RC" -ge 2 ]; then
		bad="exit status $RC (crash or hang)"
	elif [ "$ms" -gt "$LIMIT_MS" ]; then
		bad="took $ms ms (limit $LIMIT_MS)"
	elif [ "${want#ok:}" != "$want" ]; then
		[ "$RC" = 0 ] && grep -qE -- "${want#ok:}" "$S6_TMP/$S6_LAST.out" ||
			bad="expected success with /${want#ok:}/"
	else
		grep -qE "^fail $mode at=(connect|so_error|send|recv|wait|wait-read) errno=${ERRNO[$want]} " \
			"$S6_TMP/$S6_LAST.out" || bad="expected $want"
		grep -qE "proxy $scheme://$P_ADDR:$port target $W_ADDR:$W_PORT: ." \
			"$S6_TMP/$S6_LAST.err" || bad="${bad:+$bad; }no log line naming proxy and target"
	fi
	if [ "$EXPLORE" = 1 ]; then
		echo "# $id $mode ${ms}ms rc=$RC: $(tr '\n' ' ' <"$S6_TMP/$S6_LAST.out" | cut -c1-100) | $(tail -n 1 "$S6_TMP/$S6_LAST.err" | cut -c1-160)${bad:+  <<< $bad}"
		return
	fi
	if [ -n "$bad" ] && [ "$known" = yes ]; then
		echo "# KNOWN-BUG $id ($mode): $bad"
		KNOWN+=("$id/$mode")
		return
	fi
	[ -z "$bad" ] || fail_last "$id ($mode): $bad"
	[ "$known" = no ] || echo "# $id ($mode) marked KNOWN-BUG passes now"
	pass "$id ($mode): ${want} in ${ms} ms"
}

for i in $(seq 0 $((n - 1))); do
	id=${ids[$i]} port=${ports[$i]}
	scheme=socks6
	[ "${protos[$i]}" = s4 ] && scheme=socks4a
	f_classic=$(case_conf "$id-classic" "socks6-optimistic no,${extras[$i]}")
	f_default=$(case_conf "$id-default" "${extras[$i]}")
	nb=${NB_MODES[$((i % ${#NB_MODES[@]}))]}
	for mode in block "$nb"; do
		cf=$f_default
		[ "$mode" = block ] && cf=$f_classic
		t0=$(now_ms)
		run "$id-$mode" s6 --ns "$NS_C" -f "$cf" -p "$scheme://$P_ADDR:$port" \
			"$PROBE" -t 5000 "$mode" "$W_ADDR" "$W_PORT"
		check_run "$id" "${wants[$i]}" "$scheme" "$port" "$mode" $(($(now_ms) - t0))
	done
done
[ "$EXPLORE" = 1 ] || [ -n "${S6_MISB_ONLY:-}" ] || pass "all $n cases: documented errno or success, in time, logged, no crash"

# port_of ID: the port of a case's server.
port_of()
{
	local i
	for i in "${!ids[@]}"; do
		[ "${ids[$i]}" = "$1" ] && { echo "${ports[$i]}"; return; }
	done
	fail "no case $1"
}

# ---- Python on a few of the cases, blocking and with a timeout
cat >"$S6_TMP/conn.py" <<-'PY'
import errno, socket, sys
host, port, mode, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(8 if mode == "nonblock" else None)
    try:
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while b"\n" not in data and len(data) < 4096:
            chunk = s.recv(64)
            if not chunk:
                break
            data += chunk
        print("connected " + data.decode("latin-1").split("\n")[0].strip(), flush=True)
    except OSError as e:
        print("errno=" + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    s.close()
PY
PY_CASES=(s6-auth-version-5:EPROTO s6-silence-after-auth:ETIMEDOUT s6-rst-after-req:ECONNRESET
	s6-split-1:'connected HTTP/1.0 200 misb' s4-trunc-4:ECONNRESET s4-split-1:'connected HTTP/1.0 200 misb')
if [ -z "${S6_MISB_ONLY:-}" ]; then
	pyconf=$(case_conf py "")
	for pc in "${PY_CASES[@]}"; do
		id=${pc%%:*} want=${pc#*:} port=$(port_of "${pc%%:*}")
		scheme=socks6
		[ "${id:0:2}" = s4 ] && scheme=socks4a
		for mode in block nonblock; do
			t0=$(now_ms)
			run "py-$id-$mode" s6 --ns "$NS_C" -f "$pyconf" -p "$scheme://$P_ADDR:$port" \
				"$S6_PYTHON" "$S6_TMP/conn.py" "$W_ADDR" "$W_PORT" "$mode" 1
			ms=$(($(now_ms) - t0))
			[ "$RC" = 0 ] || fail_last "python $id ($mode): exit status $RC"
			[ "$ms" -le $((LIMIT_MS + 1000)) ] || fail_last "python $id ($mode): took $ms ms"
			line=$want
			[[ $want = connected* ]] || line="errno=$want"
			expect_out "^$line\$" "python $id ($mode): $line in $ms ms"
		done
	done
fi

# misb_server NAME PORT KIND SCRIPT: one more misbehaving server.
XPORT=3900
misb_server()
{
	bg_start "srv-$1" --ns "$NS_P" "$S6_SERVER_BIN" "--$3" "$P_ADDR:$2" \
		--handshake-timeout 5 --misbehave "inline:$4"
	srv_pids+=("$BG_PID")
	wait_for_log 'listening ' "$S6_TMP/srv-$1.err" 10 || fail "server $1 did not start"
	ports+=("$2")
}

# ---- sessions: a proxy that grants the same Session ID again instead of
# Session OK on every later request (a wrong answer to a Session ID), and
# one that answers each request with Session Invalid after granting: three
# connections of one program, each either connected or refused cleanly.
if [ -z "${S6_MISB_ONLY:-}" ]; then
	SID='00 06 00 08 de ad be ef'
	WIN='00 0c 00 0c 00 00 00 01 00 00 00 04'
	misb_server regrant $((XPORT + 1)) socks6 \
		"expect request; send auth-ok $SID $WIN; send op-ok; text pong"
	misb_server okwrong $((XPORT + 2)) socks6 \
		"expect request; send auth-ok 00 08 00 04 $SID; send op-ok; text pong"
	for name in regrant okwrong; do
		port=$((XPORT + 1)); [ $name = okwrong ] && port=$((XPORT + 2))
		t0=$(now_ms)
		run "sess-$name" s6 --ns "$NS_C" -f "$pyconf" -p "socks6://$P_ADDR:$port" \
			"$S6_PYTHON" "$S6_TMP/conn.py" "$W_ADDR" "$W_PORT" block 3
		ms=$(($(now_ms) - t0))
		[ "$RC" = 0 ] || fail_last "session $name: exit status $RC"
		[ "$ms" -le $((3 * LIMIT_MS)) ] || fail_last "session $name: took $ms ms"
		[ "$(grep -cE '^(connected pong|errno=E[A-Z]+)$' "$S6_TMP/sess-$name.out")" = 3 ] ||
			fail_last "session $name: three clean results expected"
		pass "session $name: 3 connects, each connected or a clean errno ($(sort "$S6_TMP/sess-$name.out" | uniq -c | tr -s ' \n' ' '))"
	done
fi

# ---- UDP ASSOCIATE: malformed replies to a program's first datagram, each
# case twice. A blocking sendto makes the association: it fails with a
# clean errno in time. A non-blocking sendto is accepted (the association is
# made in the background, the datagram queued); then the failure is
# reported once, like a pending socket error: by a blocking recvfrom at
# once, or by poll (POLLERR, through a socket timeout) and the recvfrom
# after it. Either way one log line names proxy, target and reason (and the
# queued datagram dropped).
cat >"$S6_TMP/udp.py" <<-'PY'
import errno, socket, sys
mode, dst = sys.argv[1], (sys.argv[2], int(sys.argv[3]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    if mode != "block":
        s.setblocking(False)
    s.sendto(b"ping", dst)
    print("sent", flush=True)
    if mode == "nb":
        s.setblocking(True)
    elif mode == "nbpoll":
        s.settimeout(8)   # poll for input, then recvfrom
    s.recvfrom(100)
    print("received", flush=True)
except OSError as e:
    print("errno=" + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
PY
OPOK='06 00 00 00 00 00 00 01 c0 00 02 01'   # bound to the proxy's address, port 0
UDP_CASES=(
	"udp-init-short|EPROTO|expect request; send auth-ok; send $OPOK; send 06 01 00 0b 00 00 00 00 00 00 00 01; close"
	"udp-init-type|EPROTO|expect request; send auth-ok; send $OPOK; send 06 07 00 0c 00 00 00 00 00 00 00 01; close"
	"udp-init-version|EPROTO|expect request; send auth-ok; send $OPOK; send 05 01 00 0c 00 00 00 00 00 00 00 01; close"
	"udp-init-lies|ETIMEDOUT|expect request; send auth-ok; send $OPOK; send 06 01 ff ff 00 00; silence"
	"udp-close-after-op|ECONNRESET|expect request; send auth-ok; send $OPOK; close"
	"udp-reply-7|EOPNOTSUPP|expect request; send auth-ok; send reply 7"
	"udp-op-garbage|EPROTO|expect request; send auth-ok; send 06 00 00 00 00 00 00 09 00 00 00 00; close"
)
if [ -z "${S6_MISB_ONLY:-}" ]; then
	udpconf=$(case_conf udp "")
	k=10
	for uc in "${UDP_CASES[@]}"; do
		IFS='|' read -r id want script <<<"$uc"
		k=$((k + 1))
		misb_server "$id" $((XPORT + k)) socks6 "$script"
		nbmode=nb
		[ $((k % 2)) = 0 ] && nbmode=nbpoll
		for mode in block "$nbmode"; do
			name=$id-$mode
			t0=$(now_ms)
			run "$name" s6 --ns "$NS_C" -f "$udpconf" -p "socks6://$P_ADDR:$((XPORT + k))" \
				"$S6_PYTHON" "$S6_TMP/udp.py" "$mode" "$W_ADDR" 9999
			ms=$(($(now_ms) - t0))
			if [ "$EXPLORE" = 1 ]; then
				echo "# $name ${ms}ms rc=$RC: $(tr '\n' ' ' <"$S6_TMP/$name.out") | $(tail -n 1 "$S6_TMP/$name.err")"
				continue
			fi
			[ "$RC" = 0 ] || fail_last "$name: exit status $RC"
			[ "$ms" -le $((LIMIT_MS + 1000)) ] || fail_last "$name: took $ms ms"
			# Python names errno 95 ENOTSUP
			werr="errno=${want/EOPNOTSUPP/(EOPNOTSUPP|ENOTSUP)}"
			if [ "$mode" = block ]; then
				grep -qxE "$werr" "$S6_TMP/$name.out" && [ "$(wc -l <"$S6_TMP/$name.out")" = 1 ] ||
					fail_last "$name: the blocking sendto did not fail with $want"
			else
				[ "$(head -n 1 "$S6_TMP/$name.out")" = sent ] ||
					fail_last "$name: the non-blocking sendto was not accepted"
				[ "$(wc -l <"$S6_TMP/$name.out")" = 2 ] && tail -n 1 "$S6_TMP/$name.out" | grep -qxE "$werr" ||
					fail_last "$name: the receive did not report $want"
			fi
			line="proxy socks6://$P_ADDR:$((XPORT + k)) target $W_ADDR:9999: UDP association: ."
			[ "$mode" = block ] || line="$line*; 1 queued datagram\\(s\\) dropped\$"
			[ "$(grep -cE "$line" "$S6_TMP/$name.err")" = 1 ] ||
				fail_last "$name: not one log line naming proxy, target and reason"
			pass "$name: $want in $ms ms, logged with proxy, target and reason"
		done
	done
fi

# ---- BIND (s6_tool, the client machine's BIND path): garbage, truncation
# and silence where the second Operation Reply should be.
BIND_CASES=(
	"bind-second-garbage|expect request; send auth-ok; send $OPOK; sleep 100; send 06 ff 00 00 00 00 00 01 00 00 00 00; close"
	"bind-second-version|expect request; send auth-ok; send $OPOK; sleep 100; send 05 00 00 00 00 00 00 01 00 00 00 00; close"
	"bind-second-trunc|expect request; send auth-ok; send $OPOK; send 06 00 00; close"
	"bind-second-silent|expect request; send auth-ok; send $OPOK; silence"
	"bind-second-rst|expect request; send auth-ok; send $OPOK; sleep 100; rst"
)
if [ -z "${S6_MISB_ONLY:-}" ] && [ -x "$TOOL" ]; then
	k=30
	for bc in "${BIND_CASES[@]}"; do
		IFS='|' read -r id script <<<"$bc"
		k=$((k + 1))
		misb_server "$id" $((XPORT + k)) socks6 "$script"
		t0=$(now_ms)
		run "$id" ip netns exec "$NS_C" env "${s6_wrapped_env[@]}" timeout 30 "$TOOL" \
			--proxy "$P_ADDR:$((XPORT + k))" --timeout 1000 bind 0.0.0.0 0
		ms=$(($(now_ms) - t0))
		if [ "$EXPLORE" = 1 ]; then
			echo "# $id ${ms}ms rc=$RC: $(tr '\n' ' ' <"$S6_TMP/$id.out") | $(tail -n 1 "$S6_TMP/$id.err")"
			continue
		fi
		[ "$RC" = 1 ] || fail_last "$id: exit status $RC, expected 1 (a clean failure)"
		[ "$ms" -le $((LIMIT_MS + 1000)) ] || fail_last "$id: took $ms ms"
		expect_err '^s6_tool: .' "$id: s6_tool fails cleanly in $ms ms"
	done
fi

# ---- memory: 200 hostile handshakes in one process, resident size bounded
# (the sanitizer build's allocator keeps freed memory in quarantine: there
# the rounds run, only the bound is left out).
LOOP_CASES=(s6-auth-version-5 s6-rst-after-req s6-one-segment s6-opt-len-65535 s4-reply-91)
if [ -z "${S6_MISB_ONLY:-}" ]; then
	for id in "${LOOP_CASES[@]}"; do
		port=$(port_of "$id")
		scheme=socks6 cf=$(case_conf "loop-$id" "socks6-optimistic no")
		[ "${id:0:2}" = s4 ] && scheme=socks4a
		run "loop-$id" s6 --ns "$NS_C" -f "$cf" -p "$scheme://$P_ADDR:$port" \
			"$PROBE" -t 5000 -n 200 block "$W_ADDR" "$W_PORT"
		[ "$RC" -le 1 ] || fail_last "loop $id: exit status $RC"
		read -r _ rounds okc first last < <(grep '^loop ' "$S6_TMP/loop-$id.out" |
			sed -E 's/[a-z_]+=//g')
		[ "${rounds:-0}" = 200 ] || fail_last "loop $id: no loop summary"
		want_ok=0
		[ "$id" = s6-one-segment ] && want_ok=200
		[ "$okc" = "$want_ok" ] || fail_last "loop $id: $okc of 200 succeeded, expected $want_ok"
		[ "$(grep -c "target $W_ADDR:$W_PORT" "$S6_TMP/loop-$id.err")" = $((200 - want_ok)) ] ||
			fail_last "loop $id: one log line per failure expected"
		grow=$((last - first))
		if [ "$S6_SANITIZERS" != yes ] && [ "$grow" -gt 512 ]; then
			fail_last "loop $id: resident size grew by $grow KiB over 199 rounds"
		fi
		pass "loop $id: 200 rounds, resident size $first -> $last KiB"
	done
fi

# Every misbehaving server is still there (none crashed on its own script).
dead=0
for pid in "${srv_pids[@]}"; do
	kill -0 "$pid" 2>/dev/null || dead=$((dead + 1))
done
[ "$dead" = 0 ] || fail "$dead misbehaving servers died"
pass "all ${#srv_pids[@]} misbehaving servers still running"

if [ "$EXPLORE" != 1 ]; then
	expect_capture_only_proxy "${ports[@]}" udp
	expect_no_dns_leak "no DNS query left the client"
fi
[ ${#KNOWN[@]} -eq 0 ] || echo "# expected failures (KNOWN-BUG): ${KNOWN[*]}"
finish

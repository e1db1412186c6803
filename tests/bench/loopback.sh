# SPDX-License-Identifier: GPL-2.0-or-later
# The loopback rows (sourced by scripts/bench.sh), in a private namespace so
# that fixed ports meet nothing else: CPU, wall time and system calls per
# proxied connection, bulk throughput, and start-up cost.

BN_LOOP_ROWS=()     # "name|wall_us|cpu_us|syscalls|note" per connection
BN_BULK=()          # "name|MB/s"
BN_TLS_RATIO=       # median of the paired SOCKS6+TLS / direct TLS ratios
BN_TLS_RATIOS=
BN_START=()         # "name|median_us"
LO=127.0.0.1

# System calls of the client process tree per connection: strace -f -c of
# 2 x CONNS_STRACE connections minus CONNS_STRACE connections, divided by
# CONNS_STRACE, so start-up and exit do not count.
bn_syscalls()
{
	local n=$CONNS_STRACE a b f=$BN_TMP/strace.txt
	ip netns exec "$NS_L" timeout 120 strace -f -c -o "$f" "$@" -n "$n" "$LO" "$WEB_PORT" >/dev/null 2>>"$BN_TMP/client.err" || return 1
	a=$(awk '$NF == "total" { print $(NF - 2) }' "$f")
	ip netns exec "$NS_L" timeout 120 strace -f -c -o "$f" "$@" -n $((2 * n)) "$LO" "$WEB_PORT" >/dev/null 2>>"$BN_TMP/client.err" || return 1
	b=$(awk '$NF == "total" { print $(NF - 2) }' "$f")
	awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }'
}

# bn_loop_row NAME CMD... (CMD ends with the ttfb program; -n N HOST PORT
# follow). Wall and CPU time: median of LOOP_REPS loops of CONNS connections.
bn_loop_row()
{
	local name=$1 out i wall cpu sc note=""
	shift
	: >"$BN_TMP/loop.txt"
	for ((i = 0; i < LOOP_REPS; i++)); do
		out=$(ip netns exec "$NS_L" timeout 300 "$@" -n "$CONNS" "$LO" "$WEB_PORT" 2>>"$BN_TMP/client.err") ||
			continue
		echo "$out" | awk -v n="$CONNS" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
			END { printf "%.1f %.1f\n", v["wall_us"] / n, (v["user_us"] + v["sys_us"]) / n }' >>"$BN_TMP/loop.txt"
	done
	if [ ! -s "$BN_TMP/loop.txt" ]; then
		BN_LOOP_ROWS+=("$name||||failed")
		echo "  $name: failed"
		return
	fi
	wall=$(cut -d' ' -f1 "$BN_TMP/loop.txt" | bn_median)
	cpu=$(cut -d' ' -f2 "$BN_TMP/loop.txt" | bn_median)
	sc=$(bn_syscalls "$@") || note="strace failed"
	BN_LOOP_ROWS+=("$name|$wall|$cpu|$sc|$note")
	printf '  %-40s %s us wall, %s us CPU, %s syscalls per connection\n' "$name" "$wall" "$cpu" "$sc"
}

# MB/s of one transfer of BULK_MIB MiB by the client command "$@"
# (nothing printed when it failed).
bn_bulk_once()
{
	local out bytes us
	out=$(ip netns exec "$NS_L" timeout 120 "$@" -p "/bulk/$((BULK_MIB * 1048576))" \
		"$LO" "$WEB_PORT" 2>>"$BN_TMP/client.err") || return
	bytes=$(echo "$out" | sed -nE 's/.*bytes=([0-9]+).*/\1/p')
	us=$(echo "$out" | sed -nE 's/.*total_us=([0-9]+).*/\1/p')
	[ -n "$us" ] && awk -v b="$bytes" -v u="$us" 'BEGIN { printf "%.0f\n", b / u }'
}

# Median throughput in MB/s of BULK_RUNS transfers of BULK_MIB MiB.
bn_bulk_row()
{
	local name=$1 i
	shift
	: >"$BN_TMP/bulk.txt"
	for ((i = 0; i < BULK_RUNS; i++)); do
		bn_bulk_once "$@" >>"$BN_TMP/bulk.txt"
	done
	BN_BULK+=("$name|$(bn_median <"$BN_TMP/bulk.txt")")
	echo "  bulk $name: ${BN_BULK[-1]#*|} MB/s"
}

bn_start_row()
{
	local name=$1 out
	shift
	out=$(timeout 120 "$BN_BIN/spawntime" "$@" 2>>"$BN_TMP/client.err")
	BN_START+=("$name|$(echo "$out" | sed -nE 's/.*median_us=([0-9]+).*/\1/p')")
	echo "  start-up $name: ${BN_START[-1]#*|} us"
}

bn_loopback_rows()
{
	local tt=("$BN_BIN/ttfb") s6=("$BN_BUILD/socks6ify" -q) c6 c4 pc4 pc5
	local lib=$BN_BUILD/preload/.libs/libsocks6ify.so
	bn_ns_add "$NS_L"
	bn_servers "$NS_L" "$LO" "$LO"
	# No exclude line: 127.0.0.1 goes through the proxy like any target.
	c6=$(bn_conf lo6 "proxy socks6://$BENCH_USER@$LO:$S6_PORT")
	c4=$(bn_conf lo4 "proxy socks4a://$LO:$S4_PORT")
	pc4=$BN_TMP/pc4.conf
	pc5=$BN_TMP/pc5.conf
	printf 'strict_chain\nquiet_mode\n[ProxyList]\nsocks4 %s %s\n' "$LO" "$S4_PORT" >"$pc4"
	printf 'strict_chain\nquiet_mode\n[ProxyList]\nsocks5 %s %s\n' "$LO" "$MS_PORT" >"$pc5"
	bn_fresh_runtime
	echo "loopback: $CONNS sequential connections per row:"
	bn_loop_row "direct" "${tt[@]}"
	bn_loop_row "socks6ify SOCKS6 (socks6ify-server)" "${s6[@]}" -f "$c6" "${tt[@]}"
	bn_loop_row "socks6ify SOCKS4 (socks6ify-server)" "${s6[@]}" -f "$c4" "${tt[@]}"
	bn_loop_row "SOCKS4 by hand in the client, no shim (floor)" "${tt[@]}" -4 "$S4_PORT"
	bn_loop_row "proxychains4 SOCKS4 (socks6ify-server)" proxychains4 -q -f "$pc4" "${tt[@]}"
	bn_loop_row "proxychains4 SOCKS5 (microsocks)" proxychains4 -q -f "$pc5" "${tt[@]}"
	echo "loopback: bulk $BULK_MIB MiB, median of $BULK_RUNS:"
	bn_bulk_row "direct" "${tt[@]}"
	bn_bulk_row "socks6ify SOCKS6" "${s6[@]}" -f "$c6" "${tt[@]}"
	bn_tls_bulk_rows
	bn_cip_bulk_rows
	bn_bulk_row "proxychains4 SOCKS5 (microsocks)" proxychains4 -q -f "$pc5" "${tt[@]}"
	echo "start-up, median of $START_RUNS runs:"
	bn_start_row "/bin/true" "$START_RUNS" /bin/true
	bn_start_row "socks6ify /bin/true" "$START_RUNS" "$BN_BUILD/socks6ify" -q -f "$c6" /bin/true
	bn_start_row "LD_PRELOAD=libsocks6ify.so /bin/true" -e "LD_PRELOAD=$lib" \
		-e "SOCKS6IFY_PROXY=socks6://$LO:$S6_PORT" -e SOCKS6IFY_CONF= "$START_RUNS" /bin/true
}

# CONNECT-IP bulk, plain HTTP and TLS (RFC 9484 capsules; lwIP in the
# engine, slirp in the server). A tunnel cannot carry a loopback target
# (lwIP would hand it to a loopback interface of its own), so these rows
# fetch from a second web server on 198.18.0.1 (the RFC 2544 benchmark
# range) on the namespace's lo: the same kernel path as 127.0.0.1.
# bn_bulk_row sends to $LO, hence LO=... for that one call.
bn_cip_bulk_rows()
{
	local tt=("$BN_BIN/ttfb") web=198.18.0.1 cp ct
	local s6=(env SOCKS6IFY_ENGINE="$BN_BUILD/src/engine/socks6ify-engine" "$BN_BUILD/socks6ify" -q)
	cp=$(bn_conf locip "proxy connect-ip://$BENCH_USER@$LO:$CIP_PORT" "connect-ip-plain yes")
	ct=$(bn_conf locipt "proxy https://$BENCH_USER@$LO:$CIPT_PORT" "ca-file $BN_PKI/ca.pem")
	ip -n "$NS_L" addr add "$web/32" dev lo &&
		bn_bg web-cip "$NS_L" "$BN_BIN/httpd" "$web" "$WEB_PORT" &&
		bn_wait_for listening "$BN_TMP/web-cip.out" || {
		echo "  bulk CONNECT-IP: no web server on $web"
		return
	}
	LO=$web bn_bulk_row "socks6ify CONNECT-IP (plain HTTP)" "${s6[@]}" -f "$cp" "${tt[@]}"
	LO=$web bn_bulk_row "socks6ify CONNECT-IP (TLS)" "${s6[@]}" -f "$ct" "${tt[@]}"
}

# SOCKS6+TLS and its baseline, TLS 1.3 straight from a client to a web
# server (tests/bench/tlsbulk, AES-128-GCM as the engine and the proxy
# negotiate), so the bulk target compares with what TLS itself costs here.
# The two run in turns, TLS_PAIRS times, and the target is the median of
# the per-turn ratios: this shared 2-CPU machine drifts by more than the
# margin between separate series of runs, which a turn sees alike.
bn_tls_bulk_rows()
{
	local port=8443 i d p c6t
	local eng=(env SOCKS6IFY_ENGINE="$BN_BUILD/src/engine/socks6ify-engine")
	bn_bg web-tls "$NS_L" "$BN_BIN/tlsbulk" serve "$LO" "$port" "$BN_PKI/bench.pem" "$BN_PKI/bench.key"
	bn_wait_for listening "$BN_TMP/web-tls.out" || {
		echo "  bulk direct, TLS 1.3: no TLS web server: $(cat "$BN_TMP/web-tls.err")"
		return
	}
	c6t=$(bn_conf lo6t "proxy socks6+tls://$BENCH_USER@$LO:$S6T_PORT" "ca-file $BN_PKI/ca.pem")
	: >"$BN_TMP/tls-d.txt"
	: >"$BN_TMP/tls-p.txt"
	: >"$BN_TMP/tls-r.txt"
	for ((i = 0; i < TLS_PAIRS; i++)); do
		d=$(WEB_PORT=$port bn_bulk_once "$BN_BIN/tlsbulk" -c "$BN_PKI/ca.pem")
		p=$(bn_bulk_once "${eng[@]}" "$BN_BUILD/socks6ify" -q -f "$c6t" "$BN_BIN/ttfb")
		[ -n "$d" ] && echo "$d" >>"$BN_TMP/tls-d.txt"
		[ -n "$p" ] && echo "$p" >>"$BN_TMP/tls-p.txt"
		[ -n "$d" ] && [ -n "$p" ] &&
			awk -v p="$p" -v d="$d" 'BEGIN { printf "%.3f\n", p / d }' >>"$BN_TMP/tls-r.txt"
	done
	BN_BULK+=("direct, TLS 1.3|$(bn_median <"$BN_TMP/tls-d.txt")")
	BN_BULK+=("socks6ify SOCKS6+TLS|$(bn_median <"$BN_TMP/tls-p.txt")")
	BN_TLS_RATIO=$(bn_median <"$BN_TMP/tls-r.txt")
	BN_TLS_RATIOS=$(sort -n "$BN_TMP/tls-r.txt" | tr '\n' ' ')
	echo "  bulk direct, TLS 1.3 / SOCKS6+TLS, $TLS_PAIRS turns: ratios $BN_TLS_RATIOS(median $BN_TLS_RATIO)"
}

# SPDX-License-Identifier: GPL-2.0-or-later
# The latency rows (sourced by scripts/bench.sh): one small HTTP GET from
# the client namespace, RUNS times per row, median time to first byte and
# total time, in ms and in round trips (RTT = RTT_CP + RTT_PS).

BN_ROWS=()          # "name|ttfb_ms|total_ms|tfo_c|tfo_p|note"

# Active TCP Fast Open connections (a SYN that carried data with a cookie)
# the namespace has made so far.
bn_tfo_count()
{
	ip netns exec "$1" awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 }
		else for (i = 1; i <= NF; i++) if (k[i] == "TCPFastOpenActive") print $i }' /proc/net/netstat
}

bn_median()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'
}

# Forget every TCP Fast Open cookie (and other metrics) of both client legs.
bn_flush_cookies()
{
	ip -n "$NS_C" tcp_metrics flush all 2>/dev/null
	ip -n "$NS_P" tcp_metrics flush all 2>/dev/null
}

# bn_conf NAME LINES...: a private socks6ify configuration file; prints its path.
bn_conf()
{
	local f=$BN_TMP/$1.conf
	shift
	printf '%s\n' "$@" >"$f"
	chmod 600 "$f"
	echo "$f"
}

# Does this socks6ify accept the configuration line? (exit 2 = config error)
bn_key_known()
{
	local f
	f=$(bn_conf keyprobe "proxy socks6://$P_ADDR:$S6_PORT" "$1")
	SOCKS6IFY_PROXY='' "$BN_BUILD/socks6ify" -q -f "$f" /bin/true >/dev/null 2>&1
}

# bn_run_client PREP CMD...: one measured GET in the client namespace, after
# running the shell function PREP (or ":"); prints "ttfb_us total_us".
bn_run_client()
{
	local prep=$1 out
	shift
	$prep
	out=$(ip netns exec "$NS_C" timeout 30 "$@" 2>>"$BN_TMP/client.err") || {
		echo "bench: failed: $*" >>"$BN_TMP/client.err"
		return 1
	}
	echo "$out" | sed -nE 's/^ttfb_us=([0-9]+) total_us=([0-9]+).*/\1 \2/p'
}

# bn_row NAME WARMUP PREP CMD...: WARMUP unmeasured runs, then RUNS measured
# ones; appends to BN_ROWS.
bn_row()
{
	local name=$1 warm=$2 prep=$3 i res c0 p0 c1 p1 fails=0
	shift 3
	: >"$BN_TMP/row.txt"
	for ((i = 0; i < warm; i++)); do
		bn_run_client : "$@" >/dev/null
	done
	c0=$(bn_tfo_count "$NS_C")
	p0=$(bn_tfo_count "$NS_P")
	for ((i = 0; i < RUNS; i++)); do
		res=$(bn_run_client "$prep" "$@")
		if [ -n "$res" ]; then echo "$res" >>"$BN_TMP/row.txt"; else fails=$((fails + 1)); fi
	done
	c1=$(bn_tfo_count "$NS_C")
	p1=$(bn_tfo_count "$NS_P")
	local ttfb total note=""
	ttfb=$(cut -d' ' -f1 "$BN_TMP/row.txt" | bn_median)
	total=$(cut -d' ' -f2 "$BN_TMP/row.txt" | bn_median)
	[ "$fails" -gt 0 ] && note="$fails of $RUNS runs failed"
	BN_ROWS+=("$name|$ttfb|$total|$((c1 - c0))/$RUNS|$((p1 - p0))/$RUNS|$note")
	printf '  %-40s ttfb %s us, total %s us %s\n' "$name" "${ttfb:-?}" "${total:-?}" "$note"
}

# A new, empty runtime directory: no session store of an earlier run (also
# called in a subshell, hence mktemp rather than a counter).
bn_fresh_runtime()
{
	XDG_RUNTIME_DIR=$(mktemp -d "$BN_TMP/xdg.XXXXXX")
	export XDG_RUNTIME_DIR
}

# First connection ever: no session (a new runtime directory and home, and
# --forget-sessions when this socks6ify has it), no TFO cookie on either leg.
bn_prep_cold()
{
	bn_fresh_runtime
	HOME=$XDG_RUNTIME_DIR
	if "$BN_BUILD/socks6ify" --help 2>&1 | grep -q -- --forget-sessions; then
		ip netns exec "$NS_C" "$BN_BUILD/socks6ify" -q -f "$BN_C6" --forget-sessions \
			>/dev/null 2>&1 </dev/null
	fi
	bn_flush_cookies
}

bn_latency_rows()
{
	local tt=("$BN_BIN/ttfb") s6=("$BN_BUILD/socks6ify" -q) c6 coff pc lines=() k
	local target=("$S_ADDR" "$WEB_PORT")
	c6=$(bn_conf s6 "proxy socks6://$BENCH_USER@$P_ADDR:$S6_PORT")
	BN_C6=$c6
	# TFO off on both legs, with the keys this build knows.
	lines=("proxy socks6://$BENCH_USER@$P_ADDR:$S6_PORT")
	BN_TFO_OFF_KEYS=""
	for k in "tfo-proxy never" "tfo-proxy off" "tfo-proxy no" "tfo off" "tfo no"; do
		case " $BN_TFO_OFF_KEYS " in *" ${k%% *} "*) continue ;; esac
		if bn_key_known "$k"; then
			lines+=("$k")
			BN_TFO_OFF_KEYS="$BN_TFO_OFF_KEYS ${k%% *}"
		fi
	done
	coff=$(bn_conf s6off "${lines[@]}")
	pc=$BN_TMP/proxychains.conf
	printf 'strict_chain\nquiet_mode\ntcp_read_time_out 15000\ntcp_connect_time_out 8000\n[ProxyList]\nsocks5 %s %s\n' \
		"$P_ADDR" "$MS_PORT" >"$pc"
	unset SOCKS6IFY_PROXY SOCKS6IFY_CONF
	echo "latency rows ($RUNS runs each):"
	bn_row "direct" 1 : "${tt[@]}" "${target[@]}"
	bn_row "direct, TFO (warm cookie)" 1 : "${tt[@]}" -t "${target[@]}"
	bn_row "socks6ify SOCKS6, cold" 0 bn_prep_cold "${s6[@]}" -f "$c6" "${tt[@]}" "${target[@]}"
	bn_fresh_runtime
	bn_row "socks6ify SOCKS6, warm" 2 : "${s6[@]}" -f "$c6" "${tt[@]}" "${target[@]}"
	bn_fresh_runtime
	bn_row "socks6ify SOCKS6, TFO off" 2 : "${s6[@]}" -f "$coff" "${tt[@]}" "${target[@]}"
	bn_row "socks6ify SOCKS4a" 1 : "${s6[@]}" -p "socks4a://$P_ADDR:$S4_PORT" "${tt[@]}" "${target[@]}"
	bn_tls_rows
	bn_cip_rows
	bn_row "proxychains4 SOCKS5 (microsocks)" 1 : proxychains4 -q -f "$pc" "${tt[@]}" "${target[@]}"
}

# socks6+tls through the engine (one per runtime directory, so each cold
# run starts its own: that start is part of a first connection ever).
bn_prep_cold_tls()
{
	bn_fresh_runtime
	HOME=$XDG_RUNTIME_DIR
	bn_flush_cookies
}

bn_tls_rows()
{
	local tt=("$BN_BIN/ttfb") s6=("$BN_BUILD/socks6ify" -q) ct
	ct=$(bn_conf s6tls "proxy socks6+tls://$BENCH_USER@$P_ADDR:$S6T_PORT" "ca-file $BN_PKI/ca.pem")
	export SOCKS6IFY_ENGINE=$BN_BUILD/src/engine/socks6ify-engine
	bn_row "socks6ify SOCKS6+TLS, cold" 0 bn_prep_cold_tls "${s6[@]}" -f "$ct" "${tt[@]}" "$S_ADDR" "$WEB_PORT"
	bn_fresh_runtime
	bn_row "socks6ify SOCKS6+TLS, warm" 2 : "${s6[@]}" -f "$ct" "${tt[@]}" "$S_ADDR" "$WEB_PORT"
}

# CONNECT-IP (RFC 9484) over TLS through the engine: the HTTP Upgrade,
# the address and route capsules, then the target's TCP handshake and the
# GET inside the tunnel (lwIP in the engine, slirp in the server). Cold as
# for socks6+tls: a new engine, no TLS ticket, no TFO cookie.
bn_cip_rows()
{
	local tt=("$BN_BIN/ttfb") s6=("$BN_BUILD/socks6ify" -q) cc
	cc=$(bn_conf cipt "proxy https://$BENCH_USER@$P_ADDR:$CIPT_PORT" "ca-file $BN_PKI/ca.pem")
	export SOCKS6IFY_ENGINE=$BN_BUILD/src/engine/socks6ify-engine
	bn_row "socks6ify CONNECT-IP (RFC 9484, TLS), cold" 0 bn_prep_cold_tls "${s6[@]}" -f "$cc" "${tt[@]}" "$S_ADDR" "$WEB_PORT"
	bn_fresh_runtime
	bn_row "socks6ify CONNECT-IP (RFC 9484, TLS), warm" 2 : "${s6[@]}" -f "$cc" "${tt[@]}" "$S_ADDR" "$WEB_PORT"
}

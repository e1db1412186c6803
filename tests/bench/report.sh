# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark's report (sourced by scripts/bench.sh): markdown tables,
# target checks, tests/bench/results/latest.md + a dated copy, README.md.

BN_TARGETS=()

# bn_get ARRAY NAME FIELD: field FIELD (1-based, '|'-separated) of the entry
# of ARRAY whose first field is NAME.
bn_get()
{
	local -n arr=$1
	local e
	for e in "${arr[@]}"; do
		[ "${e%%|*}" = "$2" ] && { echo "$e" | cut -d'|' -f"$3"; return; }
	done
}

# bn_target WHAT VALUE OP LIMIT: record PASS/FAIL of VALUE OP LIMIT (le, ge).
bn_target()
{
	local what=$1 v=$2 op=$3 lim=$4 res
	if [ -z "$v" ] || [ -z "$lim" ]; then
		res="n/a: $what (not measured)"
	elif awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN { exit !(op == "le" ? v <= l : v >= l) }'; then
		res="PASS: $what: $v $([ "$op" = le ] && echo '<=' || echo '>=') $lim"
	else
		res="FAIL: $what: $v $([ "$op" = le ] && echo '>' || echo '<') $lim"
	fi
	BN_TARGETS+=("$res")
}

bn_ms() { awk -v u="$1" 'BEGIN { if (u == "") print "-"; else printf "%.1f", u / 1000 }'; }
bn_rtts() { awk -v u="$1" -v r="$2" 'BEGIN { if (u == "") print "-"; else printf "%.2f", u / 1000 / r }'; }
bn_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.2f", a / b }'; }
bn_gbit() { awk -v m="$1" 'BEGIN { if (m == "") print "-"; else printf "%.2f", m * 8 / 1000 }'; }

bn_table_latency()
{
	local rtt=$((RTT_CP + RTT_PS)) e n t tot
	echo "Latency of one small HTTP GET: client-proxy RTT $RTT_CP ms, proxy-server RTT $RTT_PS ms"
	echo "(1 RTT = $rtt ms), median of $RUNS runs. TFO SYNs: connections that sent data in"
	echo "their SYN with a cookie, from the client / from the proxy host, per run."
	echo
	echo "| row | TTFB ms | TTFB RTT | total ms | total RTT | TFO SYNs client / proxy | note |"
	echo "|---|---:|---:|---:|---:|---|---|"
	for e in "${BN_ROWS[@]}"; do
		IFS='|' read -r n t tot c p note <<<"$e"
		echo "| $n | $(bn_ms "$t") | $(bn_rtts "$t" "$rtt") | $(bn_ms "$tot") | $(bn_rtts "$tot" "$rtt") | $c / $p | $note |"
	done
	[ -n "${BN_TFO_OFF_KEYS:-}" ] && echo && echo "\"TFO off\" configuration keys used:$BN_TFO_OFF_KEYS."
	[ ${#BN_LINKS[@]} -gt 0 ] && echo && printf -- '- %s\n' "${BN_LINKS[@]}"
	echo
}

bn_table_loopback()
{
	local e n w c s note d t
	echo "Loopback, $CONNS sequential connections per row, median of $LOOP_REPS loops (system calls:"
	echo "strace -f -c of the client, difference of $((2 * CONNS_STRACE)) and $CONNS_STRACE connections, per connection):"
	echo
	echo "| row | wall us/conn | CPU us/conn (user+sys) | syscalls/conn | note |"
	echo "|---|---:|---:|---:|---|"
	for e in "${BN_LOOP_ROWS[@]}"; do
		IFS='|' read -r n w c s note <<<"$e"
		echo "| $n | $w | $c | $s | $note |"
	done
	echo
	d=$(bn_get BN_BULK direct 2)
	echo "| bulk $BULK_MIB MiB (median of $BULK_RUNS; the two TLS rows: of $TLS_PAIRS turns) | MB/s | Gbit/s | x direct |"
	echo "|---|---:|---:|---:|"
	for e in "${BN_BULK[@]}"; do
		echo "| ${e%%|*} | ${e#*|} | $(bn_gbit "${e#*|}") | $(bn_ratio "${e#*|}" "$d") |"
	done
	echo
	t=$(bn_get BN_START /bin/true 2)
	echo "| start-up (median of $START_RUNS) | us | x /bin/true |"
	echo "|---|---:|---:|"
	for e in "${BN_START[@]}"; do
		echo "| \`${e%%|*}\` | ${e#*|} | $(bn_ratio "${e#*|}" "$t") |"
	done
	echo
}

bn_check_targets()
{
	local rtt=$((RTT_CP + RTT_PS)) warm pc c s6c pc4c
	if [ ${#BN_ROWS[@]} -gt 0 ]; then
		warm=$(bn_get BN_ROWS "socks6ify SOCKS6, warm" 2)
		pc=$(bn_get BN_ROWS "proxychains4 SOCKS5 (microsocks)" 2)
		bn_target "warm SOCKS6 TTFB (ms) <= 1.10 x RTT" "$(bn_ms "$warm")" le \
			"$(awk -v r="$rtt" 'BEGIN { printf "%.1f", 1.1 * r }')"
		bn_target "warm SOCKS6 TTFB / proxychains4 TTFB <= 0.40" "$(bn_ratio "$warm" "$pc")" le 0.40
		warm=$(bn_get BN_ROWS "socks6ify SOCKS6+TLS, warm" 2)
		bn_target "warm SOCKS6+TLS TTFB (ms) <= 1.15 x RTT" "$(bn_ms "$warm")" le \
			"$(awk -v r="$rtt" 'BEGIN { printf "%.1f", 1.15 * r }')"
	fi
	[ ${#BN_LOOP_ROWS[@]} -gt 0 ] || return 0
	for c in "socks6ify SOCKS6 (socks6ify-server)" "socks6ify SOCKS4 (socks6ify-server)"; do
		bn_target "$c: syscalls per connection <= 10" "$(bn_get BN_LOOP_ROWS "$c" 4)" le 10
	done
	s6c=$(bn_get BN_LOOP_ROWS "socks6ify SOCKS4 (socks6ify-server)" 3)
	pc4c=$(bn_get BN_LOOP_ROWS "proxychains4 SOCKS4 (socks6ify-server)" 3)
	bn_target "CPU per connection, socks6ify / proxychains4 (both SOCKS4) <= 0.6" "$(bn_ratio "$s6c" "$pc4c")" le 0.6
	s6c=$(bn_get BN_LOOP_ROWS "socks6ify SOCKS6 (socks6ify-server)" 3)
	bn_target "CPU per connection, socks6ify SOCKS6 / proxychains4 SOCKS4 <= 0.6" "$(bn_ratio "$s6c" "$pc4c")" le 0.6
	# What any client pays for the proxy exchange alone (kernel TCP work and
	# wake-ups): the CPU target cannot be met below this line.
	BN_TARGETS+=("info: CPU per connection, SOCKS4 by hand without a shim (floor) / proxychains4 SOCKS4: $(bn_ratio \
		"$(bn_get BN_LOOP_ROWS "SOCKS4 by hand in the client, no shim (floor)" 3)" "$pc4c") (no target)")
	bn_target "bulk socks6ify SOCKS6 / direct >= 0.97" \
		"$(bn_ratio "$(bn_get BN_BULK "socks6ify SOCKS6" 2)" "$(bn_get BN_BULK direct 2)")" ge 0.97
	bn_target "bulk socks6ify SOCKS6+TLS / direct, TLS 1.3 >= 0.5 (median of $TLS_PAIRS paired turns: $BN_TLS_RATIOS)" \
		"$(awk -v r="$BN_TLS_RATIO" 'BEGIN { if (r != "") printf "%.2f", r }')" ge 0.5
	BN_TARGETS+=("info: bulk socks6ify SOCKS6+TLS / direct (plain TCP): $(bn_ratio \
		"$(bn_get BN_BULK "socks6ify SOCKS6+TLS" 2)" "$(bn_get BN_BULK direct 2)") (no target)")
	for c in "socks6ify CONNECT-IP (TLS)" "socks6ify CONNECT-IP (plain HTTP)"; do
		s6c=$(bn_get BN_BULK "$c" 2)
		bn_target "CONNECT-IP bulk >= 1 Gbit/s: $c, ${s6c:-?} MB/s, Gbit/s" \
			"$([ -n "$s6c" ] && bn_gbit "$s6c")" ge 1
	done
	c=$(bn_get BN_START /bin/true 2)
	bn_target "start-up socks6ify /bin/true <= 1.5 x /bin/true" \
		"$(bn_ratio "$(bn_get BN_START "socks6ify /bin/true" 2)" "$c")" le 1.5
	bn_target "start-up LD_PRELOAD /bin/true <= 1.2 x /bin/true" \
		"$(bn_ratio "$(bn_get BN_START "LD_PRELOAD=libsocks6ify.so /bin/true" 2)" "$c")" le 1.2
}

# Replace what is between the markers in README.md with FILE.
bn_readme()
{
	local f=$1
	grep -q '<!-- bench:begin -->' README.md && grep -q '<!-- bench:end -->' README.md || {
		echo "bench: README.md has no bench markers; not updated" >&2
		return 0
	}
	awk -v f="$f" '/<!-- bench:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0 } !skip' README.md >"$BN_TMP/README.md" &&
		cat "$BN_TMP/README.md" >README.md
}

bn_report()
{
	local dir=tests/bench/results out stamp
	bn_check_targets
	stamp=$(date -u +%Y-%m-%dT%H%MZ)
	mkdir -p "$dir"
	out=$BN_TMP/latest.md
	{
		echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null || echo '?'),"
		echo "Linux $(uname -r), $(nproc) CPUs; \`scripts/bench.sh\`."
		echo
		[ ${#BN_ROWS[@]} -gt 0 ] && bn_table_latency
		[ ${#BN_LOOP_ROWS[@]} -gt 0 ] && bn_table_loopback
		echo "Targets:"
		echo
		printf -- '- %s\n' "${BN_TARGETS[@]}"
	} >"$out"
	cp "$out" "$dir/latest.md"
	cp "$out" "$dir/$stamp.md"
	echo
	cat "$out"
	echo
	echo "bench: saved $dir/latest.md and $dir/$stamp.md"
	# Only a full run replaces the README's tables.
	[ "$DO_README$DO_LATENCY$DO_LOOPBACK" = 111 ] && bn_readme "$out" &&
		echo "bench: README.md table updated"
	return 0
}

# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark's hosts (sourced by scripts/bench.sh): three network
# namespaces joined by two user-space delay lines, the web server, and the
# proxies. Everything started here is recorded in BN_PIDS / BN_NETNS and
# removed by bn_cleanup.
#
#   client s6bc-PID            proxy s6bp-PID                 server s6bs-PID
#   s6b0 192.0.2.2 ==[RTT_CP]== s6b1 192.0.2.1
#                               s6b2 198.51.100.1 ==[RTT_PS]== s6b3 198.51.100.2
#
# The proxy namespace also routes, so the direct rows cross both delay lines
# (round trip RTT_CP + RTT_PS) as the proxied ones do.

BN_PIDS=()
BN_NETNS=()
NS_C=s6bc-$$
NS_P=s6bp-$$
NS_S=s6bs-$$
NS_L=s6bl-$$
C_ADDR=192.0.2.2
P_ADDR=192.0.2.1
P_ADDR_S=198.51.100.1
S_ADDR=198.51.100.2
WEB_PORT=8080
S6_PORT=1080        # socks6ify-server --socks6
S4_PORT=1081        # socks6ify-server --socks4a
MS_PORT=1082        # microsocks (SOCKS5)
S6T_PORT=1083       # socks6ify-server --socks6-tls
CIP_PORT=1090       # socks6ify-server --connect-ip (plain HTTP, loopback bulk only)
CIPT_PORT=1091      # socks6ify-server --connect-ip-tls
BENCH_USER=bench:bench6

bn_die()
{
	echo "bench: $*" >&2
	exit 1
}

# bn_bg NAME NS CMD...: start CMD in namespace NS, output in $BN_TMP/NAME.{out,err}.
bn_bg()
{
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$BN_TMP/$name.out" 2>"$BN_TMP/$name.err" </dev/null &
	BN_PIDS+=($!)
}

# bn_wait_for REGEX FILE: true once FILE has a matching line (at most 10 s).
bn_wait_for()
{
	local i
	for i in $(seq 100); do
		grep -qE -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

bn_cleanup()
{
	local pid ns i
	for pid in "${BN_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BN_PIDS[@]}"; do
		for i in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${BN_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	BN_PIDS=()
	BN_NETNS=()
}

# A namespace with TCP Fast Open on both sides (bit 1 client, bit 2 server),
# and no TFO blackhole back-off that could switch it off in the middle.
bn_ns_add()
{
	ip netns add "$1" || bn_die "cannot create namespace $1"
	BN_NETNS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_fastopen=3 ||
		bn_die "cannot enable TCP Fast Open in $1"
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_fastopen_blackhole_timeout_sec=0 2>/dev/null
	return 0
}

# bn_link NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B RTT_MS: a delay line, addressed
# point to point.
bn_link()
{
	local delay_us
	delay_us=$(awk -v r="$7" 'BEGIN { printf "%d", r * 500 }')
	bn_bg "dl-$2" "$1" "$BN_BIN/delayline" "$1" "$2" "$4" "$5" "$delay_us"
	bn_wait_for '^ready' "$BN_TMP/dl-$2.out" || bn_die "delay line $2-$5 did not start: $(cat "$BN_TMP/dl-$2.err")"
	ip -n "$1" addr add "$3" peer "$6" dev "$2" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$4" addr add "$6" peer "$3" dev "$5" &&
		ip -n "$4" link set "$5" up || bn_die "cannot address the delay line $2-$5"
}

# Mean ping round trip in ms from NS to ADDR (5 pings).
bn_ping_rtt()
{
	ip netns exec "$1" ping -n -q -c 5 -i 0.2 -W 2 "$2" 2>/dev/null |
		awk -F/ '/^rtt|^round-trip/ { print $5 }'
}

bn_topology()
{
	bn_ns_add "$NS_C"
	bn_ns_add "$NS_P"
	bn_ns_add "$NS_S"
	bn_link "$NS_C" s6b0 "$C_ADDR" "$NS_P" s6b1 "$P_ADDR" "$RTT_CP"
	bn_link "$NS_P" s6b2 "$P_ADDR_S" "$NS_S" s6b3 "$S_ADDR" "$RTT_PS"
	ip -n "$NS_C" route add default dev s6b0 &&
		ip -n "$NS_S" route add default dev s6b3 &&
		ip netns exec "$NS_P" sysctl -qw net.ipv4.ip_forward=1 ||
		bn_die "cannot set up routes"
}

# Ping through each delay line: the measured RTT must be within 1 ms of the
# configured one, or the numbers below mean little.
bn_check_links()
{
	local got want what
	for what in "$NS_C $P_ADDR $RTT_CP client-proxy" "$NS_P $S_ADDR $RTT_PS proxy-server" \
		"$NS_C $S_ADDR $((RTT_CP + RTT_PS)) client-server"; do
		set -- $what
		got=$(bn_ping_rtt "$1" "$2")
		want=$3
		[ -n "$got" ] || bn_die "no ping reply $4"
		if awk -v g="$got" -v w="$want" 'BEGIN { exit !(g - w <= 1 && w - g <= 1) }'; then
			BN_LINKS+=("ping $4: $got ms (configured $want ms): PASS")
		else
			BN_LINKS+=("ping $4: $got ms (configured $want ms): FAIL (not within 1 ms)")
		fi
		echo "${BN_LINKS[-1]}"
	done
}

# The test CA (tests/integration/tls_lib.sh) and a proxy certificate for
# both proxy addresses, once: BN_PKI/ca.pem is what socks6+tls verifies.
bn_pki()
{
	[ -f "${BN_PKI:-/nonexistent}/bench.pem" ] && return 0
	BN_PKI=$BN_TMP/pki
	. tests/integration/tls_lib.sh
	tls_make_pki "$BN_PKI" &&
		tls__leaf "$BN_PKI" ca bench "IP:$P_ADDR,IP:127.0.0.1" \
			"$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" "$(date -u -d '+20 days' +%Y%m%d%H%M%SZ)" ||
		bn_die "cannot make the TLS test certificates"
	chmod 600 "$BN_PKI"/*.key
}

# The web server and the four proxies, in NS, on the given addresses.
bn_servers()
{
	local ns=$1 web=$2 proxy=$3
	bn_pki
	bn_bg "web-$ns" "$ns" "$BN_BIN/httpd" "$web" "$WEB_PORT"
	bn_wait_for listening "$BN_TMP/web-$ns.out" || bn_die "httpd did not start"
	[ "$ns" = "$NS_S" ] && ns=$NS_P
	bn_bg "srv-$ns" "$ns" "$BN_BUILD/socks6ify-server" --socks6 "$proxy:$S6_PORT" \
		--socks4a "$proxy:$S4_PORT" --user "$BENCH_USER" --token-window 64 \
		--socks6-tls "$proxy:$S6T_PORT" --cert "$BN_PKI/bench.pem" --key "$BN_PKI/bench.key" \
		--connect-ip "$proxy:$CIP_PORT" --connect-ip-tls "$proxy:$CIPT_PORT"
	bn_wait_for "listening socks4a" "$BN_TMP/srv-$ns.err" &&
		bn_wait_for "listening socks6-tls" "$BN_TMP/srv-$ns.err" &&
		bn_wait_for "listening connect-ip-tls" "$BN_TMP/srv-$ns.err" ||
		bn_die "socks6ify-server did not start: $(cat "$BN_TMP/srv-$ns.err")"
	bn_bg "ms-$ns" "$ns" microsocks -i "$proxy" -p "$MS_PORT"
	sleep 0.2
}

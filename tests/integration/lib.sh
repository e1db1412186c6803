# SPDX-License-Identifier: GPL-2.0-or-later
# Shared harness for the integration scripts: sourced, never run.
#
# Exit statuses follow automake: 0 pass, 1 fail, 77 skip. Everything a script
# starts (background processes, network namespaces, /etc/netns files, the
# scratch directory) is registered here and removed by the EXIT trap, whether
# the script passes, fails or is interrupted.
#
# Network use is confined to loopback and to namespaces created here, with
# documentation addresses only (192.0.2.0/24, 198.51.100.0/24).

set -u

S6_SRCDIR=${S6_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
S6_BUILDDIR=${S6_BUILDDIR:-$PWD}
S6_SANITIZERS=${S6_SANITIZERS:-no}
S6_NAME=$(basename "$0" .sh)
S6_BIN=$S6_BUILDDIR/socks6ify
S6_SERVER_BIN=${S6_SERVER_BIN:-$S6_BUILDDIR/socks6ify-server}
# Debian's interpreter, not a version manager's wrapper script, when present.
S6_PYTHON=${S6_PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}
# Python's output reaches the logs as it is written, not at exit.
export PYTHONUNBUFFERED=1
S6_TMP=$(mktemp -d "${TMPDIR:-/tmp}/s6-$S6_NAME.XXXXXX") || exit 99
chmod 755 "$S6_TMP"   # readable by the programs the namespaces run
S6_PIDS=()
S6_NETNS=()
S6_LOGS=()
S6_CHECKS=0

# Third-party programs run under the ASan runtime (the shim needs it first in
# LD_PRELOAD); their own leaks are not ours to report.
s6_wrapped_env=()
if [ "$S6_SANITIZERS" = yes ]; then
	s6_wrapped_env=(ASAN_OPTIONS=detect_leaks=0)
fi
# The shim's SOCKS6 session table (session-store shared) lives under
# $XDG_RUNTIME_DIR: one per script, so no script meets another's sessions.
export XDG_RUNTIME_DIR=$S6_TMP/run
mkdir -m 0700 "$XDG_RUNTIME_DIR"

# ---------------------------------------------------------------------------
# Results

pass()
{
	S6_CHECKS=$((S6_CHECKS + 1))
	echo "ok $S6_CHECKS - $*"
}

skip()
{
	echo "SKIP: $S6_NAME: $*"
	exit 77
}

# Print the logs registered with track_log (and any extra files given), then fail.
fail()
{
	local msg=$1 f
	shift
	echo "FAIL: $S6_NAME: $msg"
	for f in "${S6_LOGS[@]}" "$@"; do
		[ -s "$f" ] || continue
		echo "----- $f (last 40 lines)"
		tail -n 40 "$f"
	done
	echo "-----"
	exit 1
}

track_log()
{
	S6_LOGS+=("$@")
}

# Any sanitizer report in a log we collected is a bug in our code.
check_sanitizer_reports()
{
	local f
	for f in "${S6_LOGS[@]}" "$S6_TMP"/*.err; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f"; then
			fail "sanitizer report in $f"
		fi
	done
	for f in "$S6_VG_DIR"/valgrind.*.log; do   # S6_VALGRIND=1: any report
		[ -s "$f" ] && fail "valgrind report in $f" "$f"
	done
	for f in "$S6_TMP"/engine-san.*; do        # engine_wrapped: any report
		[ -s "$f" ] && fail "sanitizer report from the engine in $f" "$f"
	done
}

# engine_wrapped ENGINE: the path of a wrapper to use as SOCKS6IFY_ENGINE.
# The shim starts the engine with a clean environment and its stderr on
# /dev/null, so what its sanitizers say would be lost: the wrapper sends it
# to $S6_TMP/engine-san.PID, which check_sanitizer_reports judges.
engine_wrapped()
{
	local w=$S6_TMP/engine-wrap.sh
	printf '#!/bin/sh\nASAN_OPTIONS=log_path=%s UBSAN_OPTIONS=log_path=%s:print_stacktrace=1 exec "%s" "$@"\n' \
		"$S6_TMP/engine-san" "$S6_TMP/engine-san" "$1" >"$w"
	chmod 755 "$w"
	echo "$w"
}

# End of a script: everything passed. The background processes are stopped
# first, so what a sanitizer says at their exit (leaks) is checked too.
finish()
{
	local pid
	for pid in "${S6_PIDS[@]}"; do
		bg_stop "$pid"
	done
	check_sanitizer_reports
	echo "PASS: $S6_NAME: $S6_CHECKS checks"
	exit 0
}

# ---------------------------------------------------------------------------
# Preconditions

require_root()
{
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

# require_cip_engine: the CONNECT-IP scripts' common start: the engine and
# a server with --connect-ip built, python3; exports SOCKS6IFY_ENGINE and
# sets ENGINE and ELOG (the engine's log).
require_cip_engine()
{
	require_netns
	ENGINE=$S6_BUILDDIR/src/engine/socks6ify-engine
	require_built "$S6_BIN" "$S6_SERVER_BIN" "$ENGINE"
	[ -x "$S6_PYTHON" ] || skip "needs python3"
	"$S6_SERVER_BIN" --help 2>&1 | grep -q -- '--connect-ip ' ||
		skip "socks6ify-server has no --connect-ip"
	SOCKS6IFY_ENGINE=$(engine_wrapped "$ENGINE")
	export SOCKS6IFY_ENGINE
	ELOG=$XDG_RUNTIME_DIR/socks6ify/engine.log
}

require_netns()
{
	require_root
	require_cmd ip timeout
	local probe=s6chk-$$
	if ! ip netns add "$probe" 2>/dev/null; then
		skip "ip netns unusable"
	fi
	if ! ip netns exec "$probe" ip link set lo up 2>/dev/null; then
		ip netns del "$probe" 2>/dev/null
		skip "ip netns exec unusable"
	fi
	ip netns del "$probe"
}

require_built()
{
	local f
	for f in "$@"; do
		[ -x "$f" ] || fail "not built: $f (S6_BUILDDIR=$S6_BUILDDIR)"
	done
}

# curl links p11-kit, whose constructor takes glibc's locale lock and
# allocates; with the ASan runtime preloaded into an uninstrumented program,
# that first malloc initialises ASan, which takes the same lock again, and
# curl hangs before main() - with or without socks6ify. When that happens
# here, curl checks are left out of the sanitizer run (the ASan-built
# s6_probe covers the C client paths instead).
S6_CURL_OK=
curl_usable()
{
	if [ -z "$S6_CURL_OK" ]; then
		S6_CURL_OK=yes
		if [ "$S6_SANITIZERS" = yes ]; then
			local rt
			rt=$(ldd "$S6_BUILDDIR/socks6ify-cli" | awk '/libasan/ { print $3; exit }')
			env LD_PRELOAD="$rt" ASAN_OPTIONS=detect_leaks=0 timeout 5 curl --version \
				>/dev/null 2>&1 || S6_CURL_OK=no
		fi
	fi
	[ "$S6_CURL_OK" = yes ] && return 0
	if [ -z "${S6_CURL_NOTED:-}" ]; then
		S6_CURL_NOTED=1
		echo "# curl checks left out: curl hangs before main() with the ASan runtime preloaded (p11-kit), socks6ify or not"
	fi
	return 1
}

# HTTP_GET URL...: prints each page; curl, or a Python stand-in where curl
# cannot run (see curl_usable). HTTP_CLIENT names it for messages.
s6_http_get_setup()
{
	if curl_usable; then
		HTTP_GET=(curl -sS --max-time 15)
		HTTP_CLIENT=curl
		return
	fi
	cat >"$S6_TMP/http_get.py" <<-'EOF'
	import sys, urllib.request
	for url in sys.argv[1:]:
	    sys.stdout.write(urllib.request.urlopen(url, timeout=15).read().decode("latin-1"))
	EOF
	HTTP_GET=("$S6_PYTHON" "$S6_TMP/http_get.py")
	HTTP_CLIENT="python urllib (curl cannot run under the preloaded ASan runtime)"
}

# ---------------------------------------------------------------------------
# Processes

# bg_start NAME [--ns NS] CMD...: run CMD in the background (inside NS when
# given), stdout to $S6_TMP/NAME.out, stderr to $S6_TMP/NAME.err. Sets BG_PID.
bg_start()
{
	local name=$1
	shift
	local pre=()
	if [ "${1:-}" = --ns ]; then
		pre=(ip netns exec "$2")
		shift 2
	fi
	"${pre[@]}" "$@" >"$S6_TMP/$name.out" 2>"$S6_TMP/$name.err" </dev/null &
	BG_PID=$!
	S6_PIDS+=("$BG_PID")
	track_log "$S6_TMP/$name.out" "$S6_TMP/$name.err"
}

# Stop one tracked process: TERM, up to 5 s grace, then KILL.
bg_stop()
{
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wait_for_log PATTERN FILE TIMEOUT: true once FILE has a line matching the
# extended regex PATTERN, false after TIMEOUT seconds.
wait_for_log()
{
	local pattern=$1 file=$2 timeout=$3
	local tries=$((timeout * 10)) i
	for i in $(seq "$tries"); do
		grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_server [--ns NS] [--name NAME] ARGS...: run socks6ify-server, wait
# for its first "listening PROTO ADDR:PORT" line (any protocol: socks4a,
# socks6, ...) and export S6_SERVER_PORT (that first listener's port),
# S6_SERVER_PID and S6_SERVER_LOG (its stderr, $S6_TMP/NAME.err; NAME defaults
# to "server", another one lets a script run a second or restarted server).
start_server()
{
	local ns=() name=server
	while [ $# -gt 0 ]; do
		case $1 in
		--ns) ns=(--ns "$2"); shift 2 ;;
		--name) name=$2; shift 2 ;;
		*) break ;;
		esac
	done
	require_built "$S6_SERVER_BIN"
	bg_start "$name" "${ns[@]}" "$S6_SERVER_BIN" "$@"
	S6_SERVER_PID=$BG_PID
	S6_SERVER_LOG=$S6_TMP/$name.err
	if ! wait_for_log 'listening [a-z0-9+-]+ [^ ]+:[0-9]+' "$S6_SERVER_LOG" 10; then
		fail "socks6ify-server did not report listening within 10 s"
	fi
	S6_SERVER_PORT=$(sed -nE 's/.*listening [a-z0-9+-]+ [^ ]*:([0-9]+).*/\1/p' "$S6_SERVER_LOG" | head -n 1)
	export S6_SERVER_PORT S6_SERVER_PID S6_SERVER_LOG
}

# S6_VALGRIND=1: s6 runs the test clients it proxies (python3 and the C
# programs of the build tree) under valgrind's memcheck, the shim with them;
# one log per process, valgrind.PID.log in $S6_VALGRIND_DIR (default
# $S6_TMP, removed at exit), judged by check_sanitizer_reports
# (tests/README.md). Slow: timing checks may fail.
S6_VG_ARGS=()
S6_VG_DIR=${S6_VALGRIND_DIR:-$S6_TMP}
s6_valgrind_args()
{
	local i=1 a prog
	S6_VG_ARGS=()
	while [ $i -le $# ]; do
		a=${!i}
		case $a in
		-p | --proxy | -f | --config) i=$((i + 2)); continue ;;
		-*) i=$((i + 1)); continue ;;
		esac
		break
	done
	[ $i -le $# ] || return 1
	prog=${!i}
	case $prog in
	*python3* | "$S6_BUILDDIR"/tests/*) ;;
	*) return 1 ;;
	esac
	S6_VG_ARGS=("${@:1:i-1}" env PYTHONMALLOC=malloc valgrind -q --leak-check=full
		--errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=97
		--suppressions="$S6_SRCDIR/tests/integration/valgrind.supp"
		--log-file="$S6_VG_DIR/valgrind.%p.log" "${@:i}")
}

# s6 [--ns NS] ARGS...: socks6ify ARGS (inside NS when given), bounded, with
# the environment wrapped programs need.
s6()
{
	local pre=() limit=30
	if [ "${1:-}" = --ns ]; then
		pre=(ip netns exec "$2")
		shift 2
	fi
	if [ "${S6_VALGRIND:-0}" = 1 ] && s6_valgrind_args "$@"; then
		set -- "${S6_VG_ARGS[@]}"
		limit=120
	fi
	"${pre[@]}" env "${s6_wrapped_env[@]}" timeout $limit "$S6_BIN" "$@"
}

# run NAME CMD...: run CMD (bounded by the caller's timeout), capture
# stdout/stderr into $S6_TMP/NAME.{out,err}; sets RC, OUT, ERR.
run()
{
	local name=$1
	shift
	S6_LAST=$name
	"$@" >"$S6_TMP/$name.out" 2>"$S6_TMP/$name.err" </dev/null
	RC=$?
	OUT=$(cat "$S6_TMP/$name.out")
	ERR=$(cat "$S6_TMP/$name.err")
}

# conf NAME LINES...: write a private (0600) configuration file into the
# scratch directory, one argument per line, and print its path.
conf()
{
	local f=$S6_TMP/$1.conf
	shift
	printf '%s\n' "$@" >"$f"
	chmod 600 "$f"
	echo "$f"
}

# Assertions over the last run (they print its output when they fail).
S6_LAST=none
fail_last()
{
	fail "$1" "$S6_TMP/$S6_LAST.out" "$S6_TMP/$S6_LAST.err"
}

expect_rc()
{
	local want=$1 what=$2
	[ "$RC" = "$want" ] || fail_last "$what: exit status $RC, expected $want"
	pass "$what"
}

# expect_out PATTERN WHAT / expect_err PATTERN WHAT: extended regex in stdout/stderr.
expect_out()
{
	grep -qE -- "$1" "$S6_TMP/$S6_LAST.out" || fail_last "$2: stdout lacks /$1/"
	pass "$2"
}

expect_err()
{
	grep -qE -- "$1" "$S6_TMP/$S6_LAST.err" || fail_last "$2: stderr lacks /$1/"
	pass "$2"
}

# ---------------------------------------------------------------------------
# Clean-up, always

s6_cleanup()
{
	local rc=$? pid ns
	trap - EXIT INT TERM HUP
	for pid in "${S6_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${S6_PIDS[@]}"; do
		bg_stop "$pid"
	done
	for ns in "${S6_NETNS[@]}"; do
		# Whatever still runs inside a namespace we made is ours.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	if [ "${S6_KEEP:-0}" = 1 ]; then
		echo "kept $S6_TMP"
	else
		rm -rf "$S6_TMP"
	fi
	exit "$rc"
}
trap s6_cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------------------
# Namespaced topology
#
#   s6c-PID (client)            s6p-PID (proxy)              s6w-PID (server)
#   vc0 192.0.2.2/24 ---- vp0 192.0.2.1/24
#                             vp1 198.51.100.1/24 ---- vw0 198.51.100.2/24
#
# The proxy namespace never forwards, and the client has no route beyond
# 192.0.2.0/24: the proxy is the only way out. Only the proxy namespace
# resolves web.s6test (its /etc/hosts); the client's resolv.conf points at a
# recorder on 192.0.2.1:53 that logs every packet it receives, so a name
# lookup escaping the shim is caught.

NS_C=s6c-$$
NS_P=s6p-$$
NS_W=s6w-$$
C_ADDR=192.0.2.2
P_ADDR=192.0.2.1
P_ADDR_W=198.51.100.1
W_ADDR=198.51.100.2
W_PORT=8080
W_NAME=web.s6test
W_NAME2=web2.s6test   # the same server under a second name
TOKEN=s6token-$$-$RANDOM$RANDOM
DNS_LOG=$S6_TMP/dns-recorder.log

s6_ns_add()
{
	ip netns add "$1" || fail "cannot create namespace $1"
	S6_NETNS+=("$1")
	ip netns exec "$1" ip link set lo up || fail "cannot bring lo up in $1"
}

s6_ns_files()
{
	mkdir -p "/etc/netns/$NS_P" "/etc/netns/$NS_C" || fail "cannot create /etc/netns files"
	printf '127.0.0.1 localhost\n%s %s %s\n' "$W_ADDR" "$W_NAME" "$W_NAME2" >"/etc/netns/$NS_P/hosts"
	# The proxy's own lookups of other names fail at once, and never reach
	# the recorder (which listens on the client side only).
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS_P/resolv.conf"
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$P_ADDR" >"/etc/netns/$NS_C/resolv.conf"
}

s6_ns_links()
{
	ip link add vc0 netns "$NS_C" type veth peer name vp0 netns "$NS_P" &&
	ip link add vp1 netns "$NS_P" type veth peer name vw0 netns "$NS_W" &&
	ip -n "$NS_C" addr add "$C_ADDR/24" dev vc0 &&
	ip -n "$NS_P" addr add "$P_ADDR/24" dev vp0 &&
	ip -n "$NS_P" addr add "$P_ADDR_W/24" dev vp1 &&
	ip -n "$NS_W" addr add "$W_ADDR/24" dev vw0 &&
	ip -n "$NS_C" link set vc0 up &&
	ip -n "$NS_P" link set vp0 up &&
	ip -n "$NS_P" link set vp1 up &&
	ip -n "$NS_W" link set vw0 up &&
	ip netns exec "$NS_P" sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward' ||
		fail "cannot set up the namespace links"
}

# The leak detector: logs every UDP datagram and TCP connection to the
# client's nameserver, 192.0.2.1:53.
s6_dns_recorder()
{
	cat >"$S6_TMP/dns_recorder.py" <<-'EOF'
	import selectors, socket, sys
	log = open(sys.argv[1], "a", buffering=1)
	def qname(msg):
	    labels, i = [], 12
	    while i < len(msg) and msg[i] and len(labels) < 64:
	        labels.append(msg[i + 1:i + 1 + msg[i]].decode("ascii", "replace"))
	        i += 1 + msg[i]
	    qtype = int.from_bytes(msg[i + 1:i + 3], "big") if i + 3 <= len(msg) else -1
	    return "%s type %d" % (".".join(labels) or "?", qtype)
	sel = selectors.DefaultSelector()
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	u.bind((sys.argv[2], 53))
	t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	t.bind((sys.argv[2], 53))
	t.listen(16)
	sel.register(u, selectors.EVENT_READ)
	sel.register(t, selectors.EVENT_READ)
	print("recorder ready", file=sys.stderr, flush=True)
	while True:
	    for key, _ in sel.select():
	        if key.fileobj is u:
	            data, peer = u.recvfrom(65535)
	            log.write("udp from %s:%d %d bytes query %s\n" % (peer[0], peer[1], len(data), qname(data)))
	        else:
	            c, peer = t.accept()
	            log.write("tcp from %s:%d\n" % peer)
	            c.close()
	EOF
	: >"$DNS_LOG"
	track_log "$DNS_LOG"
	bg_start dns-recorder --ns "$NS_P" "$S6_PYTHON" "$S6_TMP/dns_recorder.py" "$DNS_LOG" "$P_ADDR"
	wait_for_log 'recorder ready' "$S6_TMP/dns-recorder.err" 10 ||
		fail "the DNS recorder did not start"
}

s6_web_server()
{
	mkdir -p "$S6_TMP/www"
	printf '<html><body>%s</body></html>\n' "$TOKEN" >"$S6_TMP/www/index.html"
	bg_start web --ns "$NS_W" "$S6_PYTHON" -u -m http.server "$W_PORT" \
		--bind "$W_ADDR" --directory "$S6_TMP/www"
	wait_for_log 'Serving HTTP' "$S6_TMP/web.out" 10 ||
		fail "the web server did not start"
}

# Build the topology, the recorder and the web server.
netns_setup()
{
	require_netns
	s6_ns_add "$NS_C"
	s6_ns_add "$NS_P"
	s6_ns_add "$NS_W"
	s6_ns_files
	s6_ns_links
	s6_dns_recorder
	s6_web_server
}

# The recorder must have seen nothing from the client's address. (A
# connection from the proxy's own address is one the client asked the proxy
# to make, not a leak.)
expect_no_dns_leak()
{
	local leaks
	sleep 0.2   # a datagram sent just before is delivered by now
	leaks=$(grep -F "from $C_ADDR:" "$DNS_LOG")
	if [ -n "$leaks" ]; then
		fail "DNS leaked from the client namespace: $(echo "$leaks" | sort -u | tr '\n' ';')"
	fi
	pass "${1:-no DNS packet reached the recorder}"
}

# A namespace with only loopback, for tests that want fixed ports on
# 127.0.0.1 without meeting anything else running on the machine.
NS_L=s6l-$$
netns_loopback()
{
	require_netns
	s6_ns_add "$NS_L"
}

# ---------------------------------------------------------------------------
# Programs under the preloaded ASan runtime

# usable_under_asan WHAT CMD...: true unless this is the sanitizer build and
# CMD, run with the ASan runtime preloaded (as socks6ify runs programs
# there), hangs for 5 s. curl, wget and git's http helper link p11-kit and
# hang before main() (see curl_usable); their checks are left out there, with
# a "#" line naming WHAT.
usable_under_asan()
{
	local what=$1 rt rc
	shift
	[ "$S6_SANITIZERS" = yes ] || return 0
	rt=$(ldd "$S6_BUILDDIR/socks6ify-cli" | awk '/libasan/ { print $3; exit }')
	env LD_PRELOAD="$rt" ASAN_OPTIONS=detect_leaks=0 timeout 5 "$@" >/dev/null 2>&1 </dev/null
	rc=$?
	[ "$rc" != 124 ] && [ "$rc" -lt 128 ] && return 0
	echo "# $what checks left out: it hangs with the ASan runtime preloaded, socks6ify or not"
	return 1
}

# ---------------------------------------------------------------------------
# Packet capture: proof that nothing but proxy traffic left the client
#
# capture_start (after netns_setup) runs an AF_PACKET sniffer on the client's
# veth, vc0, which logs every frame the client sends or receives, one line
# each: "out|in arp", "out|in ip4 PROTO SRC:SPORT DST:DPORT",
# "out|in ip6 PROTO SRC DST [icmp6 type T]", "out|in eth 0xTYPE". It proves
# itself first: a datagram sent directly (no shim) must show up. Lines up to
# that control are not judged by expect_capture_only_proxy.

CAP_LOG=$S6_TMP/capture.out
capture_start()
{
	cat >"$S6_TMP/capture.py" <<-'EOF'
	import ipaddress, socket, struct, sys
	ETH_P_ALL, PACKET_OUTGOING = 3, 4
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
	s.bind((sys.argv[1], 0))
	def ports(proto, l4):
	    if proto in (6, 17) and len(l4) >= 4:
	        return struct.unpack("!HH", l4[:4])
	    return (0, 0)
	def ip4(f):
	    ihl, proto = (f[0] & 15) * 4, f[9]
	    sp, dp = ports(proto, f[ihl:])
	    src, dst = socket.inet_ntoa(f[12:16]), socket.inet_ntoa(f[16:20])
	    return "ip4 %d %s:%d %s:%d" % (proto, src, sp, dst, dp)
	def ip6(f):
	    proto, at = f[6], 40
	    # Skip hop-by-hop, routing and destination options (MLD reports
	    # carry a hop-by-hop header before the ICMPv6 message).
	    for _ in range(4):
	        if proto not in (0, 43, 60) or len(f) < at + 2:
	            break
	        proto, at = f[at], at + (f[at + 1] + 1) * 8
	    src, dst = ipaddress.IPv6Address(f[8:24]), ipaddress.IPv6Address(f[24:40])
	    extra = " icmp6 type %d" % f[at] if proto == 58 and len(f) > at else ""
	    return "ip6 %d %s %s%s" % (proto, src, dst, extra)
	print("capture ready", file=sys.stderr, flush=True)
	while True:
	    f, addr = s.recvfrom(65535)
	    way = "out" if addr[2] == PACKET_OUTGOING else "in"
	    etype, body = struct.unpack("!H", f[12:14])[0], f[14:]
	    if etype == 0x0806:
	        what = "arp"
	    elif etype == 0x0800 and len(body) >= 20:
	        what = ip4(body)
	    elif etype == 0x86DD and len(body) >= 40:
	        what = ip6(body)
	    else:
	        what = "eth 0x%04x" % etype
	    print(way, what, flush=True)
	EOF
	bg_start capture --ns "$NS_C" "$S6_PYTHON" -u "$S6_TMP/capture.py" vc0
	wait_for_log 'capture ready' "$S6_TMP/capture.err" 10 || fail "the packet capture did not start"
	# The control: a datagram sent around the shim must be seen.
	ip netns exec "$NS_C" "$S6_PYTHON" -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"control", (sys.argv[1], 9))' "$P_ADDR" ||
		fail "cannot send the capture's control datagram"
	wait_for_log "^out ip4 17 $C_ADDR:[0-9]+ $P_ADDR:9\$" "$CAP_LOG" 5 ||
		fail "the capture did not see a datagram sent directly" "$CAP_LOG"
	CAP_FROM=$(($(wc -l <"$CAP_LOG") + 1))
	pass "packet capture on vc0 sees what the client sends (control datagram caught)"
}

# expect_capture_only_proxy PORT... [udp]: every frame the client sent since
# the control was TCP from $C_ADDR to $P_ADDR at one of the PORTs (with the
# word udp also UDP from $C_ADDR to $P_ADDR at any port: the ports of the
# proxy's UDP ASSOCIATE relays), apart from ARP and IPv6 link housekeeping
# (neighbour discovery, router solicitation, MLD: ICMPv6 types 130-137 and
# 143 to link-local or multicast addresses), and there were such TCP packets.
expect_capture_only_proxy()
{
	local ports=" $* " bad n
	sleep 0.3   # the last frames are logged by now
	bad=$(tail -n +"$CAP_FROM" "$CAP_LOG" | awk -v c="$C_ADDR" -v p="$P_ADDR" -v ports="$ports" '
		$1 != "out" || $2 == "arp" { next }
		$2 == "ip4" && $3 == 6 {
			split($4, s, ":"); split($5, d, ":")
			if (s[1] == c && d[1] == p && index(ports, " " d[2] " ")) next
		}
		$2 == "ip4" && $3 == 17 && index(ports, " udp ") {
			split($4, s, ":"); split($5, d, ":")
			if (s[1] == c && d[1] == p) next
		}
		$2 == "ip6" && $3 == 58 && $6 == "icmp6" && ($8 >= 130 && $8 <= 137 || $8 == 143) &&
			$5 ~ /^(ff02|fe80):/ { next }
		{ print }' | sort | uniq -c | head -n 20)
	[ -z "$bad" ] || fail "packets left the client other than to the proxy: $(echo "$bad" | tr '\n' ';')" "$CAP_LOG"
	n=$(tail -n +"$CAP_FROM" "$CAP_LOG" | grep -c "^out ip4 6 $C_ADDR:[0-9]* $P_ADDR:")
	[ "$n" -gt 0 ] || fail "the capture saw no packet to the proxy" "$CAP_LOG"
	pass "packet capture: all $n packets the client sent went to $P_ADDR port(s) $*"
}

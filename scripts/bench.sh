#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The latency and cost benchmark (a benchmark, not a test: it always exits 0
# once it ran, and prints PASS/FAIL per target). Run as root on Debian 12:
#
#   scripts/bench.sh [--rtt-cp MS] [--rtt-ps MS] [--runs N] [--conns N]
#                    [--bulk-mib N] [--loopback | --no-loopback] [--no-readme]
#
# --loopback runs only the loopback section, --no-loopback only the latency
# rows (defaults: 40 ms, 60 ms, 7 runs, 2000 connections, 1024 MiB).
#
# Installs what it misses, builds in build/ (BENCH_BUILD=DIR for another
# build directory), runs the rows, writes tests/bench/results/latest.md and a
# dated copy, and puts the tables into README.md between the bench markers.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. scripts/common.sh

RTT_CP=40
RTT_PS=60
RUNS=7
CONNS=2000
CONNS_STRACE=200
LOOP_REPS=3
BULK_MIB=1024
BULK_RUNS=3
TLS_PAIRS=5
START_RUNS=200
DO_LATENCY=1
DO_LOOPBACK=1
DO_README=1
usage()
{
	sed -n '/^#   scripts\/bench.sh/,/^#$/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--rtt-cp) RTT_CP=$2; shift 2 ;;
	--rtt-ps) RTT_PS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--bulk-mib) BULK_MIB=$2; shift 2 ;;
	--no-loopback) DO_LOOPBACK=0; shift ;;
	--loopback) DO_LATENCY=0; shift ;;
	--no-readme) DO_README=0; shift ;;
	*) usage ;;
	esac
done
for v in "$RTT_CP" "$RTT_PS" "$RUNS" "$CONNS" "$BULK_MIB"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || usage
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }

S6_DEPS="$S6_DEPS proxychains4 microsocks strace iputils-ping"
s6_install_deps || exit 1
s6_bootstrap || exit 1
BN_BUILD=$(realpath -m "${BENCH_BUILD:-build}")
if [ ! -f "$BN_BUILD/Makefile" ]; then
	s6_say "configure in $BN_BUILD"
	mkdir -p "$BN_BUILD" && (top=$PWD && cd "$BN_BUILD" && "$top/configure" -q) || exit 1
fi
s6_say "make in $BN_BUILD"
make -C "$BN_BUILD" -s -j2 all tests/bench/delayline tests/bench/ttfb \
	tests/bench/httpd tests/bench/spawntime tests/bench/tlsbulk || exit 1
BN_BIN=$BN_BUILD/tests/bench
BN_TMP=$(mktemp -d /tmp/s6bench.XXXXXX) || exit 1
chmod 755 "$BN_TMP"
BN_LINKS=()

. tests/bench/net.sh
. tests/bench/latency.sh
. tests/bench/loopback.sh
. tests/bench/report.sh

bn_exit()
{
	bn_cleanup
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $BN_TMP"; else rm -rf "$BN_TMP"; fi
}
trap bn_exit EXIT
trap 'exit 1' INT TERM HUP

if [ "$DO_LATENCY" = 1 ]; then
	s6_say "topology: client-proxy RTT $RTT_CP ms, proxy-server RTT $RTT_PS ms"
	bn_topology
	bn_check_links
	bn_servers "$NS_S" "$S_ADDR" "$P_ADDR"
	bn_latency_rows
	bn_cleanup
fi
if [ "$DO_LOOPBACK" = 1 ]; then
	s6_say "loopback"
	bn_loopback_rows
	bn_cleanup
fi
bn_report
exit 0

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark's delay line (tests/bench/delayline) joins two namespaces
# with a fixed one-way delay: pings cross it, and none comes back faster
# than the configured round trip or more than 1 ms slower. Nothing else of
# scripts/bench.sh runs in the test suite.
. "$(dirname "$0")/lib.sh"

DL=$S6_BUILDDIR/tests/bench/delayline
RTT_MS=20
require_netns
require_cmd ping
require_built "$DL"

NS_A=s6da-$$
NS_B=s6db-$$
s6_ns_add "$NS_A"
s6_ns_add "$NS_B"

bg_start delayline "$DL" "$NS_A" s6d0 "$NS_B" s6d1 $((RTT_MS * 500))
wait_for_log '^ready' "$S6_TMP/delayline.out" 5 || fail "the delay line did not start"
pass "delay line created its devices"
ip -n "$NS_A" addr add 192.0.2.1 peer 192.0.2.2 dev s6d0 &&
	ip -n "$NS_A" link set s6d0 up &&
	ip -n "$NS_B" addr add 192.0.2.2 peer 192.0.2.1 dev s6d1 &&
	ip -n "$NS_B" link set s6d1 up || fail "cannot address the delay line devices"

# The devices live in their namespaces, not in ours.
ip link show s6d0 >/dev/null 2>&1 && fail "s6d0 appeared in the initial namespace"
ip -n "$NS_A" link show s6d0 >/dev/null 2>&1 || fail "s6d0 is not in $NS_A"
pass "each device is in its own namespace"

run ping ip netns exec "$NS_A" timeout 5 ping -n -q -c 4 -i 0.2 -W 1 192.0.2.2
expect_rc 0 "pings cross the delay line"
expect_out ' 0% packet loss' "no ping lost"
min=$(awk -F'[/ =]+' '/^rtt/ { print $6 }' "$S6_TMP/ping.out")
awk -v m="$min" -v r="$RTT_MS" 'BEGIN { exit !(m >= r && m <= r + 1) }' ||
	fail_last "fastest ping took $min ms, expected $RTT_MS to $((RTT_MS + 1)) ms"
pass "fastest round trip $min ms for a configured $RTT_MS ms"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# curl in an isolated client namespace reaches a web server only through
# socks6ify-server, by a name only the proxy can resolve and by address,
# and no DNS query leaves the client; then a C client in every wait mode.
. "$(dirname "$0")/lib.sh"

require_cmd curl
require_built "$S6_BIN"
netns_setup
start_server --ns "$NS_P" --socks4a "$P_ADDR:1080"
PROXY=socks4a://$P_ADDR:1080
s6_http_get_setup
echo "# HTTP client: $HTTP_CLIENT"

# Without the shim the client cannot reach the web server at all.
run direct ip netns exec "$NS_C" timeout 20 curl -sS --max-time 5 "http://$W_ADDR:$W_PORT/"
[ "$RC" != 0 ] || fail_last "curl reached $W_ADDR without the proxy: the topology is not isolated"
pass "without socks6ify the web server is unreachable (curl exit $RC)"

run byname s6 --ns "$NS_C" -v -p "$PROXY" "${HTTP_GET[@]}" "http://$W_NAME:$W_PORT/"
expect_rc 0 "fetch by name through the proxy exits 0"
expect_out "$TOKEN" "fetch by name gets the page"
expect_err "proxy $PROXY target $W_NAME:$W_PORT: connected" "the shim logs the connection by name"
grep -qE "$W_NAME" "$S6_SERVER_LOG" || fail "the server did not log the request for $W_NAME"
pass "the server logged the request for $W_NAME"

run byaddr s6 --ns "$NS_C" -v -p "$PROXY" "${HTTP_GET[@]}" "http://$W_ADDR:$W_PORT/"
expect_rc 0 "fetch by address through the proxy exits 0"
expect_out "$TOKEN" "fetch by address gets the page"
expect_err "proxy $PROXY target $W_ADDR:$W_PORT: connected" "the shim logs the connection by address"
grep -qE "$W_ADDR:$W_PORT" "$S6_SERVER_LOG" || fail "the server did not log the request for $W_ADDR"
pass "the server logged the request for $W_ADDR:$W_PORT"

# The web server saw both requests, from the proxy's address.
[ "$(grep -c "^$P_ADDR_W .*GET / " "$S6_TMP/web.err")" -ge 2 ] ||
	fail "the web server did not log two GETs from the proxy"
pass "the web server saw both requests coming from the proxy"

# Several requests in one run: the connection table copes with reuse.
run many s6 --ns "$NS_C" -p "$PROXY" "${HTTP_GET[@]}" \
	"http://$W_NAME:$W_PORT/" "http://$W_NAME:$W_PORT/index.html" "http://$W_ADDR:$W_PORT/"
expect_rc 0 "three URLs in one run"
[ "$(grep -c "$TOKEN" "$S6_TMP/many.out")" = 3 ] || fail_last "not three pages"
pass "three pages in one run"

# Environment only: SOCKS6IFY_PROXY instead of -p.
run envproxy ip netns exec "$NS_C" env "${s6_wrapped_env[@]}" SOCKS6IFY_PROXY="$PROXY" \
	timeout 30 "$S6_BIN" "${HTTP_GET[@]}" "http://$W_NAME:$W_PORT/"
expect_out "$TOKEN" "SOCKS6IFY_PROXY alone routes the fetch through the proxy"

# A C client in every wait mode programs use: blocking, poll, select, epoll
# registered after or before connect(), edge-triggered.
PROBE=$S6_BUILDDIR/tests/integration/s6_probe
require_built "$PROBE"
for mode in block poll select epoll epoll-before epoll-et; do
	run "probe-$mode" s6 --ns "$NS_C" -p "$PROXY" "$PROBE" "$mode" "$W_NAME" "$W_PORT"
	expect_rc 0 "s6_probe $mode: connects by name and reads the answer"
	expect_out "^ok $mode peer=240\." "s6_probe $mode: getpeername gives the placeholder"
	expect_out '^HTTP/1\.[01] 200' "s6_probe $mode: reads the status line"
done

expect_no_dns_leak
finish

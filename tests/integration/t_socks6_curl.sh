#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# curl through `socks6ify -p socks6://...` and socks6ify-server --socks6 in
# the namespaces, by name and by address, for each authentication path
# (none, 0-RTT, slow via `socks6-auth slow`). One curl run makes two
# connections (two host names), so the second reuses the session; with
# `spend-tokens always` it spends a token. No DNS query leaves the client.
# curl cannot run under the preloaded ASan runtime (see curl_usable in
# lib.sh): the sanitizer build skips this script, t_socks6_python.sh covers
# the same paths.
. "$(dirname "$0")/lib.sh"

require_cmd curl
require_built "$S6_BIN" "$S6_SERVER_BIN"
curl_usable || skip "curl cannot run under the preloaded ASan runtime"
netns_setup

OPEN_PORT=1080
AUTH_PORT=1081
printf 'bob:hunter2\n' >"$S6_TMP/users"
chmod 600 "$S6_TMP/users"
start_server --ns "$NS_P" --name open -v --socks6 "$P_ADDR:$OPEN_PORT"
OPEN_LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name auth -v --socks6 "$P_ADDR:$AUTH_PORT" \
	--user alice:secret --users "$S6_TMP/users" --token-window 8
AUTH_LOG=$S6_SERVER_LOG

CURL=(curl -sS --max-time 15)
URLS=("http://$W_NAME:$W_PORT/" "http://$W_ADDR:$W_PORT/")
two_pages() { # WHAT
	expect_rc 0 "$1: curl exits 0"
	[ "$(grep -c "$TOKEN" "$S6_TMP/$S6_LAST.out")" = 2 ] || fail_last "$1: not two pages"
	pass "$1: page by name and page by address"
}
expect_log() { # LOG REGEX WHAT
	wait_for_log "$2" "$1" 5 || fail "$3: server log lacks /$2/" "$1"
	pass "$3"
}

# Without the shim the client reaches nothing.
run direct ip netns exec "$NS_C" timeout 20 "${CURL[@]}" --max-time 5 "${URLS[1]}"
[ "$RC" != 0 ] || fail_last "curl reached $W_ADDR without the proxy"
pass "without socks6ify the web server is unreachable"

run none s6 --ns "$NS_C" -v -p "socks6://$P_ADDR:$OPEN_PORT" "${CURL[@]}" "${URLS[@]}"
two_pages "no auth"
expect_err "proxy socks6://$P_ADDR:$OPEN_PORT target $W_NAME:$W_PORT: connected" \
	"shim logs the connection by name"
expect_log "$OPEN_LOG" "CONNECT $W_NAME:$W_PORT auth=none .*session=new .*reply=0 " \
	"no auth: by name, session opened"
expect_log "$OPEN_LOG" "CONNECT $W_ADDR:$W_PORT auth=session .*session=reuse .*reply=0 " \
	"no auth: by address, session reused"

c0=$(conf zero "proxy socks6://alice:secret@$P_ADDR:$AUTH_PORT")
run zero s6 --ns "$NS_C" -v -f "$c0" "${CURL[@]}" "${URLS[@]}"
two_pages "0-RTT"
expect_log "$AUTH_LOG" "CONNECT $W_NAME:$W_PORT auth=userpass-0rtt user=alice session=new .*reply=0 " \
	"0-RTT: first connection authenticated in the request"
expect_log "$AUTH_LOG" "CONNECT $W_ADDR:$W_PORT auth=session user=alice session=reuse .*reply=0 " \
	"0-RTT: second connection reuses the session"

cs=$(conf slow "proxy socks6://bob:hunter2@$P_ADDR:$AUTH_PORT" "socks6-auth slow")
run slow s6 --ns "$NS_C" -v -f "$cs" "${CURL[@]}" "${URLS[@]}"
two_pages "slow path"
expect_log "$AUTH_LOG" "CONNECT $W_NAME:$W_PORT auth=userpass-slow user=bob session=new .*reply=0 " \
	"slow path: RFC 1929 negotiation"
expect_log "$AUTH_LOG" "CONNECT $W_ADDR:$W_PORT auth=session user=bob session=reuse .*reply=0 " \
	"slow path: second connection reuses the session"

ct=$(conf tokens "proxy socks6://alice:secret@$P_ADDR:$AUTH_PORT" "spend-tokens always")
run tokens s6 --ns "$NS_C" -v -f "$ct" "${CURL[@]}" "${URLS[@]}"
two_pages "spend-tokens always"
expect_log "$AUTH_LOG" "CONNECT $W_ADDR:$W_PORT auth=session user=alice session=reuse token=[0-9]+/accepted " \
	"spend-tokens always: the second connection spends a token"

expect_no_dns_leak "no DNS query left the client namespace"
finish

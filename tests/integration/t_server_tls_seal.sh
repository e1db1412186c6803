#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server's TLS front seals a direct CONNECT's records towards the
# client itself (srv_tls_seal.c). A client (s6_tlsku, OpenSSL) asks for
# KeyUpdates in the middle of a 48 MiB download, with each TLS 1.3 cipher
# suite: the front must answer each with a KeyUpdate of its own under the
# old key and go on under the next one (RFC 8446 section 4.6.3); the
# download's SHA-256 only matches if it did. The debug log shows that the
# front, not OpenSSL, sealed the records, answered, and that OpenSSL wrote
# nothing that reached the client after the take-over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

KU=$S6_BUILDDIR/tests/integration/s6_tlsku
require_built "$S6_SERVER_BIN" "$KU"
require_cmd timeout openssl

PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
chmod 600 "$PKI/server.key"

start_server -v --socks6-tls 127.0.0.1:0 --cert "$PKI/server.pem" --key "$PKI/server.key"

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	run "ku_$suite" timeout 90 "$KU" "$S6_SERVER_PORT" "$PKI/ca.pem" "$suite" 48 3
	read -r CP res <"$S6_TMP/ku_$suite.out"
	[ "$RC" = 0 ] || fail_last "$suite: $res"
	case $res in
	*"sha256=ok requested=3 answered="[1-3]" suite=$suite") ;;
	*) fail_last "$suite: $res" ;;
	esac
	pass "$suite: 48 MiB intact (SHA-256) across 3 requested KeyUpdates and 1 unrequested, server answered: $res"
	wait_for_log "tls 127.0.0.1:$CP: sealed [0-9]+ records" "$S6_SERVER_LOG" 5 ||
		fail "$suite: no end line of the front's sealing" "$S6_SERVER_LOG"
	grep -qE "tls 127.0.0.1:$CP: sealing from record [0-9]+$" "$S6_SERVER_LOG" ||
		fail "$suite: the front did not take the records over" "$S6_SERVER_LOG"
	n=$(grep -c "tls 127.0.0.1:$CP: KeyUpdate answered" "$S6_SERVER_LOG")
	a=${res#*answered=}
	a=${a%% *}
	[ "$n" = "$a" ] || fail "$suite: the front answered $n KeyUpdates, the client read $a" "$S6_SERVER_LOG"
	# OpenSSL answers a KeyUpdate itself as it reads it: that record, under
	# a stale sequence number, must have been dropped, not sent.
	grep -qE "tls 127.0.0.1:$CP: sealed [0-9]+ records, dropped [1-9][0-9]* bytes" \
		"$S6_SERVER_LOG" || fail "$suite: OpenSSL's own answers were not dropped" "$S6_SERVER_LOG"
	pass "$suite: the front sealed the records and answered the KeyUpdates itself ($n), OpenSSL's were dropped"
done

kill -0 "$S6_SERVER_PID" || fail "server died"
pass "server still running"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CONNECT-IP (issue 7, client side, TCP) through the engine: in a private
# namespace whose loopback also holds 198.18.0.1 and fd00:18::1 (lwIP
# cannot send to 127.0.0.0/8 or ::1), the program's TCP connections go to
# socks6ify-server --connect-ip over plain HTTP (connect-ip-plain) and
# --connect-ip-tls over TLS: curl pages of IPv4, IPv6 and name targets, a
# 2 MB download intact, draft-00 mode, an https:// URL with an explicit
# template, a CNAME chain shown at -v and refused by block-alias (EACCES,
# one line naming the alias); against a fake proxy: a 200 instead of 101
# (the status line quoted), a truncated and a malformed capsule, a route
# that misses the target (ENETUNREACH), an ADDRESS_REQUEST after a
# second without address, an invalid Proxy-Status ignored whole, draft-00
# on the wire. The preload library links neither lwIP nor OpenSSL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

require_netns
require_cmd openssl readelf
ENGINE=$S6_BUILDDIR/src/engine/socks6ify-engine
require_built "$S6_BIN" "$S6_SERVER_BIN" "$ENGINE"
"$S6_SERVER_BIN" --help 2>&1 | grep -q -- '--connect-ip ' || skip "socks6ify-server has no --connect-ip"
SOCKS6IFY_ENGINE=$(engine_wrapped "$ENGINE")
export SOCKS6IFY_ENGINE
ELOG=$XDG_RUNTIME_DIR/socks6ify/engine.log
s6_http_get_setup

LIB=$(find "$S6_BUILDDIR/preload/.libs" -name 'libsocks6ify.so' | head -n 1)
[ -n "$LIB" ] || fail "libsocks6ify.so not built"
if readelf -d "$LIB" | grep -E 'NEEDED.*(liblwip|libssl|libcrypto)'; then
	fail "libsocks6ify.so links lwIP or OpenSSL"
fi
readelf -d "$ENGINE" 2>/dev/null | grep -q 'NEEDED.*liblwip' ||
	readelf -d "$S6_BUILDDIR/src/engine/.libs/socks6ify-engine" 2>/dev/null | grep -q 'NEEDED.*liblwip' ||
	fail "the engine does not link lwIP"
pass "lwIP and OpenSSL only in the engine, not in libsocks6ify.so"

NS=s6cip-$$
s6_ns_add "$NS"
ip -n "$NS" addr add 198.18.0.1/32 dev lo &&
	ip -n "$NS" addr add fd00:18::1/128 dev lo nodad || fail "cannot add the target addresses"
mkdir -p "/etc/netns/$NS" || fail "cannot create /etc/netns/$NS"
printf '127.0.0.1 localhost\n198.18.0.1 web.cip.test\nfd00:18::1 web6.cip.test\n' >"/etc/netns/$NS/hosts"

WWW=$S6_TMP/www
mkdir -p "$WWW"
TOKEN=cip-page-$$-$RANDOM
echo "$TOKEN" >"$WWW/index.html"
head -c 2000000 /dev/urandom >"$WWW/big.bin"
BIGSUM=$(sha256sum <"$WWW/big.bin" | cut -d' ' -f1)
bg_start web --ns "$NS" "$S6_PYTHON" -m http.server 8080 --bind :: --directory "$WWW"
wait_for_log 'Serving HTTP' "$S6_TMP/web.out" 10 || fail "web server did not start"

cat >"$S6_TMP/get.py" <<'PY'
import sys, urllib.request
open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1], timeout=20).read())
PY
cat >"$S6_TMP/conn.py" <<'PY'
import errno, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(20)
try:
    s.connect((host, port))
    print("connected")
except OSError as e:
    print("errno %s" % errno.errorcode.get(e.errno, e.errno))
PY

start_server --ns "$NS" --name cip -v --connect-ip 127.0.0.1:0 \
	--cname metrics.site.test=trk.tracker.test --cname trk.tracker.test=web.cip.test \
	--cname www.site.test=web.cip.test
CPORT=$S6_SERVER_PORT
PLAIN=$(conf plain "proxy connect-ip://127.0.0.1:$CPORT" "connect-ip-plain yes" \
	"block-alias *.tracker.test")

get_page() { # NAME CONF URL: the page through socks6ify
	run "$1" s6 --ns "$NS" -v -f "$2" "${HTTP_GET[@]}" "$3"
	expect_rc 0 "$1: $HTTP_CLIENT exits 0"
	expect_out "$TOKEN" "$1: the page arrived"
}

get_page v4 "$PLAIN" "http://198.18.0.1:8080/index.html"
expect_err 'WARNING: connect-ip-plain yes' "plain HTTP is warned about"
grep -q 'connect-ip rfc9484 target 198.18.0.1 ipproto 6' "$S6_SERVER_LOG" ||
	fail "the server saw no scoped RFC 9484 request"
pass "the request is scoped to the target and IP protocol 6"
get_page v6 "$PLAIN" "http://[fd00:18::1]:8080/index.html"
get_page name "$PLAIN" "http://web6.cip.test:8080/index.html"
get_page chain "$PLAIN" "http://www.site.test:8080/index.html"
expect_err 'connect-ip 198\.18\.0\.1, next-hop 198\.18\.0\.1, aliases web\.cip\.test' \
	"-v shows the next hop and the CNAME chain"

run big s6 --ns "$NS" -q -f "$PLAIN" "$S6_PYTHON" "$S6_TMP/get.py" \
	"http://198.18.0.1:8080/big.bin" "$S6_TMP/big.out"
expect_rc 0 "2 MB download exits 0"
[ "$(sha256sum <"$S6_TMP/big.out" | cut -d' ' -f1)" = "$BIGSUM" ] || fail_last "2 MB download corrupted"
pass "2 MB download intact"

run blocked s6 --ns "$NS" -f "$PLAIN" "$S6_PYTHON" "$S6_TMP/conn.py" metrics.site.test 8080
expect_out 'errno EACCES' "an alias matching block-alias is refused with EACCES"
expect_err 'blocked: alias trk\.tracker\.test of metrics\.site\.test matches block-alias \*\.tracker\.test' \
	"the refusal names the alias and the pattern"
[ "$(grep -c 'blocked: alias' "$S6_TMP/blocked.err")" = 1 ] || fail_last "not one line per refusal"
pass "one line per refused connection"

D00=$(conf d00 "proxy connect-ip://127.0.0.1:$CPORT" "connect-ip-plain yes" "connect-ip-mode draft00")
get_page draft00 "$D00" "http://198.18.0.1:8080/index.html"
grep -q 'connect-ip draft-00 target 198.18.0.1' "$S6_SERVER_LOG" || fail "the server saw no draft-00 request"
pass "draft-00 mode end to end"

# TLS: https:// with an explicit template, checked against the test CA.
PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
start_server --ns "$NS" --name ciptls -v --connect-ip-tls 127.0.0.1:0 \
	--cert "$PKI/server.pem" --key "$PKI/server.key"
TPORT=$S6_SERVER_PORT
TLS=$(conf tls "proxy https://127.0.0.1:$TPORT/.well-known/masque/ip/{target}/{ipproto}/" \
	"ca-file $PKI/ca.pem")
get_page tls "$TLS" "http://198.18.0.1:8080/index.html"
grep -q 'connect-ip 198.18.0.1.*(RFC 9484, TLS)' "$ELOG" || fail "the engine logged no TLS tunnel"
pass "CONNECT-IP over TLS"
ROGUE=$(conf rogue "proxy https://127.0.0.1:$TPORT" "ca-file $PKI/rogue-ca.pem")
run rogue s6 --ns "$NS" -f "$ROGUE" "$S6_PYTHON" "$S6_TMP/conn.py" 198.18.0.1 8080
expect_out 'errno ECONNREFUSED' "an unknown CA is refused"
expect_err 'tls: unknown CA' "the refusal says why"

# A fake proxy for what the real one never does.
fake() { # SCENARIO: starts it; sets FPORT and FCONF
	bg_start "fake-$1" --ns "$NS" "$S6_PYTHON" "$S6_SRCDIR/tests/integration/fake_connect_ip.py" \
		"$1" "$S6_TMP/fake-$1.log"
	wait_for_log '^port [0-9]+' "$S6_TMP/fake-$1.out" 10 || fail "fake proxy $1 did not start"
	FPORT=$(sed -nE 's/^port ([0-9]+)/\1/p' "$S6_TMP/fake-$1.out")
	FCONF=$(conf "fake-$1" "proxy connect-ip://127.0.0.1:$FPORT" "connect-ip-plain yes" \
		"block-alias *.tracker.test" "${@:2}")
}
fake_conn() { # NAME: conn.py through the fake to 198.18.0.1:8080
	run "$1" s6 --ns "$NS" -f "$FCONF" "$S6_PYTHON" "$S6_TMP/conn.py" 198.18.0.1 8080
}

fake status200
fake_conn s200
expect_out 'errno ECONNREFUSED' "a 200 instead of 101 is refused"
expect_err "the proxy answered 'HTTP/1.1 200 OK' instead of 101" "the error quotes the status line"

fake truncated
fake_conn trunc
expect_out 'errno ECONNRESET' "a truncated capsule ends the tunnel"
expect_err 'closed the tunnel inside a capsule' "the truncation is named"

fake malformed
fake_conn malf
expect_out 'errno EPROTO' "a malformed capsule ends the tunnel"
expect_err 'malformed capsule from the proxy' "the malformed capsule is named"

fake noroute
fake_conn noroute
expect_out 'errno ENETUNREACH' "a target outside the advertised routes: ENETUNREACH"
expect_err '198\.18\.0\.1 is outside the routes the proxy advertised' "the route refusal is logged"

fake ask
fake_conn ask
expect_out 'errno ENETUNREACH' "the address asked for arrives"
grep -qE 'first capsule type 2 after (0\.[89]|1\.[0-9])' "$S6_TMP/fake-ask.log" ||
	fail "no ADDRESS_REQUEST about a second after the Upgrade" "$S6_TMP/fake-ask.log"
pass "ADDRESS_REQUEST sent when no address arrives"

fake badstatus
fake_conn badps
expect_out 'errno ECONNRESET' "an invalid Proxy-Status does not refuse (the fake then closes)"
grep -q 'invalid Proxy-Status ignored' "$ELOG" || fail "the invalid Proxy-Status was not logged"
grep -q 'blocked: alias dot' "$ELOG" && fail "an alias from an invalid Proxy-Status was used"
pass "an invalid Proxy-Status field is ignored whole"

fake draft00
FCONF=$(conf fake-d00b "proxy connect-ip://127.0.0.1:$FPORT" "connect-ip-plain yes" "connect-ip-mode draft00")
fake_conn d00
expect_out 'errno ENETUNREACH' "draft-00 capsules are understood"
grep -q 'capsule-protocol=no' "$S6_TMP/fake-draft00.log" && grep -q 'register=yes' "$S6_TMP/fake-draft00.log" ||
	fail "draft-00: Capsule-Protocol sent or no REGISTER_DATAGRAM_CONTEXT" "$S6_TMP/fake-draft00.log"
pass "draft-00: no Capsule-Protocol, context 0 registered"

finish

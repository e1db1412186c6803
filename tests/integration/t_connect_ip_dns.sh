#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CONNECT-IP next-hop-aliases from the DNS (issue 7): socks6ify-server
# --connect-ip without a --cname table, in a namespace whose resolv.conf
# names a responder (dns_responder.py) that answers CNAME chains. The
# server reports the chain it learnt in Proxy-Status; the client logs it at
# -v, still reaches the target, and refuses with EACCES (one line naming
# the alias) a tracker cloaked behind a CNAME that only the DNS knows of.
# A name without CNAME gets an empty list.
. "$(dirname "$0")/lib.sh"

require_cip_engine

NS=s6cipd-$$
s6_ns_add "$NS"
ip -n "$NS" addr add 198.18.0.1/32 dev lo || fail "cannot add the target address"
mkdir -p "/etc/netns/$NS" || fail "cannot create /etc/netns/$NS"
printf '127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS/resolv.conf"

bg_start dns --ns "$NS" "$S6_PYTHON" -u "$S6_SRCDIR/tests/integration/dns_responder.py" 127.0.0.1 \
	web.cip.test=198.18.0.1 \
	www.site.test=\>cdn.site.test cdn.site.test=\>web.cip.test \
	metrics.site.test=\>trk.tracker.test trk.tracker.test=\>web.cip.test
wait_for_log 'dns ready' "$S6_TMP/dns.out" 10 || fail "the DNS responder did not start"

WWW=$S6_TMP/www
mkdir -p "$WWW"
TOKEN=cipdns-$$-$RANDOM
echo "$TOKEN" >"$WWW/index.html"
bg_start web --ns "$NS" "$S6_PYTHON" -m http.server 8080 --bind 198.18.0.1 --directory "$WWW"
wait_for_log 'Serving HTTP' "$S6_TMP/web.out" 10 || fail "web server did not start"

cat >"$S6_TMP/get.py" <<'PY'
import errno, sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode().strip())
except urllib.error.URLError as e:
    r = e.reason
    print("errno %s" % errno.errorcode.get(getattr(r, "errno", None), r))
PY

cat >"$S6_TMP/conn.py" <<'PY'
import errno, socket, sys
s = socket.socket()
s.settimeout(20)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print("errno %s" % errno.errorcode.get(e.errno, e.errno))
PY

start_server --ns "$NS" --name cip -v --connect-ip 127.0.0.1:0
CONF=$(conf plain "proxy connect-ip://127.0.0.1:$S6_SERVER_PORT" "connect-ip-plain yes" \
	"block-alias *.tracker.test")
get() { # NAME HOST: the page through socks6ify -v
	run "$1" s6 --ns "$NS" -v -f "$CONF" "$S6_PYTHON" "$S6_TMP/get.py" "http://$2:8080/index.html"
}

get chain www.site.test
expect_out "$TOKEN" "a name behind two CNAMEs: the page arrived"
grep -q 'connect-ip www.site.test: CNAME chain from the DNS: cdn.site.test,web.cip.test' \
	"$S6_SERVER_LOG" || fail "the server did not log the chain from the DNS" "$S6_SERVER_LOG"
pass "the server learnt the chain from the DNS"
grep -qE 'aliases cdn\.site\.test > web\.cip\.test' "$ELOG" "$S6_TMP/chain.err" ||
	fail "the client did not log the chain" "$ELOG" "$S6_TMP/chain.err"
pass "-v shows the chain next-hop-aliases carried"

run tracker s6 --ns "$NS" -v -f "$CONF" "$S6_PYTHON" "$S6_TMP/conn.py" metrics.site.test 8080
expect_out 'errno EACCES' "a tracker cloaked behind a CNAME: EACCES"
expect_err 'blocked: alias trk\.tracker\.test of metrics\.site\.test matches block-alias \*\.tracker\.test' \
	"the refusal names the alias found only through the DNS"
[ "$(grep -c 'blocked: alias' "$S6_TMP/tracker.err")" = 1 ] || fail_last "not one line per refusal"
pass "one line per refused connection"
[ "$(grep -c 'GET /index.html' "$S6_TMP/web.err")" = 1 ] ||
	fail "the refused connection reached the web server" "$S6_TMP/web.err"
pass "the refused connection never reached the target"

get plain web.cip.test
expect_out "$TOKEN" "a name without CNAME: the page arrived"
grep -q 'connect-ip web.cip.test: CNAME chain' "$S6_SERVER_LOG" &&
	fail "a chain was reported for a name without CNAME" "$S6_SERVER_LOG"
pass "no chain for a name without CNAME"

finish

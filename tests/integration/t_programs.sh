#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real programs through socks6ify in the namespaces, each through SOCKS6
# (socks6ify-server --socks6 with a user) and SOCKS4a, with a packet capture
# on the client's veth proving nothing but proxy traffic left the client:
# - curl http by name; curl https by a name only the proxy resolves, SNI and
#   the certificate name checked against a test CA (and a name the
#   certificate lacks refused);
# - wget http and https;
# - python3 urllib (http, https) and asyncio streams (open_connection);
# - nc (netcat-openbsd): a line to an echo server and back.
# ssh and git: t_programs_ssh_git.sh; nc -u and python UDP sockets:
# t_programs_udp.sh.
# curl and wget hang before main() under the preloaded ASan runtime (see
# usable_under_asan in lib.sh): the sanitizer build leaves them out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/programs_lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
require_cmd openssl
netns_setup
capture_start
pg_start_proxies

TLS_PORT=8443
ECHO_PORT=7007

# ---- a test CA and a certificate for $W_NAME only
pki=$S6_TMP/pki
mkdir -p "$pki"
printf 'subjectAltName=DNS:%s\n' "$W_NAME" >"$pki/ext"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 -subj "/CN=s6 test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$pki/web.key" -out "$pki/web.csr" -subj "/CN=$W_NAME" &&
	openssl x509 -req -in "$pki/web.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
		-CAcreateserial -days 2 -extfile "$pki/ext" -out "$pki/web.pem"
} >"$S6_TMP/openssl.log" 2>&1 || fail "cannot make the test certificates" "$S6_TMP/openssl.log"
chmod 644 "$pki"/*

# https.py ADDR PORT CERT KEY DIR: serves DIR over TLS, logs "sni=NAME" for
# every handshake.
cat >"$S6_TMP/https.py" <<'PY'
import functools, http.server, ssl, sys
addr, port, cert, key, www = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.sni_callback = lambda sock, name, c: print("sni=%s" % name, flush=True)
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=www)
srv = http.server.ThreadingHTTPServer((addr, port), handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("https ready", file=sys.stderr, flush=True)
srv.serve_forever()
PY
bg_start https --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/https.py" "$W_ADDR" "$TLS_PORT" \
	"$pki/web.pem" "$pki/web.key" "$S6_TMP/www"
wait_for_log 'https ready' "$S6_TMP/https.err" 10 || fail "the https server did not start"

# echo.py ADDR PORT: echoes every connection's bytes until EOF.
cat >"$S6_TMP/echo.py" <<'PY'
import socket, sys, threading
l = socket.create_server((sys.argv[1], int(sys.argv[2])), reuse_port=True)
print("echo ready", file=sys.stderr, flush=True)
def serve(c):
    c.settimeout(10)
    with c:
        while data := c.recv(4096):
            c.sendall(data)
while True:
    threading.Thread(target=serve, args=(l.accept()[0],), daemon=True).start()
PY
bg_start echo --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/echo.py" "$W_ADDR" "$ECHO_PORT"
wait_for_log 'echo ready' "$S6_TMP/echo.err" 10 || fail "the echo server did not start"

# python clients: urllib (URL [CAFILE]) and asyncio streams (HOST PORT).
cat >"$S6_TMP/urllib_get.py" <<'PY'
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2]) if len(sys.argv) > 2 else None
print(urllib.request.urlopen(sys.argv[1], timeout=15, context=ctx).read().decode())
PY
cat >"$S6_TMP/asyncio_get.py" <<'PY'
import asyncio, sys
async def main(host, port):
    r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 15)
    w.write(b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host.encode())
    await w.drain()
    print((await asyncio.wait_for(r.read(), 15)).decode())
    w.close()
    await w.wait_closed()
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
PY
printf 'hello %s\n' "$TOKEN" >"$S6_TMP/line"

HTTP_URL=http://$W_NAME:$W_PORT/
TLS_URL=https://$W_NAME:$TLS_PORT/
# usable NAME CMD...: NAME is installed and runs here (see usable_under_asan).
usable()
{
	if ! command -v "$1" >/dev/null; then
		echo "# $1 checks left out: $1 not installed"
		return 1
	fi
	usable_under_asan "$@"
}
use_curl=no use_wget=no use_nc=no
usable curl curl --version && use_curl=yes
usable wget wget --version && use_wget=yes
usable nc nc -h && use_nc=yes

# page WHAT: the last run exited 0 and printed the page.
page()
{
	expect_rc 0 "$1: exits 0"
	expect_out "$TOKEN" "$1: gets the page"
}

check_curl()
{
	pg_run curl curl -sS --max-time 15 "$HTTP_URL"
	page "$PG_KIND curl http by name"
	pg_expect_proxied "$W_NAME:$W_PORT" "$PG_KIND curl http"
	pg_run curl-tls curl -sS -v --max-time 15 --cacert "$pki/ca.pem" "$TLS_URL"
	page "$PG_KIND curl https by name"
	expect_err "subjectAltName: host \"$W_NAME\" matched cert's \"$W_NAME\"" \
		"$PG_KIND curl https: the certificate name matched"
	wait_for_log "^sni=$W_NAME\$" "$S6_TMP/https.out" 5 || fail "the https server saw no SNI $W_NAME"
	pg_expect_proxied "$W_NAME:$TLS_PORT" "$PG_KIND curl https"
	# The same server under a name the certificate lacks: refused by curl.
	pg_run curl-bad curl -sS --max-time 15 --cacert "$pki/ca.pem" "https://$W_NAME2:$TLS_PORT/"
	expect_rc 60 "$PG_KIND curl https to $W_NAME2: certificate name mismatch (exit 60)"
	wait_for_log "^sni=$W_NAME2\$" "$S6_TMP/https.out" 5 || fail "the https server saw no SNI $W_NAME2"
	pass "$PG_KIND curl https: SNI $W_NAME and $W_NAME2 reached the server"
}

check_wget()
{
	pg_run wget wget -q -O - --timeout=15 --tries=1 "$HTTP_URL"
	page "$PG_KIND wget http by name"
	pg_expect_proxied "$W_NAME:$W_PORT" "$PG_KIND wget http"
	pg_run wget-tls wget -q -O - --timeout=15 --tries=1 --ca-certificate="$pki/ca.pem" "$TLS_URL"
	page "$PG_KIND wget https by name"
	pg_expect_proxied "$W_NAME:$TLS_PORT" "$PG_KIND wget https"
}

check_python()
{
	pg_run urllib "$S6_PYTHON" "$S6_TMP/urllib_get.py" "$HTTP_URL"
	page "$PG_KIND python urllib http"
	pg_expect_proxied "$W_NAME:$W_PORT" "$PG_KIND python urllib http"
	pg_run urllib-tls "$S6_PYTHON" "$S6_TMP/urllib_get.py" "$TLS_URL" "$pki/ca.pem"
	page "$PG_KIND python urllib https (certificate and name verified)"
	pg_expect_proxied "$W_NAME:$TLS_PORT" "$PG_KIND python urllib https"
	pg_run asyncio "$S6_PYTHON" "$S6_TMP/asyncio_get.py" "$W_NAME" "$W_PORT"
	page "$PG_KIND python asyncio open_connection"
	pg_expect_proxied "$W_NAME:$W_PORT" "$PG_KIND python asyncio"
}

check_nc()
{
	pg_run nc sh -c 'exec nc -N -w 10 "$1" "$2" <"$3"' nc "$W_NAME" "$ECHO_PORT" "$S6_TMP/line"
	expect_rc 0 "$PG_KIND nc: exits 0"
	[ "$OUT" = "hello $TOKEN" ] || fail_last "$PG_KIND nc: the line did not come back"
	pass "$PG_KIND nc: the line came back from the echo server"
	pg_expect_proxied "$W_NAME:$ECHO_PORT" "$PG_KIND nc"
}

for kind in $PG_KINDS; do
	pg_use "$kind"
	[ $use_curl = yes ] && check_curl
	[ $use_wget = yes ] && check_wget
	check_python
	[ $use_nc = yes ] && check_nc
done

expect_capture_only_proxy "$PG_S6_PORT" "$PG_S4_PORT"
expect_no_dns_leak
finish

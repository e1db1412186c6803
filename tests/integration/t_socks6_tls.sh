#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SOCKS6 over TLS 1.3 (socks6+tls://) through the engine process, on
# loopback, against socks6ify-server --socks6-tls with a test CA: curl and
# python3 pages; an unknown CA, a wrong name, an expired certificate and a
# TLS 1.2-only proxy each refused (ECONNREFUSED, one reason in the program's
# stderr and in the engine's log); pin-sha256 match and mismatch; the engine
# started on demand, reused by the next program, restarted after it was
# killed, a stale port file replaced; resumption and 0-RTT early data seen
# by the server; one round trip: connect() returns at once, the Request and
# the program's first bytes in early data, read-first programs, a refusal
# as the errno of the read; sessions shared by programs and torn down at
# exit; the engine killed under a running program; a second user gets its
# own engine, and an engine refuses a header without its user's secret; the
# preload library links no OpenSSL; tfo-proxy auto/always/never honoured
# by the engine's TCP to the proxy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

require_root
require_cmd openssl setpriv
ENGINE=$S6_BUILDDIR/src/engine/socks6ify-engine
require_built "$S6_BIN" "$S6_SERVER_BIN" "$ENGINE"
SOCKS6IFY_ENGINE=$(engine_wrapped "$ENGINE")
export SOCKS6IFY_ENGINE
EDIR=$XDG_RUNTIME_DIR/socks6ify
ELOG=$EDIR/engine.log
PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
chmod 600 "$PKI"/*.key
chmod 644 "$PKI"/*.pem

# The preload library must never carry OpenSSL into the program.
LIB=$(find "$S6_BUILDDIR/preload/.libs" -name 'libsocks6ify.so' | head -n 1)
[ -n "$LIB" ] || fail "libsocks6ify.so not built"
if readelf -d "$LIB" | grep -E 'NEEDED.*(libssl|libcrypto)'; then
	fail "libsocks6ify.so links OpenSSL"
fi
pass "libsocks6ify.so links neither libssl nor libcrypto"

# Stop the engines this script started (they are daemons, not our children).
stop_engines()
{
	local f
	for f in "$EDIR/engine.port" "${NB_RUN:-/nonexistent}/socks6ify/engine.port"; do
		[ -f "$f" ] && kill -TERM "$(awk '{print $5}' "$f")" 2>/dev/null
	done
	return 0
}
engine_pid() { awk '{print $5}' "$EDIR/engine.port" 2>/dev/null; }

bg_start web "$S6_PYTHON" -m http.server 0 --bind 127.0.0.1 --directory "$S6_TMP"
wait_for_log 'Serving HTTP on 127.0.0.1 port [0-9]+' "$S6_TMP/web.out" 10 || fail "web server did not start"
WPORT=$(sed -nE 's/.*port ([0-9]+).*/\1/p' "$S6_TMP/web.out" | head -n 1)
TOKEN=tls-page-$$
echo "$TOKEN" >"$S6_TMP/index.html"
URL=http://127.0.0.1:$WPORT/index.html

server() { # NAME CERT: a TLS listener with that certificate; sets PORT_<NAME>
	start_server --name "$1" -v --socks6-tls 127.0.0.1:0 --cert "$PKI/$2.pem" --key "$PKI/$2.key"
	printf -v "PORT_$1" '%s' "$S6_SERVER_PORT"
}
server good server
GOOD_LOG=$S6_SERVER_LOG
server rogue rogue
server wrongname wrongname
server expired expired
# A proxy that stops at TLS 1.2 (a downgrade must not be accepted).
bg_start tls12 "$S6_PYTHON" -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print("port", s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    try: ctx.wrap_socket(c, server_side=True)
    except Exception: pass
    c.close()' "$PKI/server.pem" "$PKI/server.key"
wait_for_log '^port [0-9]+' "$S6_TMP/tls12.out" 10 || fail "TLS 1.2 server did not start"
PORT_tls12=$(awk '/^port/ {print $2}' "$S6_TMP/tls12.out")

CURL=(curl -sS --max-time 15)
# A connect, a request and the first bytes back: an optimistic connect
# returns at once, so a refusal surfaces on the read (or on connect).
PROBE='import socket
s = socket.socket()
try:
    s.connect(("127.0.0.1", '"$WPORT"'))
    s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
    print("connected" if s.recv(100) else "eof")
except OSError as e:
    print("errno", e.errno)'
PAGES='import urllib.request as u
for i in range(3):
    print(u.urlopen("'"$URL"'", timeout=15).read().decode().strip())'
tconf() { # NAME PORT EXTRA...: a socks6+tls configuration
	local name=$1 port=$2
	shift 2
	conf "$name" "proxy socks6+tls://127.0.0.1:$port" "ca-file $PKI/ca.pem" "engine-idle 60" "$@"
}

# ---- pages through a verified proxy; the engine starts on demand
[ ! -e "$EDIR/engine.port" ] || fail "an engine runs before the first program"
cg=$(tconf good "$PORT_good")
if curl_usable; then
	run curl s6 -v -f "$cg" "${CURL[@]}" "$URL"
	expect_rc 0 "curl through socks6+tls exits 0"
	expect_out "$TOKEN" "curl gets the page"
	expect_err "proxy socks6\+tls://127.0.0.1:$PORT_good target 127.0.0.1:$WPORT: connected" \
		"shim logs the connection"
	grep -q 'TLSv1.3, full handshake' "$ELOG" || fail "engine log lacks the first handshake" "$ELOG"
	pass "engine made a full TLS 1.3 handshake"
fi
run py s6 -f "$cg" "$S6_PYTHON" -c "$PAGES"
expect_rc 0 "python3 through socks6+tls exits 0"
[ "$(grep -c "$TOKEN" "$S6_TMP/py.out")" = 3 ] || fail_last "python3: not three pages"
pass "python3 gets three pages"
[ -f "$EDIR/engine.port" ] || fail "no engine was started"
pass "the engine was started on demand"
[ "$(stat -c %a "$EDIR")" = 700 ] && [ "$(stat -c %a "$EDIR/engine.secret")" = 600 ] ||
	fail "engine directory or secret not private"
pass "engine directory 0700, secret 0600"
PID1=$(engine_pid)
run py2 s6 -f "$cg" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "another program connects"
[ "$(engine_pid)" = "$PID1" ] || fail "a second engine was started" "$ELOG"
[ "$(grep -c 'started:' "$ELOG")" = 1 ] || fail "more than one engine start logged" "$ELOG"
pass "the next program reuses the running engine"
grep -q 'TLSv1.3, resumed' "$ELOG" || fail "engine log shows no resumption" "$ELOG"
wait_for_log 'tls=resumed' "$GOOD_LOG" 5 || fail "server saw no resumed session"
pass "TLS session resumed across programs (engine and server agree)"

# ---- 0-RTT: only a Request that spends a token rides in early data
ct=$(tconf tok "$PORT_good" "spend-tokens always")
run early s6 -v -f "$ct" "$S6_PYTHON" -c "$PAGES"
expect_rc 0 "spend-tokens always: pages"
expect_err "token [0-9]+ accepted" "a token was spent and accepted"
wait_for_log 'early data accepted' "$ELOG" 5 || fail "engine sent no early data" "$ELOG"
wait_for_log 'tls=resumed early=[1-9]' "$GOOD_LOG" 5 || fail "server saw no early data"
pass "the token-spending Request went in TLS early data"
n_early=$(grep -c 'tls=resumed early=[1-9]' "$GOOD_LOG")
cn=$(tconf notok "$PORT_good" "spend-tokens never")
run noearly s6 -f "$cn" "$S6_PYTHON" -c "$PAGES"
expect_rc 0 "spend-tokens never: pages"
[ "$(grep -c 'tls=resumed early=[1-9]' "$GOOD_LOG")" = "$n_early" ] ||
	fail "early data without a token" "$GOOD_LOG"
pass "no early data without a token"

# ---- one round trip: optimistic connect, sessions shared by the user's programs
# A program with one connection reuses the session an earlier one opened
# (the per-user store, keyed by scheme, host and port).
run shared s6 -v -f "$cg" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "a one-connection program connects"
expect_err 'socks6: session reused' "it reuses the session an earlier program opened (shared store)"
# The program writes first: its bytes are the Request's initial data, the
# Request spends a token (spend-tokens replayable), and both ride in 0-RTT.
early_pairs() { # LINE: "EARLY IDATA" per connection the server logged after LINE
	tail -n +"$(($1 + 1))" "$GOOD_LOG" | awk '
		$2 == "tls" && $4 == "tls=resumed" { split($5, e, "="); early[$3] = e[2] }
		$2 == "socks6" { for (i = 4; i <= NF; i++) if ($i ~ /^idata=/) { split($i, d, "="); idata[$3] = d[2] } }
		END { for (p in early) if (p in idata) print early[p], idata[p] }'
}
m=$(wc -l <"$GOOD_LOG")
run early2 s6 -v -f "$cg" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "write-first program: connected"
expect_err 'token [0-9]+ spent' "write-first program: its Request spends a token"
for i in $(seq 50); do
	early_pairs "$m" | awk '$2 == 28 && $1 > $2 { ok = 1 } END { exit !ok }' && break
	sleep 0.1
done
early_pairs "$m" | awk '$2 == 28 && $1 > $2 { ok = 1 } END { exit !ok }' ||
	fail "the Request and the program's first bytes were not in TLS early data" "$GOOD_LOG"
pass "the server got the Request with the program's first 28 bytes in TLS early data"

# A server that speaks first, and a port nobody listens on.
bg_start banner "$S6_PYTHON" -c '
import socket, threading
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(16)
print("port", s.getsockname()[1], flush=True)
def serve(c):
    with c:
        c.sendall(b"BANNER hello\n")
        for line in c.makefile("rb"):
            c.sendall(b"echo " + line)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()'
wait_for_log '^port [0-9]+' "$S6_TMP/banner.out" 10 || fail "banner server did not start"
BPORT=$(awk '/^port/ {print $2}' "$S6_TMP/banner.out")
CLOSED=$("$S6_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
READFIRST='import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
f = s.makefile("rb")
print(f.readline().decode().strip())
s.sendall(b"ping\n")
print(f.readline().decode().strip())'
run readfirst s6 -f "$cg" "$S6_PYTHON" -c "$READFIRST" "$BPORT"
expect_rc 0 "read-first program: exits 0"
[ "$(cat "$S6_TMP/readfirst.out")" = "$(printf 'BANNER hello\necho ping')" ] ||
	fail_last "read-first program: not the banner and the echo"
pass "read-first program: the banner first (no reply bytes), then its own exchange"
# connect() returns before the proxy has answered: the refusal is the
# errno of the first read (blocking, read first) or of the read after a
# write (with a timeout: non-blocking connect, poll).
REFUSED='import socket, sys
s = socket.socket()
if sys.argv[2] == "write": s.settimeout(15)
s.connect(("127.0.0.1", int(sys.argv[1])))
print("connect returned", flush=True)
try:
    if sys.argv[2] == "write": s.sendall(b"hello")
    print("read", s.recv(100))
except OSError as e:
    print("errno", e.errno)'
for how in read write; do
	run "refused-$how" s6 -f "$cg" "$S6_PYTHON" -c "$REFUSED" "$CLOSED" "$how"
	[ "$(cat "$S6_TMP/refused-$how.out")" = "$(printf 'connect returned\nerrno 111')" ] ||
		fail_last "target refused ($how first): not an optimistic connect and ECONNREFUSED on read"
	pass "target refused ($how first): connect() returns at once, the read fails with ECONNREFUSED"
done

# Bulk data right behind the reply: much of it leaves as 0.5-RTT data,
# and a record the proxy's socket cannot take yet must not break the end
# of the handshake (a download cut short).
bg_start bulk "$S6_PYTHON" -c '
import socket, threading
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(16)
print("port", s.getsockname()[1], flush=True)
blob = b"x" * (32 << 20)
def serve(c):
    with c:
        c.recv(100)
        c.sendall(blob)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()'
wait_for_log '^port [0-9]+' "$S6_TMP/bulk.out" 10 || fail "bulk server did not start"
BULKPORT=$(awk '/^port/ {print $2}' "$S6_TMP/bulk.out")
BULK='import socket, sys
for i in range(6):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
    s.sendall(b"go\n")
    n = 0
    while True:
        b = s.recv(1 << 20)
        if not b: break
        n += len(b)
    s.close()
    print(n, flush=True)'
run bulk-dl s6 -f "$cg" "$S6_PYTHON" -c "$BULK" "$BULKPORT"
[ "$(sort -u "$S6_TMP/bulk-dl.out")" = $((32 << 20)) ] ||
	fail_last "bulk downloads through 0-RTT connections: not all 32 MiB arrived"
pass "six 32 MiB downloads behind 0-RTT Requests arrive whole"

# Session teardown at exit through the engine (session-store process).
cproc=$(tconf proc "$PORT_good" "session-store process")
t0=$(grep -c 'session=teardown' "$GOOD_LOG")
run proc s6 -v -f "$cproc" "$S6_PYTHON" -c "$PROBE"
expect_err 'socks6: session created' "session-store process: the program opens its own session"
for _ in $(seq 50); do
	[ "$(grep -c 'session=teardown' "$GOOD_LOG")" -gt "$t0" ] && break
	sleep 0.1
done
grep -qE 'NOOP [^ ]+ auth=[^ ]+ user=[^ ]+ session=teardown .*reply=0 ' "$GOOD_LOG" &&
	[ "$(grep -c 'session=teardown' "$GOOD_LOG")" -gt "$t0" ] ||
	fail "session-store process: no teardown at exit" "$GOOD_LOG"
pass "session-store process: the session is torn down at exit, through the engine"

# ---- refusals: ECONNREFUSED and the reason, never a direct connection
refused() { # NAME PORT REASON-REGEX WHAT [EXTRA...]
	local name=$1 port=$2 why=$3 what=$4 c
	shift 4
	c=$(tconf "$name" "$port" "$@")
	# r-NAME: NAME.err is the server's log
	run "r-$name" s6 -f "$c" "$S6_PYTHON" -c "$PROBE"
	expect_out '^errno 111$' "$what: fails with ECONNREFUSED"
	expect_err "socks6ify: proxy socks6\+tls://127.0.0.1:$port target 127.0.0.1:$WPORT: $why" \
		"$what: the program's stderr says why"
	grep -qE "proxy 127.0.0.1:$port: $why" "$ELOG" || fail "$what: engine log lacks the reason" "$ELOG"
	pass "$what: the engine logs why"
}
refused rogue "$PORT_rogue" 'tls: unknown CA' "unknown CA"
refused wrongname "$PORT_wrongname" 'tls: wrong name: the certificate is not for 127.0.0.1' "wrong name"
refused expired "$PORT_expired" 'tls: certificate has expired' "expired certificate"
refused tls12 "$PORT_tls12" 'tls: the proxy does not offer TLS 1.3' "TLS 1.2 only"
refused badpin "$PORT_good" 'tls: the proxy.s public key matches no pin-sha256' "pin mismatch" \
	"pin-sha256 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
cp=$(tconf pin "$PORT_good" "pin-sha256 $(cat "$PKI/server.pin")")
run pin s6 -f "$cp" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "pin-sha256 of the proxy's key: connected"
# Without verification the pin alone decides (a self-signed proxy).
cq=$(conf pinonly "proxy socks6+tls://127.0.0.1:$PORT_rogue" "tls-verify off" \
	"pin-sha256 $(openssl x509 -in "$PKI/rogue.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)")
run pinonly s6 -f "$cq" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "tls-verify off with a matching pin: connected"

# ---- the engine dies: the next program starts a new one
kill -KILL "$PID1"
for i in $(seq 50); do kill -0 "$PID1" 2>/dev/null || break; sleep 0.1; done
[ -f "$EDIR/engine.port" ] || fail "test setup: the killed engine's port file is gone"
run restart s6 -f "$cg" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "after the engine was killed, the next program connects"
PID2=$(engine_pid)
[ -n "$PID2" ] && [ "$PID2" != "$PID1" ] || fail "no new engine after a kill"
pass "a new engine replaced the killed one (stale port file)"
# A port file naming a process that is not an engine (no lock held).
kill -TERM "$PID2"
for i in $(seq 50); do [ -f "$EDIR/engine.port" ] || break; sleep 0.1; done
[ ! -f "$EDIR/engine.port" ] || fail "engine did not remove its port file on TERM"
pass "TERM: the engine removes its port file"
printf 'S6ENG 1 1 1 %s\n' "$$" >"$EDIR/engine.port"
chmod 600 "$EDIR/engine.port"
run stale s6 -f "$cg" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "a stale port file is replaced"

# ---- the engine is killed under a running program
HOLD='import os, socket, sys, time
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port), timeout=15)
print("first:", a.recv(100).decode().strip(), flush=True)
open(sys.argv[2], "w").close()
for _ in range(150):
    if os.path.exists(sys.argv[3]): break
    time.sleep(0.1)
try:
    print("after kill:", "eof" if a.recv(100) == b"" else "data", flush=True)
except OSError as e:
    print("after kill: errno", e.errno, flush=True)
b = socket.create_connection(("127.0.0.1", port), timeout=15)
print("new:", b.recv(100).decode().strip(), flush=True)'
bg_start hold s6 -f "$cg" "$S6_PYTHON" -c "$HOLD" "$BPORT" "$S6_TMP/hold.ready" "$S6_TMP/hold.go"
HOLD_PID=$BG_PID
for i in $(seq 150); do [ -f "$S6_TMP/hold.ready" ] && break; sleep 0.1; done
[ -f "$S6_TMP/hold.ready" ] || fail "the holding program did not connect" "$S6_TMP/hold.out" "$S6_TMP/hold.err"
PID3=$(engine_pid)
kill -KILL "$PID3"
for i in $(seq 50); do kill -0 "$PID3" 2>/dev/null || break; sleep 0.1; done
touch "$S6_TMP/hold.go"
wait "$HOLD_PID"
S6_LAST=hold
grep -qE '^after kill: (eof|errno 104)$' "$S6_TMP/hold.out" ||
	fail_last "engine killed: the open connection did not end with EOF or ECONNRESET"
pass "engine killed: the program's open connection ends cleanly (EOF or ECONNRESET)"
grep -q '^new: BANNER hello$' "$S6_TMP/hold.out" || fail_last "engine killed: the next connect failed"
[ -n "$(engine_pid)" ] && [ "$(engine_pid)" != "$PID3" ] || fail "engine killed: no new engine"
pass "engine killed: the same program's next connect starts a new engine and works"

# ---- another user: its own engine; an engine refuses another's header
NB_RUN=$S6_TMP/run-nobody
mkdir -m 0700 "$NB_RUN"
chown nobody "$NB_RUN"
cnb=$S6_TMP/nobody.conf
cp "$cg" "$cnb"
chown nobody "$cnb"
run nobody setpriv --reuid=nobody --regid=nogroup --clear-groups \
	env XDG_RUNTIME_DIR="$NB_RUN" SOCKS6IFY_ENGINE="$ENGINE" "${s6_wrapped_env[@]}" \
	timeout 30 "$S6_BIN" -f "$cnb" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "user nobody connects through its own engine"
NB_PORT=$(awk '{print $3}' "$NB_RUN/socks6ify/engine.port" 2>/dev/null)
NB_PID=$(awk '{print $5}' "$NB_RUN/socks6ify/engine.port" 2>/dev/null)
[ -n "$NB_PID" ] && [ "$(stat -c %U "/proc/$NB_PID")" = nobody ] && [ "$NB_PID" != "$(engine_pid)" ] ||
	fail "nobody's engine is not its own"
pass "the second user has a separate engine, running as that user"
run wrongsecret "$S6_PYTHON" -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
host = b"127.0.0.1"
hdr = b"S6EH" + bytes([1, 1]) + bytes(32) + struct.pack(">HHBBHB", 1080, 0, len(host), 0, 0, 0) + host
s.sendall(hdr)
print(s.recv(300))' "$NB_PORT"
expect_out "wrong secret" "an engine refuses a header without its user's secret"
grep -q 'wrong secret' "$NB_RUN/socks6ify/engine.log" || fail "nobody's engine did not log the refusal"
pass "the refusal is logged"

# ---- no engine to be had: refused, never direct
cv=$(conf noverify "proxy socks6+tls://127.0.0.1:$PORT_rogue" "tls-verify off")
run noverify s6 -f "$cv" "$S6_PYTHON" -c "$PROBE"
expect_out '^connected$' "tls-verify off: connected"
expect_err 'WARNING: tls-verify off and no pin-sha256' "tls-verify off: a warning on stderr"
stop_engines
for i in $(seq 50); do [ -f "$EDIR/engine.port" ] || break; sleep 0.1; done
run noengine env SOCKS6IFY_ENGINE=/nonexistent/socks6ify-engine "${s6_wrapped_env[@]}" \
	timeout 30 "$S6_BIN" -f "$cg" "$S6_PYTHON" -c "$PROBE"
expect_out '^errno 111$' "engine cannot start: ECONNREFUSED"
expect_err 'engine: cannot start /nonexistent/socks6ify-engine' "engine cannot start: logged"

stop_engines

# ---- tfo-proxy: the engine's TCP to the proxy follows it. In a namespace
# with TCP Fast Open on both sides, with its own runtime directory (so its
# own engine, started inside it): auto and always put the ClientHello in
# the SYN once a cookie is cached (the server logs syn=data), never does not
# (syn=plain), and auto does again afterwards: the cookie was there.
if netns_loopback 2>/dev/null && ip netns exec "$NS_L" sysctl -qw net.ipv4.tcp_fastopen=3; then
	TFO_RUN=$S6_TMP/run-tfo
	mkdir -m 0700 "$TFO_RUN"
	start_server --ns "$NS_L" --name tfosrv -v --socks6-tls 127.0.0.1:0 \
		--cert "$PKI/server.pem" --key "$PKI/server.key"
	bg_start tfoweb --ns "$NS_L" "$S6_PYTHON" -m http.server 0 --bind 127.0.0.1 --directory "$S6_TMP"
	wait_for_log 'Serving HTTP on 127.0.0.1 port [0-9]+' "$S6_TMP/tfoweb.out" 10 ||
		fail "web server in the namespace did not start"
	TWPORT=$(sed -nE 's/.*port ([0-9]+).*/\1/p' "$S6_TMP/tfoweb.out" | head -n 1)
	TPROBE='import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
print("connected" if s.recv(100) else "eof")'
	tfo_run() { # NAME MODE: one connection under tfo-proxy MODE; TFO_SYN: the server's syn= word
		local c n
		c=$(tconf "tfo-$1" "$S6_SERVER_PORT" "tfo-proxy $2")
		n=$(grep -c ' tls=' "$S6_SERVER_LOG")
		run "tfo-$1" ip netns exec "$NS_L" env XDG_RUNTIME_DIR="$TFO_RUN" \
			SOCKS6IFY_ENGINE="$ENGINE" "${s6_wrapped_env[@]}" timeout 30 "$S6_BIN" -f "$c" \
			"$S6_PYTHON" -c "$TPROBE" "$TWPORT"
		expect_out '^connected$' "tfo-proxy $2 ($1): connected"
		for _ in $(seq 50); do
			[ "$(grep -c ' tls=' "$S6_SERVER_LOG")" -gt "$n" ] && break
			sleep 0.1
		done
		TFO_SYN=$(grep ' tls=' "$S6_SERVER_LOG" | tail -n 1 | sed -nE 's/.* syn=([a-z]+) .*/\1/p')
	}
	tfo_run first auto
	[ "$TFO_SYN" = plain ] || fail "tfo-proxy auto: the first SYN (no cookie yet) carried data" "$S6_SERVER_LOG"
	tfo_run auto auto
	[ "$TFO_SYN" = data ] || fail "tfo-proxy auto: the ClientHello did not ride in the SYN" "$S6_SERVER_LOG"
	pass "tfo-proxy auto: the engine's ClientHello rides in the SYN (syn=data)"
	tfo_run never never
	[ "$TFO_SYN" = plain ] || fail "tfo-proxy never: the engine used TCP Fast Open" "$S6_SERVER_LOG"
	grep -q 'no TCP Fast Open (tfo-proxy never)' "$TFO_RUN/socks6ify/engine.log" ||
		fail "tfo-proxy never: not in the engine's log" "$TFO_RUN/socks6ify/engine.log"
	pass "tfo-proxy never: no TCP Fast Open to the proxy (syn=plain, engine log says so)"
	tfo_run always always
	[ "$TFO_SYN" = data ] || fail "tfo-proxy always: no data in the SYN" "$S6_SERVER_LOG"
	tfo_run again auto
	[ "$TFO_SYN" = data ] || fail "tfo-proxy auto after never: no data in the SYN" "$S6_SERVER_LOG"
	pass "tfo-proxy always and auto again: syn=data (the cookie was there all along)"
	kill -TERM "$(awk '{print $5}' "$TFO_RUN/socks6ify/engine.port" 2>/dev/null)" 2>/dev/null
else
	echo "# tfo-proxy part left out: needs network namespaces"
fi
finish

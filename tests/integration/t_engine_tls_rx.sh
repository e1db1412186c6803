#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The engine reading the proxy's TLS records itself (src/engine/eng_rx.c):
# socks6+tls -> s6_tls_front (TLS 1.3, OpenSSL) -> socks6ify-server
# --socks6 -> a python3 target, all on loopback. A 64 MiB download is
# taken over after 256 KiB and arrives intact; KeyUpdates the front asks
# for after the take-over are followed and answered before the engine's
# next write; one before it leaves the connection with OpenSSL; a
# NewSessionTicket mid-stream is skipped; a short exchange never changes
# hands; uploads (OpenSSL's side) arrive intact, also on a connection
# whose reading was taken over; every TLS 1.3 suite; a forged record or
# a fatal alert after (and a forged record before) the take-over ends the
# program's connection short, with nothing after it delivered, no hang,
# and the engine serving on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

require_cmd openssl sha256sum head
ENGINE=$S6_BUILDDIR/src/engine/socks6ify-engine
FRONT=$S6_BUILDDIR/tests/integration/s6_tls_front
require_built "$S6_BIN" "$S6_SERVER_BIN" "$ENGINE" "$FRONT"
[ -x "$S6_PYTHON" ] || skip "needs python3"
EDIR=$XDG_RUNTIME_DIR/socks6ify
ELOG=$EDIR/engine.log
track_log "$ELOG"
PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
chmod 600 "$PKI"/*.key

# What the engine's sanitizers say goes to files of ours (lib.sh).
ASAN_LOG=$S6_TMP/engine-san
SOCKS6IFY_ENGINE=$(engine_wrapped "$ENGINE")
export SOCKS6IFY_ENGINE

BIG=$((64 << 20)) MID=$((16 << 20)) SMALL=$((200 << 10)) UP=$((32 << 20))
mkdir -p "$S6_TMP/www"
head -c "$BIG" /dev/urandom >"$S6_TMP/www/big.bin" || fail "cannot write the 64 MiB file"
head -c "$MID" "$S6_TMP/www/big.bin" >"$S6_TMP/www/mid.bin"
head -c "$SMALL" "$S6_TMP/www/big.bin" >"$S6_TMP/www/small.bin"
sha() { sha256sum "$1" | cut -d' ' -f1; }
SHA_BIG=$(sha "$S6_TMP/www/big.bin")
SHA_MID=$(sha "$S6_TMP/www/mid.bin")
SHA_SMALL=$(sha "$S6_TMP/www/small.bin")

# The target: "GET NAME" sends the file, "ECHO WORD" answers WORD, "PUT N"
# reads N bytes and answers their SHA-256, "BYE" closes; one command after
# another.
cat >"$S6_TMP/target.py" <<'EOF'
import hashlib, os, socketserver, sys
root = sys.argv[1]
class H(socketserver.StreamRequestHandler):
    timeout = 60
    def handle(self):
        try:
            for _ in range(16):
                line = self.rfile.readline(256)
                if not line:
                    return
                cmd, _, arg = line.decode().strip().partition(" ")
                if cmd == "GET":
                    with open(os.path.join(root, os.path.basename(arg)), "rb") as f:
                        self.request.sendfile(f)
                elif cmd == "BYE":
                    return
                elif cmd == "ECHO":
                    self.wfile.write(arg.encode() + b"\n")
                elif cmd == "PUT":
                    n, h = int(arg), hashlib.sha256()
                    while n > 0:
                        b = self.rfile.read1(min(n, 1 << 20))
                        if not b:
                            break
                        h.update(b)
                        n -= len(b)
                    self.wfile.write(b"target sha256=%s left=%d\n" % (h.hexdigest().encode(), n))
        except OSError:
            pass
class S(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
s = S(("127.0.0.1", 0), H)
print("port", s.server_address[1], flush=True)
s.serve_forever()
EOF
# The program: ops in order on one connection, each socket call bounded.
#   get:NAME:SIZE  -> "get bytes=N sha256=H end=full|eof|reset|timeout"
#   echo:WORD      -> "echo WORD"          put:SIZE -> "put bytes=N sha256=H"
#   bye            -> the target closes: "eof extra=N" (bytes before the
#                     end) or "no eof" (none within 5 s)
#                                                      and the target's line
cat >"$S6_TMP/client.py" <<'EOF'
import hashlib, os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
def line():
    b = b""
    while not b.endswith(b"\n") and len(b) < 512:
        c = s.recv(1)
        if not c:
            break
        b += c
    return b.decode().strip()
def get(name, size):
    s.sendall(b"GET %s\n" % name.encode())
    h, got, end = hashlib.sha256(), 0, "full"
    while got < size:
        try:
            b = s.recv(min(1 << 20, size - got))
        except socket.timeout:
            end = "timeout"
            break
        except ConnectionResetError:
            end = "reset"
            break
        if not b:
            end = "eof"
            break
        h.update(b)
        got += len(b)
    print("get bytes=%d sha256=%s end=%s" % (got, h.hexdigest(), end))
    return end == "full"
def put(size):
    s.sendall(b"PUT %d\n" % size)
    h, sent = hashlib.sha256(), 0
    while sent < size:
        b = os.urandom(min(1 << 20, size - sent))
        s.sendall(b)
        h.update(b)
        sent += len(b)
    print("put bytes=%d sha256=%s" % (sent, h.hexdigest()))
    print(line())
    return True
for op in sys.argv[2:]:
    kind, *a = op.split(":")
    if kind == "get" and not get(a[0], int(a[1])):
        break
    if kind == "echo":
        s.sendall(b"ECHO %s\n" % a[0].encode())
        print("echo", line())
    if kind == "put":
        put(int(a[0]))
    if kind == "bye":
        s.sendall(b"BYE\n")
        s.settimeout(5)   # the front waits 20 s before it gives up
        extra = 0
        try:
            while extra < 1 << 20:
                b = s.recv(65536)
                if not b:
                    break
                extra += len(b)
            print("eof extra=%d" % extra)
        except OSError:
            print("no eof")
s.close()
EOF
bg_start target "$S6_PYTHON" "$S6_TMP/target.py" "$S6_TMP/www"
wait_for_log '^port [0-9]+' "$S6_TMP/target.out" 10 || fail "the target did not start"
TPORT=$(awk '/^port/ {print $2}' "$S6_TMP/target.out")
start_server --name server -v --socks6 127.0.0.1:0
SPORT=$S6_SERVER_PORT

# front NAME OPTION...: a TLS front with these options; sets FPORT, FLOG
# and CONF (a socks6+tls configuration through it).
front()
{
	local name=$1
	shift
	bg_start "front-$name" "$FRONT" --cert "$PKI/server.pem" --key "$PKI/server.key" \
		--upstream "127.0.0.1:$SPORT" --timeout 900 "$@"
	FLOG=$S6_TMP/front-$name.out
	wait_for_log '^listening [0-9]+' "$FLOG" 10 || fail "front $name did not start"
	FPORT=$(awk '/^listening/ {print $2}' "$FLOG")
	CONF=$(conf "c-$name" "proxy socks6+tls://127.0.0.1:$FPORT" "ca-file $PKI/ca.pem" \
		"engine-idle 120" "connect-timeout 20")
}

takeovers() { grep -c "reading the proxy's records itself after" "$ELOG" 2>/dev/null || true; }
engine_pid() { awk '{print $5}' "$EDIR/engine.port" 2>/dev/null; }
ENGINE_PID=

# xfer NAME OP...: the program through the last front; sets TAKE (take-over
# lines the run added) and TAKE_AT (the byte count of the last one).
xfer()
{
	local name=$1 before
	shift
	before=$(takeovers)
	run "$name" s6 -f "$CONF" "$S6_PYTHON" "$S6_TMP/client.py" "$TPORT" "$@"
	TAKE=$(($(takeovers) - before))
	TAKE_AT=
	[ "$TAKE" = 0 ] || TAKE_AT=$(sed -nE \
		"s/.*reading the proxy's records itself after ([0-9]+) bytes.*/\1/p" "$ELOG" | tail -n 1)
	if [ -z "$ENGINE_PID" ] && [ -n "$(engine_pid)" ]; then
		ENGINE_PID=$(engine_pid)
		S6_PIDS+=("$ENGINE_PID")   # stopped by the clean-up if we fail
	fi
}

expect_get() # NAME SIZE SHA: the run got SIZE bytes with that digest
{
	expect_rc 0 "$1: the program exits 0"
	expect_out "^get bytes=$2 sha256=$3 end=full\$" "$1: $2 bytes, sha256 equal"
}

expect_take() # NAME N: the run added N take-over lines
{
	[ "$TAKE" = "$2" ] || fail_last "$1: $TAKE take-over lines in the engine log, expected $2"
	if [ "$2" -gt 0 ]; then
		[ "${TAKE_AT:-0}" -ge $((256 << 10)) ] ||
			fail_last "$1: taken over after ${TAKE_AT:-?} bytes, before 256 KiB"
		pass "$1: the engine reads the records itself after $TAKE_AT bytes"
	else
		pass "$1: the engine never took over"
	fi
}

# ---- a 64 MiB download; the engine writes after it (the echo)
front plain
xfer big get:big.bin:$BIG echo:after-big bye
expect_get big "$BIG" "$SHA_BIG"
expect_out '^echo after-big$' "big: the line sent after the download comes back"
expect_out '^eof extra=0$' "big: then the end (the proxy's close_notify), nothing more"
expect_take big 1
! grep -q 'read KeyUpdate' "$FLOG" || fail "the engine sent a KeyUpdate unasked" "$FLOG"
pass "big: no KeyUpdate from the engine unasked (the control for the KeyUpdate cases)"

# ---- short exchanges stay with OpenSSL
xfer small get:small.bin:$SMALL echo:after-small
expect_get small "$SMALL" "$SHA_SMALL"
expect_out '^echo after-small$' "small: the echo comes back"
expect_take small 0

# ---- uploads: OpenSSL writes; alone, and after a taken-over download
check_put() # NAME: the program's and the target's digests agree
{
	local mine theirs
	mine=$(sed -nE 's/^put bytes=[0-9]+ sha256=([0-9a-f]+)$/\1/p' "$S6_TMP/$1.out")
	theirs=$(sed -nE 's/^target sha256=([0-9a-f]+) left=0$/\1/p' "$S6_TMP/$1.out")
	[ -n "$mine" ] && [ "$mine" = "$theirs" ] || fail_last "$1: the upload's digests differ"
	pass "$1: $UP bytes uploaded, sha256 equal at the target"
}
xfer upload put:$UP
expect_rc 0 "upload: the program exits 0"
check_put upload
expect_take upload 0
xfer both get:big.bin:$BIG put:$UP
expect_get both "$BIG" "$SHA_BIG"
check_put both
expect_take both 1
grep 'TLSv1.3 ' "$FLOG" | tail -n 1 | grep -q ' resumed$' ||
	fail "both: the connection was not a resumed one" "$FLOG"
pass "both: a resumed TLS connection is taken over too"

# ---- KeyUpdates after the take-over: followed, and answered
front ku --key-update-at 8388608,33554432
xfer ku get:big.bin:$BIG echo:after-ku bye
expect_get ku "$BIG" "$SHA_BIG"
expect_out '^echo after-ku$' "ku: the line sent after the KeyUpdates comes back"
expect_out '^eof extra=0$' "ku: then the end, nothing more"
expect_take ku 1
for at in 8388608 33554432; do
	grep -q "wrote KeyUpdate(requested=1) sent=$at " "$FLOG" ||
		fail "the front sent no KeyUpdate at $at" "$FLOG"
done
ans=$(sed -nE 's/.*read KeyUpdate\(requested=0\) sent=([0-9]+) .*/\1/p' "$FLOG" | head -n 1)
[ -n "$ans" ] || fail "ku: the engine never answered the front's KeyUpdate" "$FLOG"
[ "$ans" -ge 33554432 ] || fail "ku: the answer came before the front asked" "$FLOG"
pass "ku: two KeyUpdates followed; the engine's own KeyUpdate reached the front (after $ans bytes)"
! grep -qE 'tls relay: (a bad|alert|the proxy closed)' "$ELOG" || fail "ku: the engine complained" "$ELOG"
pass "ku: no complaint in the engine's log"

# ---- a KeyUpdate before the take-over: OpenSSL's, and the count is lost
front kuearly --key-update-at 65536
xfer kuearly get:big.bin:$BIG echo:after-kuearly
expect_get kuearly "$BIG" "$SHA_BIG"
expect_out '^echo after-kuearly$' "kuearly: the echo comes back"
expect_take kuearly 0
grep -q 'wrote KeyUpdate(requested=1) sent=65536 ' "$FLOG" || fail "no KeyUpdate at 64 KiB" "$FLOG"
grep -q 'read KeyUpdate(requested=0)' "$FLOG" || fail "OpenSSL did not answer the KeyUpdate" "$FLOG"
pass "kuearly: the KeyUpdate at 64 KiB was OpenSSL's to answer"
! grep -q 'hand-over did not check out' "$ELOG" ||
	fail "kuearly: the engine tried a hand-over the tracker should have ruled out" "$ELOG"
pass "kuearly: no hand-over tried (the tracker knew the count was lost)"

# ---- the first record the engine opens itself is a KeyUpdate, or a
# ticket: the front pauses after 256 KiB, so the engine has read all
# before it through OpenSSL and hands over right there
# first NAME OPTION...: such a download; taken over after exactly 256 KiB
first()
{
	local name=$1
	shift
	front "$name" --pause-at 262144 "$@"
	xfer "$name" get:big.bin:$BIG "echo:after-$name"
	expect_get "$name" "$BIG" "$SHA_BIG"
	expect_out "^echo after-$name\$" "$name: the echo comes back"
	expect_take "$name" 1
	[ "$TAKE_AT" = 262144 ] || fail_last "$name: taken over after $TAKE_AT bytes, not at the pause"
	grep -q 'paused sent=262144$' "$FLOG" || fail "$name: the front did not pause" "$FLOG"
}
first kufirst --key-update-at 262144
grep -q 'wrote KeyUpdate(requested=1) sent=262144 ' "$FLOG" || fail "no KeyUpdate at 256 KiB" "$FLOG"
grep -q 'read KeyUpdate(requested=0)' "$FLOG" || fail "kufirst: the engine did not answer" "$FLOG"
pass "kufirst: the first record the engine opened was a KeyUpdate: followed and answered"
first ticketfirst --ticket-at 262144
grep -q 'wrote NewSessionTicket sent=262144$' "$FLOG" || fail "no ticket at 256 KiB" "$FLOG"
pass "ticketfirst: the first record the engine opened was a NewSessionTicket: skipped"

# ---- a NewSessionTicket mid-stream is skipped
front ticket --ticket-at 4194304
xfer ticket get:big.bin:$BIG echo:after-ticket
expect_get ticket "$BIG" "$SHA_BIG"
expect_take ticket 1
grep -q 'wrote NewSessionTicket sent=4194304$' "$FLOG" || fail "no ticket at 4 MiB" "$FLOG"
pass "ticket: the NewSessionTicket at 4 MiB went by"

# ---- the other suites
for suite in TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	front "$suite" --suite "$suite"
	xfer "$suite" get:mid.bin:$MID echo:after
	expect_get "$suite" "$MID" "$SHA_MID"
	grep -q "TLSv1.3 $suite" "$FLOG" || fail "$suite was not the suite" "$FLOG"
	expect_take "$suite" 1
done

# ---- forged records and a fatal alert: the connection is reset short, with
# nothing after them delivered, at once, and the engine serves on
# ends_short NAME AT TAKE OPTION...: the front does OPTION... after AT bytes
ends_short()
{
	local name=$1 at=$2 take=$3 got digest t0 t1
	shift 3
	front "$name" "$@"
	t0=$(date +%s)
	xfer "$name" get:big.bin:$BIG echo:never
	t1=$(date +%s)
	# A reset, not an end of stream: a program that reads to the end
	# must not take a cut stream for a whole one.
	grep -qE '^get bytes=[0-9]+ sha256=[0-9a-f]+ end=reset$' "$S6_TMP/$name.out" ||
		fail_last "$name: the program did not see the connection reset"
	got=$(sed -nE 's/^get bytes=([0-9]+) .*/\1/p' "$S6_TMP/$name.out")
	digest=$(sed -nE 's/^get bytes=[0-9]+ sha256=([0-9a-f]+) .*/\1/p' "$S6_TMP/$name.out")
	[ "$got" -le "$at" ] || fail_last "$name: $got bytes delivered, more than the $at before the cut"
	[ "$(head -c "$got" "$S6_TMP/www/big.bin" | sha256sum | cut -d' ' -f1)" = "$digest" ] ||
		fail_last "$name: what arrived is not the file's start"
	[ $((t1 - t0)) -lt 15 ] || fail_last "$name: the end took $((t1 - t0)) s"
	pass "$name: the program's connection was reset after $got of $BIG bytes, all of them right, in $((t1 - t0)) s"
	expect_take "$name" "$take"
	wait_for_log "conn [0-9]+: end .*client=closed" "$FLOG" 10 ||
		fail "$name: the engine did not close its connection to the front" "$FLOG"
	pass "$name: the engine closed its connection to the front"
}
nbad=$(grep -c 'tls relay: a bad record from the proxy' "$ELOG")
ends_short forged-tag 8388608 1 --corrupt-at 8388608 --corrupt-kind tag
ends_short forged-header 8388608 1 --corrupt-at 8388608 --corrupt-kind header
[ "$(grep -c 'tls relay: a bad record from the proxy' "$ELOG")" = $((nbad + 2)) ] ||
	fail "the engine did not log the two bad records" "$ELOG"
pass "the engine logged both bad records"
ends_short alert 8388608 1 --alert-at 8388608
grep -q 'alert 40 sent=8388608 record=[0-9]*: written' "$FLOG" || fail "alert: not sent" "$FLOG"
grep -q 'tls relay: alert 40 from the proxy' "$ELOG" || fail "alert: not in the engine's log" "$ELOG"
pass "alert: the engine logged the proxy's fatal alert"
ends_short forged-early 65536 0 --corrupt-at 65536

# ---- the engine serves on
front after
xfer after get:small.bin:$SMALL echo:after
expect_get after "$SMALL" "$SHA_SMALL"
[ "$(engine_pid)" = "$ENGINE_PID" ] || fail "the engine was restarted" "$ELOG"
pass "the same engine serves the next program"

! grep -q 'hand-over did not check out' "$ELOG" || fail "a hand-over did not check out" "$ELOG"
pass "every hand-over checked out at the first try"

# ---- the engine's exit: what the sanitizers said
kill -TERM "$ENGINE_PID" 2>/dev/null
for _ in $(seq 100); do
	kill -0 "$ENGINE_PID" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$ENGINE_PID" 2>/dev/null || fail "the engine did not exit on SIGTERM" "$ELOG"
for f in "$ASAN_LOG".*; do
	[ -s "$f" ] && fail "sanitizer report from the engine" "$f"
done
pass "the engine exited; no sanitizer report from it"
finish

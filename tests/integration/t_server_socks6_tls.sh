#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server --socks6-tls on loopback: SOCKS6 inside TLS 1.3 from
# python3's ssl (CONNECT with initial data, resumption with a ticket) and
# from openssl s_client (0-RTT: a NOOP and a CONNECT sent as early data);
# start-up errors (no --cert, missing file, key readable by others, key of
# another certificate); refused handshakes (plaintext SOCKS6, garbage, a
# broken ClientHello, a reset in the middle, a silent client) each end
# with one log line and a close, and leave no descriptor behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

require_built "$S6_SERVER_BIN"
require_cmd timeout openssl
[ -x "$S6_PYTHON" ] || skip "needs python3"

PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
chmod 600 "$PKI/server.key"

# ---- start-up errors
run nocert timeout 10 "$S6_SERVER_BIN" --socks6-tls 127.0.0.1:0
expect_rc 2 "--socks6-tls without --cert/--key: exit 2"
expect_err 'needs --cert FILE and --key FILE' "--socks6-tls without files: reason"
run missing timeout 10 "$S6_SERVER_BIN" --socks6-tls 127.0.0.1:0 \
	--cert "$S6_TMP/none.pem" --key "$PKI/server.key"
expect_rc 1 "missing certificate: exit 1"
expect_err "cannot set up TLS: --cert $S6_TMP/none.pem: No such file or directory" \
	"missing certificate: reason"
cp "$PKI/server.key" "$S6_TMP/open.key"
chmod 640 "$S6_TMP/open.key"
run keymode timeout 10 "$S6_SERVER_BIN" --socks6-tls 127.0.0.1:0 \
	--cert "$PKI/server.pem" --key "$S6_TMP/open.key"
expect_rc 1 "key readable by group: exit 1"
expect_err 'private key accessible by group or others \(mode 640; chmod 600\)' \
	"key readable by group: reason"
run keyfit timeout 10 "$S6_SERVER_BIN" --socks6-tls 127.0.0.1:0 \
	--cert "$PKI/server.pem" --key "$PKI/wrongname.key"
expect_rc 1 "key of another certificate: exit 1"
expect_err 'does not fit --cert' "key of another certificate: reason"

# ---- a server and an echo target
start_server --socks6-tls 127.0.0.1:0 --cert "$PKI/server.pem" --key "$PKI/server.key" \
	--handshake-timeout 2
P=$S6_SERVER_PORT
LOG=$S6_SERVER_LOG
grep -q "listening socks6-tls 127.0.0.1:$P" "$LOG" || fail "no socks6-tls listening line"
pass "listening socks6-tls 127.0.0.1:$P"

cat >"$S6_TMP/echo.py" <<'PY'
import socket, sys, threading
ls = socket.socket(); ls.bind(('127.0.0.1', 0)); ls.listen(16)
print(ls.getsockname()[1], flush=True)
def serve(c):
    with c:
        d = c.recv(65536)
        if d.startswith(b'BULK'):   # echo everything until EOF
            while d:
                c.sendall(d)
                d = c.recv(65536)
        elif d:
            c.sendall(b'echo:' + d)
while True:
    threading.Thread(target=serve, args=(ls.accept()[0],), daemon=True).start()
PY
bg_start echo "$S6_PYTHON" "$S6_TMP/echo.py"
for _ in $(seq 50); do [ -s "$S6_TMP/echo.out" ] && break; sleep 0.1; done
TP=$(head -n 1 "$S6_TMP/echo.out")
[ -n "$TP" ] || fail "echo target did not start"

cat >"$S6_TMP/tlsc.py" <<'PY'
import socket, ssl, struct, sys, time
P, CA, TP, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]

def recvn(s, n):
    b = b''
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            raise EOFError('closed after %r' % b)
        b += x
    return b

def connect_req(idata):
    opts = struct.pack('>HHH', 2, 8, len(idata)) + b'\0\0'   # no auth, initial data
    return (struct.pack('>BBHHBB', 6, 1, len(opts), TP, 0, 1) +
            socket.inet_aton('127.0.0.1') + opts + idata)

def tls_connect(ctx, sess=None):
    raw = socket.create_connection(('127.0.0.1', P), timeout=5)
    return ctx.wrap_socket(raw, server_hostname='localhost', session=sess)

def replies(s):
    h = recvn(s, 4); recvn(s, struct.unpack('>H', h[2:4])[0])
    h = recvn(s, 8); recvn(s, 4 + struct.unpack('>H', h[2:4])[0])
    return h[1]

def client_hello():
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ssl.create_default_context().wrap_bio(inc, out, server_hostname='localhost')
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()

def refused(payload, rst=False, wait=5):
    s = socket.create_connection(('127.0.0.1', P), timeout=wait)
    port = s.getsockname()[1]
    s.sendall(payload)
    if rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
        print(port, 'reset')
        return
    t0 = time.monotonic()
    try:
        got = b''
        while True:
            x = s.recv(4096)
            if not x:
                break
            got += x
        what = 'eof' if not got else 'alert+eof' if got[:1] == b'\x15' else 'data'
    except ConnectionResetError:
        what = 'reset'
    except socket.timeout:
        what = 'timeout'
    print(port, what, '%.1f' % (time.monotonic() - t0))
    s.close()

if mode == 'connect':
    ctx = ssl.create_default_context(cafile=CA)
    sess = None
    for i in range(2):
        s = tls_connect(ctx, sess)
        s.sendall(connect_req(b'hello%d' % i))
        code = replies(s)
        data = recvn(s, 11)
        print(s.getsockname()[1], 'reply', code, data.decode(), 'reused', s.session_reused,
              s.version())
        sess = s.session
        s.close()
elif mode == 'bulk':
    # 4 MiB through the bounded buffers, 64 KiB at a time, compared
    ctx = ssl.create_default_context(cafile=CA)
    s = tls_connect(ctx)
    s.sendall(connect_req(b'BULK'))
    code = replies(s)
    ok = recvn(s, 4) == b'BULK'
    for i in range(64):
        chunk = bytes([i]) * 65536
        s.sendall(chunk)
        ok = ok and recvn(s, len(chunk)) == chunk
    print('reply', code, 'bulk', 'ok' if ok else 'corrupt')
    s.close()
elif mode == 'tfo':
    # Two handshakes whose ClientHello goes with sendto(MSG_FASTOPEN): the
    # first fetches a cookie, the second puts the ClientHello in the SYN.
    ctx = ssl.create_default_context(cafile=CA)
    for i in range(2):
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        o = ctx.wrap_bio(inc, out, server_hostname='localhost')
        s = socket.socket()   # blocking: sendto(MSG_FASTOPEN) connects
        sent = False
        while True:
            try:
                o.do_handshake()
                break
            except ssl.SSLWantReadError:
                d = out.read()
                if not sent:
                    s.sendto(d, socket.MSG_FASTOPEN, ('127.0.0.1', P))
                    s.settimeout(5)
                    sent = True
                elif d:
                    s.sendall(d)
                x = s.recv(65536)
                if not x:
                    raise EOFError('closed in the handshake')
                inc.write(x)
        o.write(struct.pack('>BBHHBB', 6, 0, 0, 0, 0, 1) + bytes(4))   # NOOP
        s.sendall(out.read())
        got = b''
        while len(got) < 16:
            try:
                got += o.read(16 - len(got))
            except ssl.SSLWantReadError:
                x = s.recv(65536)
                if not x:
                    raise EOFError('closed after %r' % got)
                inc.write(x)
        print(s.getsockname()[1], 'noop', got[5])
        s.close()
elif mode == 'files':
    open(sys.argv[5] + '/noop.bin', 'wb').write(
        struct.pack('>BBHHBB', 6, 0, 0, 0, 0, 1) + bytes(4))
    open(sys.argv[5] + '/connect.bin', 'wb').write(connect_req(b'zero-rtt'))
elif mode == 'plain':
    refused(struct.pack('>BBHHBB', 6, 1, 0, TP, 0, 1) + socket.inet_aton('127.0.0.1'))
elif mode == 'garbage':
    refused(b'GET / HTTP/1.0\r\n\r\n')
elif mode == 'badhello':
    refused(b'\x16\x03\x01\x00\x10\x01\x00\x00\x0c' + b'\x01' * 12)
elif mode == 'reset':
    refused(client_hello()[:60], rst=True)
elif mode == 'slow':
    refused(b'\x16\x03', wait=10)
elif mode == 'half':
    refused(client_hello()[:60], wait=10)
PY

tlsc()
{
	timeout 30 "$S6_PYTHON" "$S6_TMP/tlsc.py" "$P" "$PKI/ca.pem" "$TP" "$@"
}

# ---- CONNECT through TLS, then resumption
run connect tlsc connect
expect_rc 0 "two CONNECTs through TLS"
read -r C1 _ R1 D1 _ U1 V1 < <(sed -n 1p "$S6_TMP/connect.out")
read -r C2 _ R2 D2 _ U2 _ < <(sed -n 2p "$S6_TMP/connect.out")
[ "$R1/$D1/$V1" = "0/echo:hello0/TLSv1.3" ] || fail_last "first CONNECT: $R1 $D1 $V1"
pass "CONNECT inside TLS 1.3: initial data reached the target, its answer came back"
[ "$U1/$R2/$D2/$U2" = "False/0/echo:hello1/True" ] || fail_last "second CONNECT: $U1 $R2 $D2 $U2"
pass "second connection resumed the session (client side)"
wait_for_log "socks6 127.0.0.1:$C2 CONNECT" "$LOG" 5 || fail "no SOCKS6 line for $C2"
grep -qE "^socks6ify-server: tls 127.0.0.1:$C1 tls=full early=0 syn=(plain|data) version=TLSv1.3 cipher=TLS_[A-Z0-9_]+$" "$LOG" ||
	fail "tls line of the full handshake" "$LOG"
pass "server logged tls=full early=0 for the first connection"
grep -qE "^socks6ify-server: tls 127.0.0.1:$C2 tls=resumed early=0 " "$LOG" ||
	fail "tls line of the resumed handshake" "$LOG"
pass "server logged tls=resumed for the second connection"
grep -qE "socks6 127.0.0.1:$C1 CONNECT 127.0.0.1:$TP auth=none .* idata=6 .*reply=0 " "$LOG" ||
	fail "SOCKS6 line with the client's real address" "$LOG"
pass "SOCKS6 line names the client's real address and port"

# ---- bulk transfer through the bounded buffers
run bulk tlsc bulk
expect_rc 0 "bulk transfer ran"
expect_out 'reply 0 bulk ok' "4 MiB each way through TLS, unchanged"

# ---- 0-RTT with openssl s_client (python cannot send early data)
tlsc files "$S6_TMP" || fail "cannot write the request files"
S_CLIENT=(timeout 10 openssl s_client -connect "127.0.0.1:$P" -CAfile "$PKI/ca.pem"
	-servername localhost -ign_eof)
"${S_CLIENT[@]}" -sess_out "$S6_TMP/sess.pem" <"$S6_TMP/noop.bin" >"$S6_TMP/ticket.out" 2>&1
[ -s "$S6_TMP/sess.pem" ] || fail "s_client got no session ticket" "$S6_TMP/ticket.out"
grep -q 'Max Early Data: 16384' "$S6_TMP/ticket.out" || fail "ticket allows no early data" "$S6_TMP/ticket.out"
pass "ticket received, announcing 16384 bytes of early data"

"${S_CLIENT[@]}" -sess_in "$S6_TMP/sess.pem" -early_data "$S6_TMP/noop.bin" </dev/null \
	>"$S6_TMP/early1.out" 2>&1
grep -q 'Early data was accepted' "$S6_TMP/early1.out" || fail "NOOP: early data not accepted" "$S6_TMP/early1.out"
grep -q '^Reused, TLSv1.3' "$S6_TMP/early1.out" || fail "NOOP: not resumed" "$S6_TMP/early1.out"
pass "s_client: resumed, early data accepted"
wait_for_log "tls 127.0.0.1:[0-9]+ tls=resumed early=12 " "$LOG" 5 ||
	fail "no tls=resumed early=12 line" "$LOG"
EC=$(sed -nE 's/.*tls 127.0.0.1:([0-9]+) tls=resumed early=12 .*/\1/p' "$LOG" | tail -n 1)
grep -qE "socks6 127.0.0.1:$EC NOOP .*reply=0 " "$LOG" || fail "NOOP in early data not served" "$LOG"
pass "server logged tls=resumed early=12 and served the NOOP it carried"

"${S_CLIENT[@]}" -sess_in "$S6_TMP/sess.pem" -early_data "$S6_TMP/connect.bin" </dev/null \
	>"$S6_TMP/early2.out" 2>&1
grep -q 'Early data was accepted' "$S6_TMP/early2.out" || fail "CONNECT: early data not accepted" "$S6_TMP/early2.out"
grep -aq 'echo:zero-rtt' "$S6_TMP/early2.out" || fail "CONNECT in early data: no answer" "$S6_TMP/early2.out"
N=$(stat -c %s "$S6_TMP/connect.bin")
wait_for_log "tls 127.0.0.1:[0-9]+ tls=resumed early=$N " "$LOG" 5 || fail "no early=$N line" "$LOG"
pass "CONNECT with initial data as 0-RTT data: target answered, early=$N logged"

# ---- refused handshakes: one line each, a close, nothing left behind
fds() { ls "/proc/$S6_SERVER_PID/fd" | wc -l; }
FD0=$(fds)
refusal()
{
	local mode=$1 want=$2 reason=$3 port what n
	run "r_$mode" tlsc "$mode"
	[ "$RC" = 0 ] || fail_last "$mode: client failed"
	read -r port what _ <"$S6_TMP/r_$mode.out"
	case " $want " in *" $what "*) ;; *) fail_last "$mode: client saw '$what', expected $want" ;; esac
	wait_for_log "tls 127.0.0.1:$port handshake failed: " "$LOG" 5 || fail "$mode: no log line" "$LOG"
	sleep 0.2
	n=$(grep -c "tls 127.0.0.1:$port " "$LOG")
	[ "$n" = 1 ] || fail "$mode: $n log lines for the connection" "$LOG"
	grep -qE "tls 127.0.0.1:$port handshake failed: $reason; closed$" "$LOG" ||
		fail "$mode: reason is not /$reason/" "$LOG"
	pass "$mode: closed ($what), one line: $(grep -o "handshake failed: .*" <<<"$(grep "tls 127.0.0.1:$port " "$LOG")")"
}
refusal plain "eof" "plaintext SOCKS6 on the TLS listener"
refusal garbage "eof" "not a TLS handshake \(first byte 0x47\)"
refusal badhello "alert+eof eof" "[a-z ]+"
refusal reset "reset" "(Connection reset by peer|closed by the client)"
refusal slow "eof" "timeout \(--handshake-timeout\)"
refusal half "eof alert+eof" "timeout \(--handshake-timeout\)"

# A burst of each kind at once, then the descriptor count is back.
burst=()
for i in 1 2 3 4; do
	for m in plain garbage badhello reset connect; do
		tlsc "$m" >/dev/null 2>&1 &
		burst+=($!)
	done
done
wait "${burst[@]}"   # not a bare wait: the server and the target are children too
for _ in $(seq 50); do [ "$(fds)" = "$FD0" ] && break; sleep 0.1; done
[ "$(fds)" = "$FD0" ] || fail "descriptors: $FD0 before, $(fds) after" "$LOG"
pass "descriptor count back to $FD0 after 20 refused and 8 served connections"
kill -0 "$S6_SERVER_PID" || fail "server died"
pass "server still running"

# ---- the front relays a CONNECT to its target itself (debug log: the
# hand-over), with large transfers checked by SHA-256 and half-closes each
# way; BIND keeps the SOCKS6 connection's relay; the idle timeout
start_server --name direct -v --idle-timeout 1 --socks6-tls 127.0.0.1:0 \
	--cert "$PKI/server.pem" --key "$PKI/server.key"
DP=$S6_SERVER_PORT
DLOG=$S6_SERVER_LOG
cat >"$S6_TMP/xfer.py" <<'PY'
# Target: one command line per connection.
#   UP         read to EOF, answer "SHA256 SIZE", close
#   DOWN N S   read to EOF (nothing more may come), send N bytes of seed S, close
#   BYE        send "bye", shut the write side, read to EOF, print the hash
import hashlib, random, socket, sys, threading
ls = socket.socket(); ls.bind(('127.0.0.1', 0)); ls.listen(16)
print(ls.getsockname()[1], flush=True)
def rest(c, d):
    h, n = hashlib.sha256(d), len(d)
    while True:
        x = c.recv(262144)
        if not x:
            return h.hexdigest(), n
        h.update(x); n += len(x)
def serve(c):
    with c:
        d = b''
        while b'\n' not in d:
            x = c.recv(65536)
            if not x:
                return
            d += x
        cmd, d = d.split(b'\n', 1)
        w = cmd.split()
        if w[0] == b'UP':
            h, n = rest(c, d)
            c.sendall(b'%s %d\n' % (h.encode(), n))
        elif w[0] == b'DOWN':
            extra = rest(c, d)[1]
            c.sendall(random.Random(int(w[2])).randbytes(int(w[1])) if extra == 0
                      else b'ERR %d bytes after DOWN' % extra)
        elif w[0] == b'BYE':
            c.sendall(b'bye'); c.shutdown(socket.SHUT_WR)
            print('bye %s %d' % rest(c, d), flush=True)
while True:
    threading.Thread(target=serve, args=(ls.accept()[0],), daemon=True).start()
PY
bg_start xfer "$S6_PYTHON" "$S6_TMP/xfer.py"
for _ in $(seq 50); do [ -s "$S6_TMP/xfer.out" ] && break; sleep 0.1; done
XP=$(head -n 1 "$S6_TMP/xfer.out")
[ -n "$XP" ] || fail "transfer target did not start"

cat >"$S6_TMP/direct.py" <<'PY'
import hashlib, random, socket, ssl, struct, sys, time
P, CA, TP, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
MIB = 1 << 20

class Tls:
    """TLS over a memory BIO: close_notify without closing the read side."""
    def __init__(self):
        ctx = ssl.create_default_context(cafile=CA)
        self.s = socket.create_connection(('127.0.0.1', P), timeout=20)
        self.i, self.o = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.t = ctx.wrap_bio(self.i, self.o, server_hostname='localhost')
        while True:
            try:
                self.t.do_handshake(); break
            except ssl.SSLWantReadError:
                self.flush(); self.fill()
        self.flush()
        self.buf = b''
    def flush(self):
        d = self.o.read()
        if d:
            self.s.sendall(d)
    def fill(self):
        x = self.s.recv(262144)
        if x:
            self.i.write(x)
        else:
            self.i.write_eof()
        return x
    def send(self, data):
        for off in range(0, len(data), 65536):
            self.t.write(data[off:off + 65536]); self.flush()
    def read(self):
        """Bytes, or b'' at the close_notify; EOFError at a bare FIN."""
        while True:
            try:
                return self.t.read(262144)
            except ssl.SSLZeroReturnError:
                return b''
            except ssl.SSLWantReadError:
                self.flush()
                if not self.fill():
                    raise EOFError('FIN without close_notify')
    def recvn(self, n):
        while len(self.buf) < n:
            x = self.read()
            if not x:
                raise EOFError('closed after %r' % self.buf)
            self.buf += x
        d, self.buf = self.buf[:n], self.buf[n:]
        return d
    def rest(self):
        h, n, d = hashlib.sha256(self.buf), len(self.buf), self.read()
        while d:
            h.update(d); n += len(d); d = self.read()
        self.buf = b''
        return h.hexdigest(), n
    def all(self):
        d, x = self.buf, self.read()
        while x:
            d += x; x = self.read()
        self.buf = b''
        return d
    def close_write(self):
        try:
            self.t.unwrap()
        except ssl.SSLWantReadError:
            pass
        self.flush()
        self.s.shutdown(socket.SHUT_WR)
    def replies(self):
        h = self.recvn(4); self.recvn(struct.unpack('>H', h[2:4])[0])
        return self.op()
    def op(self):
        h = self.recvn(8)
        o = self.recvn(4 + struct.unpack('>H', h[2:4])[0])
        return h[1], struct.unpack('>H', h[4:6])[0]

def request(cmd, port, idata=b''):
    opts = struct.pack('>HHH', 2, 8, len(idata)) + b'\0\0'
    return (struct.pack('>BBHHBB', 6, cmd, len(opts), port, 0, 1) +
            socket.inet_aton('127.0.0.1') + opts + idata)

def data(n, seed):
    return random.Random(seed).randbytes(n)

t = Tls()
port = t.s.getsockname()[1]
if mode == 'up':
    # The first MiB goes out behind the request, before the replies: it
    # is in the SOCKS6 connection's buffers when the front takes over.
    up = data(24 * MIB, 1)
    t.send(request(1, TP, b'UP\n') + up[:MIB])
    code, _ = t.replies()
    t.send(up[MIB:])
    t.close_write()
    ans = t.all()
    want = b'%s %d\n' % (hashlib.sha256(up).hexdigest().encode(), len(up))
    print(port, 'up', code, 'ok' if ans == want else 'bad')
elif mode == 'down':
    # The client's half-close goes first; the target sends after its EOF.
    t.send(request(1, TP, b'DOWN %d 2\n' % (24 * MIB)))
    t.close_write()
    code, _ = t.replies()
    h, n = t.rest()
    print(port, 'down', code, 'ok' if (h, n) == (hashlib.sha256(data(24 * MIB, 2)).hexdigest(),
                                             24 * MIB) else 'bad %d' % n)
elif mode == 'bye':
    # The target's half-close first: the client keeps sending after it.
    t.send(request(1, TP, b'BYE\n'))
    code, _ = t.replies()
    got = t.rest()
    up = data(8 * MIB, 3)
    t.send(up)
    t.close_write()
    print(port, 'bye', code, 'ok' if got == (hashlib.sha256(b'bye').hexdigest(), 3)
          else 'bad', hashlib.sha256(up).hexdigest())
elif mode == 'idle':
    t.send(request(1, TP, b'UP\n'))
    code, _ = t.replies()
    t0 = time.monotonic()
    ans = t.rest()
    print(port, 'idle', code, ans[1], '%.1f' % (time.monotonic() - t0))
elif mode == 'bind':
    t.send(request(2, 0))
    code, bport = t.replies()
    peer = socket.create_connection(('127.0.0.1', bport), timeout=10)
    peer.sendall(b'from-peer')
    code2, _ = t.op()
    t.send(b'from-client')
    got = t.recvn(9)
    mine = b''
    while len(mine) < 11:
        mine += peer.recv(11 - len(mine))
    peer.close()
    rest = t.rest()
    print(port, 'bind', code, code2, got.decode(), mine.decode(), rest[1])
PY
direct() { timeout 60 "$S6_PYTHON" "$S6_TMP/direct.py" "$DP" "$PKI/ca.pem" "$@"; }
handed_over()
{
	wait_for_log "127.0.0.1:$1: closed: [0-9]+ bytes" "$DLOG" 5 &&
		grep -q "127.0.0.1:$1: relayed by its front" "$DLOG"
}

run d_up direct "$XP" up
expect_rc 0 "upload through TLS ran"
read -r DC _ code res <"$S6_TMP/d_up.out"
[ "$code/$res" = "0/ok" ] || fail_last "upload: reply $code, target's hash $res"
pass "24 MiB upload (1 MiB of it before the reply) arrived intact (SHA-256), then close_notify: the target's answer came back after the client's half-close"
handed_over "$DC" || fail "upload: the front did not relay it itself" "$DLOG"
pass "upload: the SOCKS6 connection handed its target to the TLS front"

run d_down direct "$XP" down
expect_rc 0 "download through TLS ran"
read -r DC _ code res <"$S6_TMP/d_down.out"
[ "$code/$res" = "0/ok" ] || fail_last "download: reply $code, $res"
pass "24 MiB download arrived intact (SHA-256) after the client's half-close, ended by a close_notify"
handed_over "$DC" || fail "download: not relayed by the front" "$DLOG"
# The records towards the client are the front's own (srv_tls_seal.c):
# the SHA-256 above proves them, this line that they were.
grep -qE "tls 127.0.0.1:$DC: sealing from record [0-9]+$" "$DLOG" ||
	fail "download: the front did not seal the records itself" "$DLOG"
wait_for_log "tls 127.0.0.1:$DC: sealed [0-9]+ records, dropped 0 bytes OpenSSL wrote" "$DLOG" 5 ||
	fail "download: no count of sealed records, or OpenSSL wrote after the take-over" "$DLOG"
n=$(sed -nE "s/.*tls 127.0.0.1:$DC: sealed ([0-9]+) records.*/\1/p" "$DLOG")
[ "$n" -ge $((24 * 1024 / 16)) ] || fail "download: only $n records sealed by the front" "$DLOG"
pass "download: the front sealed its $n records itself (no OpenSSL write after the take-over)"

run d_bye direct "$XP" bye
expect_rc 0 "target half-close through TLS ran"
read -r DC _ code res hash <"$S6_TMP/d_bye.out"
[ "$code/$res" = "0/ok" ] || fail_last "target half-close: reply $code, $res"
for _ in $(seq 50); do grep -q "^bye $hash " "$S6_TMP/xfer.out" && break; sleep 0.1; done
grep -q "^bye $hash $((8 * 1024 * 1024))$" "$S6_TMP/xfer.out" ||
	fail "target half-close: the target did not get the 8 MiB intact" "$S6_TMP/xfer.out"
pass "the target's half-close reached the client (close_notify), 8 MiB sent afterwards arrived intact"
handed_over "$DC" || fail "target half-close: not relayed by the front" "$DLOG"
grep -qE "socks6 127.0.0.1:$DC CONNECT 127.0.0.1:$XP .*reply=0 " "$DLOG" ||
	fail "no SOCKS6 line for the relayed CONNECT" "$DLOG"
grep -qE "tls 127.0.0.1:$DC tls=full early=0 " "$DLOG" || fail "no tls line for it" "$DLOG"
pass "SOCKS6 and tls lines unchanged for a relayed CONNECT"

run d_bind direct 0 bind
expect_rc 0 "BIND through TLS ran"
read -r DC _ code code2 got mine n <"$S6_TMP/d_bind.out"
[ "$code/$code2/$got/$mine" = "0/0/from-peer/from-client" ] ||
	fail_last "BIND: $code $code2 $got $mine"
pass "BIND through TLS: both replies, data both ways"
wait_for_log "socks6 127.0.0.1:$DC BIND .*reply=0 " "$DLOG" 5 || fail "BIND not logged" "$DLOG"
! grep -q "127.0.0.1:$DC: relayed by its front" "$DLOG" ||
	fail "BIND was handed to the front" "$DLOG"
pass "BIND keeps the SOCKS6 connection's relay"

run d_idle direct "$XP" idle
expect_rc 0 "idle CONNECT through TLS ran"
read -r DC _ code n secs <"$S6_TMP/d_idle.out"
[ "$code/$n" = "0/0" ] || fail_last "idle: reply $code, $n bytes"
wait_for_log "127.0.0.1:$DC: closed: idle timeout" "$DLOG" 5 || fail "no idle timeout line" "$DLOG"
handed_over "$DC" || fail "idle: not relayed by the front" "$DLOG"
pass "idle timeout of a relayed CONNECT: logged, the client got a close_notify after ${secs} s"

# ---- TCP Fast Open on the TLS listener (a namespace with TFO on both sides)
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && netns_loopback 2>/dev/null &&
	ip netns exec "$NS_L" sysctl -qw net.ipv4.tcp_fastopen=3; then
	start_server --ns "$NS_L" --name tfosrv --socks6-tls 127.0.0.1:0 \
		--cert "$PKI/server.pem" --key "$PKI/server.key"
	run tfo ip netns exec "$NS_L" timeout 30 "$S6_PYTHON" "$S6_TMP/tlsc.py" \
		"$S6_SERVER_PORT" "$PKI/ca.pem" 0 tfo
	expect_rc 0 "two TLS handshakes with MSG_FASTOPEN"
	read -r T1 _ N1 < <(sed -n 1p "$S6_TMP/tfo.out")
	read -r T2 _ N2 < <(sed -n 2p "$S6_TMP/tfo.out")
	[ "$N1/$N2" = "0/0" ] || fail_last "NOOP through the TFO connections: $N1 $N2"
	wait_for_log "tls 127.0.0.1:$T2 " "$S6_SERVER_LOG" 5 || fail "no tls line for $T2" "$S6_SERVER_LOG"
	grep -q "tls 127.0.0.1:$T1 tls=full early=0 syn=plain " "$S6_SERVER_LOG" ||
		fail "first TFO connection (cookie request) not syn=plain" "$S6_SERVER_LOG"
	grep -q "tls 127.0.0.1:$T2 tls=full early=0 syn=data " "$S6_SERVER_LOG" ||
		fail "ClientHello in the SYN not logged as syn=data" "$S6_SERVER_LOG"
	pass "TFO: the ClientHello rode in the SYN (syn=data), NOOP served"
else
	echo "# TCP Fast Open part left out: needs root and network namespaces"
fi

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server --socks6 on loopback, driven by raw bytes from python3:
# initial data before a slow-path RFC 1929 request reaches the target first
# and is never taken as credentials; Listen Backlog inside a session (two
# queued inbound connections handed to two further BINDs, the listener
# closing with its initial connection); malformed input does not hurt the
# server; a users file readable by others is refused. Complements
# t_server_socks6.sh, which uses s6_tool.
. "$(dirname "$0")/lib.sh"

require_built "$S6_SERVER_BIN"
require_cmd timeout
[ -x "$S6_PYTHON" ] || skip "needs python3"

# ---- users file permissions
printf 'alice:secret\n' >"$S6_TMP/users"
chmod 644 "$S6_TMP/users"
run users644 timeout 10 "$S6_SERVER_BIN" --socks6 127.0.0.1:0 --users "$S6_TMP/users"
expect_rc 2 "users file readable by others: exit 2"
expect_err 'group or others' "users file readable by others: reason"
chmod 600 "$S6_TMP/users"

start_server --socks6 127.0.0.1:0 --users "$S6_TMP/users" --handshake-timeout 5

cat >"$S6_TMP/smoke.py" <<'PY'
import socket, struct, sys, threading, time, random
P = int(sys.argv[1])

def opt(kind, data=b''):
    data += b'\0' * ((-len(data)) % 4)
    return struct.pack('>HH', kind, 4 + len(data)) + data

def up(u, p):
    return bytes([1, len(u)]) + u + bytes([len(p)]) + p

def req(cmd, ip, port, opts=b''):
    return struct.pack('>BBHHBB', 6, cmd, len(opts), port, 0, 1) + socket.inet_aton(ip) + opts

def recvn(s, n):
    b = b''
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            raise EOFError('closed after %r' % b)
        b += x
    return b

def opts_of(b):
    out = {}
    while b:
        k, l = struct.unpack('>HH', b[:4])
        out.setdefault(k, b[4:l])
        b = b[l:]
    return out

def auth(s):
    h = recvn(s, 4)
    return h[1], opts_of(recvn(s, struct.unpack('>H', h[2:4])[0]))

def op(s):
    h = recvn(s, 8)
    ol = struct.unpack('>H', h[2:4])[0]
    addr = socket.inet_ntoa(recvn(s, 4))
    return h[1], addr, struct.unpack('>H', h[4:6])[0], opts_of(recvn(s, ol))

def check(cond, what):
    print(('ok ' if cond else 'FAIL ') + what)
    if not cond:
        sys.exit(1)

def conn():
    return socket.create_connection(('127.0.0.1', P), timeout=5)

adv = lambda idl: opt(2, struct.pack('>H', idl) + b'\x02')

# target: records what arrives first
ls = socket.socket(); ls.bind(('127.0.0.1', 0)); ls.listen(4)
TP = ls.getsockname()[1]
got = []
def target():
    c, _ = ls.accept(); c.settimeout(5)
    got.append(recvn(c, 9)); c.sendall(b'ok'); c.close()
threading.Thread(target=target, daemon=True).start()

# slow path with 4 bytes of initial data shaped like an RFC 1929 request
s = conn()
s.sendall(req(1, '127.0.0.1', TP, adv(4)) + b'\x01\x01x\x01')
t, o = auth(s)
check(t == 1 and o.get(3, b'')[:1] == b'\x02', 'slow path offered (method 2)')
s.sendall(up(b'alice', b'secret') + b'AFTER')
check(recvn(s, 2) == b'\x01\x00', 'RFC 1929 success reply')
t, o = auth(s)
check(t == 0, 'second auth reply: success')
check(op(s)[0] == 0, 'CONNECT succeeded')
check(recvn(s, 2) == b'ok' and got == [b'\x01\x01x\x01AFTER'],
      'initial data reached the target first, untouched')
s.close()

# session for the backlog
cred = opt(4, b'\x02' + up(b'alice', b'secret'))
s = conn(); s.sendall(req(0, '0.0.0.0', 0, adv(0) + cred + opt(5)))
t, o = auth(s); op(s); s.close()
check(t == 0 and 6 in o, 'session opened (0-RTT)')
sid = o[6]
backlog = opt(1, bytes([(2 << 6) | 4, 3]) + struct.pack('>H', 3))
init = conn(); init.sendall(req(2, '0.0.0.0', 0, opt(6, sid) + backlog))
check(auth(init)[0] == 0, 'backlog BIND authenticated by the session')
code, addr, port, o = op(init)
check(code == 0 and o.get(1) == bytes([0x84, 3, 0, 3]), 'backlog 3 echoed')
peers = [socket.create_connection((addr, port), timeout=5) for i in range(2)]
for i, p in enumerate(peers):
    p.sendall(b'peer%d' % i)
for i in range(2):
    w = conn(); w.sendall(req(2, addr, port, opt(6, sid)))
    auth(w)
    c1 = op(w); c2 = op(w)
    check(c1[0] == 0 and c1[2] == port and c2[0] == 0, 'further BIND %d: two replies' % i)
    check(recvn(w, 5) == b'peer%d' % i, 'further BIND %d: peer data in order' % i)
    w.close()
init.close()
time.sleep(0.5)
try:
    socket.create_connection((addr, port), timeout=2).close()
    check(False, 'listener closed with its initial connection')
except OSError:
    check(True, 'listener closed with its initial connection')

# garbage: version mismatch, then random mutations of a valid request
s = conn(); s.sendall(b'\x05\x01\x00\x00')
check(s.recv(10) == b'\x06' and s.recv(10) == b'', 'version mismatch reply, then close')
random.seed(7)
base = req(1, '127.0.0.1', 9, adv(3) + cred + opt(5)) + b'abc'
for i in range(150):
    b = bytearray(base)
    for j in range(random.randint(1, 4)):
        b[random.randrange(len(b))] = random.randrange(256)
    s = conn()
    try:
        s.sendall(bytes(b[:random.randint(1, len(b))])); s.shutdown(socket.SHUT_WR); s.recv(64)
    except OSError:
        pass
    s.close()
s = conn(); s.sendall(req(0, '0.0.0.0', 0, adv(0) + cred))
check(auth(s)[0] == 0 and op(s)[0] == 0, 'server still serves after garbage')
PY

run smoke timeout 60 "$S6_PYTHON" "$S6_TMP/smoke.py" "$S6_SERVER_PORT"
expect_rc 0 "smoke client"
while read -r line; do pass "${line#ok }"; done < <(grep '^ok ' "$S6_TMP/smoke.out")
grep -q 'CONNECT 127.0.0.1:[0-9]* auth=userpass-slow user=alice session=- token=- window=- idata=4 syn=plain opts=- reply=0 (succeeded)' "$S6_SERVER_LOG" ||
	fail "slow-path log line"
pass "slow-path log line"
grep -q 'BIND 0.0.0.0:0 auth=session user=alice session=reuse .* opts=backlog:3 reply=0' "$S6_SERVER_LOG" ||
	fail "backlog log line"
pass "backlog log line"
finish

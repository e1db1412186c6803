#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The placeholder map is shared across fork in both directions, a child that
# outlives its parent still connects, and many threads connecting at once
# (blocking and non-blocking) all get through the handshake driver.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
start_server --socks4a 127.0.0.1:0
bg_start web "$S6_PYTHON" -m http.server 0 --bind 127.0.0.1 --directory "$S6_TMP"
wait_for_log 'Serving HTTP on [^ ]+ port [0-9]+' "$S6_TMP/web.out" 10 || fail "web server did not start"
WEB_PORT=$(sed -nE 's/.*Serving HTTP on [^ ]+ port ([0-9]+).*/\1/p' "$S6_TMP/web.out")
echo "fork-token" >"$S6_TMP/index.html"
PROXY=socks4a://127.0.0.1:$S6_SERVER_PORT
# localhost and *.localhost stand for names the proxy resolves here, so they
# get placeholders (`hosts local`, the default, would answer 127.0.0.1).
SOCKS6IFY_CONF=$(conf hosts-remote 'hosts remote')
export SOCKS6IFY_CONF

# One fetch for every script below: connect (timeout None = blocking path,
# a number = non-blocking path), GET, read to EOF, look for the token.
cat >"$S6_TMP/s6fetch.py" <<'PY'
import socket
def fetch(addr, timeout=10):
    s = socket.create_connection(addr, timeout=timeout)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    s.close()
    return b"fork-token" in data
PY

cat >"$S6_TMP/fork.py" <<'PY'
import os, socket, sys, time
from s6fetch import fetch
port = int(sys.argv[1]); out = sys.argv[2]

# Parent resolves, child connects to the parent's placeholder after the
# parent has exited (the child outlives it).
addr = socket.getaddrinfo("localhost", port, socket.AF_INET, socket.SOCK_STREAM)[0][4]
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w); os.read(r, 1)          # wait for the parent to exit
    time.sleep(0.2)
    ok1 = fetch(addr)
    # A name resolved here must be known to the parent's map too: report it.
    child_addr = socket.getaddrinfo("child-name.localhost", port, socket.AF_INET)[0][4][0]
    with open(out, "w") as f:
        f.write("%s %s %s\n" % (ok1, os.getppid() != 1 or True, child_addr))
    os._exit(0)
os.close(r)
# Parent exits at once; closing w tells the child to go on.
os._exit(0)
PY
run fork s6 -q -p "$PROXY" "$S6_PYTHON" "$S6_TMP/fork.py" "$WEB_PORT" "$S6_TMP/fork.result"
for i in $(seq 100); do [ -s "$S6_TMP/fork.result" ] && break; sleep 0.1; done
[ -s "$S6_TMP/fork.result" ] || fail_last "the orphaned child reported nothing"
grep -q '^True ' "$S6_TMP/fork.result" || fail "orphaned child could not connect to the parent's placeholder" "$S6_TMP/fork.result"
pass "a child that outlives its parent connects to a placeholder the parent resolved"

cat >"$S6_TMP/shared.py" <<'PY'
import os, socket, sys
port = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    # The child resolves a name the parent never saw ...
    socket.getaddrinfo("only-in-child.localhost", port, socket.AF_INET)
    os._exit(0)
os.waitpid(pid, 0)
# ... and the parent asks what the next placeholder address means: the
# child's name must already be there, so the parent's own new name gets the
# following serial, and the reverse lookup of the child's address works.
mine = socket.getaddrinfo("parent-name.localhost", port, socket.AF_INET)[0][4][0]
a, b, c, d = map(int, mine.split("."))
prev = "%d.%d.%d.%d" % (a, b, c, d - 1)
print(socket.gethostbyaddr(prev)[0])
PY
run shared s6 -q -p "$PROXY" "$S6_PYTHON" "$S6_TMP/shared.py" "$WEB_PORT"
[ "$OUT" = only-in-child.localhost ] || fail_last "the parent does not see the child's placeholder (got '$OUT')"
pass "a name resolved in a child is known to its parent (shared map)"

cat >"$S6_TMP/threads.py" <<'PY'
import socket, sys, threading
from s6fetch import fetch
port = int(sys.argv[1]); nthreads = int(sys.argv[2]); per = int(sys.argv[3])
ok = [0] * nthreads; errs = []
def worker(i):
    for j in range(per):
        try:
            # Alternate blocking (no timeout) and non-blocking (timeout) paths.
            if fetch(("localhost", port), timeout=(10 if (i + j) % 2 else None)): ok[i] += 1
            else: errs.append("short reply")
        except OSError as e:
            errs.append(repr(e))
ts = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
[t.start() for t in ts]; [t.join(60) for t in ts]
print(sum(ok), nthreads * per, errs[:3])
PY
run threads s6 -q -p "$PROXY" "$S6_PYTHON" "$S6_TMP/threads.py" "$WEB_PORT" 32 10
[ "${OUT%% *}" = 320 ] || fail_last "threads: only '$OUT' connections succeeded"
pass "32 threads x 10 connections, blocking and non-blocking, all succeeded"
# A proxied socket closed where the shim cannot see it (fclose of an
# fdopen()ed socket closes inside libc): the next socket with that number
# must not inherit the old connection's state.
cat >"$S6_TMP/stale.py" <<'PY'
import ctypes, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fdopen.restype = ctypes.c_void_p
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10); fd = s.detach()
libc.fclose(ctypes.c_void_p(libc.fdopen(fd, b"r+")))
t = socket.socket()
assert t.fileno() == fd, "fd number not reused"
try:
    t.getpeername(); print("stale peer")
except OSError:
    pass
t.connect(("127.0.0.1", port))
print("reconnected", t.getpeername()[1])
PY
run stale s6 -q -p "$PROXY" "$S6_PYTHON" "$S6_TMP/stale.py" "$WEB_PORT"
[ "$OUT" = "reconnected $WEB_PORT" ] || fail_last "a reused fd number inherited a stale proxied connection"
pass "a socket closed behind the shim's back leaves no stale state for its fd number"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The table of proxied descriptors trusts its entries without an identity
# check (fstat) except where libc may close a descriptor unseen; these are
# the paths that end a descriptor outside close():
# - fdopen() + fclose() of a proxied socket, the number then reused by a
#   plain file (must not answer as the old connection) and by a new socket
#   (must connect through the proxy again, not fail with EISCONN);
# - close_range() over a proxied socket, the number reused the same ways;
# - syscall(SYS_close) over a proxied socket, then a new socket;
# - a program that writes its request and exits at once (exit(3), no close,
#   no read): the bytes still reach the target (the exit-time settle).
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup
for ns in "$NS_C" "$NS_P" "$NS_W"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fastopen=3 ||
		skip "cannot enable TCP Fast Open in the namespaces"
done

bg_start target --ns "$NS_W" "$S6_PYTHON" -u "$S6_SRCDIR/tests/integration/tfo_target.py" 9000
wait_for_log 'target ready' "$S6_TMP/target.err" 10 || fail "target did not start"
start_server --ns "$NS_P" --name srv --socks6 "$P_ADDR:1080"
PROXY=socks6://$P_ADDR:1080

# fdlife.py HOST PORT MODE: MODE fclose|close_range|sysclose ends a proxied
# socket that way, then checks the number as a plain file and a new socket.
cat >"$S6_TMP/fdlife.py" <<'PY'
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fdopen.restype = ctypes.c_void_p
libc.fclose.argtypes = [ctypes.c_void_p]
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get(s):
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk
def peer_errno(fd):
    buf = ctypes.create_string_buffer(128)
    ln = ctypes.c_uint(128)
    rc = libc.getpeername(fd, buf, ctypes.byref(ln))
    return 0 if rc == 0 else ctypes.get_errno()
s = socket.create_connection((host, port))
assert get(s).startswith(b"HTTP/1.0 200"), "first GET"
fd = s.detach()
if mode == "fclose":
    f = libc.fdopen(fd, b"r+")
    assert f, "fdopen"
    libc.fclose(f)
elif mode == "close_range":
    assert libc.close_range(fd, fd, 0) == 0, "close_range"
else:
    assert libc.syscall(3, fd) == 0, "SYS_close"  # x86_64 close
nf = os.open("/dev/null", os.O_RDONLY)
assert nf == fd, "number reused %d %d" % (nf, fd)
e = peer_errno(nf)
print("file getpeername errno=%s" % errno.errorcode.get(e, e), flush=True)
os.close(nf)
s2 = socket.socket()
assert s2.fileno() == fd, "socket reuses the number"
s2.connect((host, port))
print("second %s" % get(s2).split(b"\r\n")[0].decode(), flush=True)
print("peer %s" % s2.getpeername()[0], flush=True)
PY

for mode in fclose close_range sysclose; do
	run "fd-$mode" s6 --ns "$NS_C" -p "$PROXY" "$S6_PYTHON" "$S6_TMP/fdlife.py" "$W_ADDR" 9000 "$mode"
	expect_rc 0 "$mode: the program ran"
	expect_out '^file getpeername errno=ENOTSOCK$' "$mode: a file at the old number is not the old connection"
	expect_out '^second HTTP/1.0 200 OK$' "$mode: a new socket at the number connects through the proxy"
	expect_out "^peer $W_ADDR\$" "$mode: the new socket answers getpeername with its target"
done

# writexit.py HOST PORT TAG: connect, write, exit(3) at once.
cat >"$S6_TMP/writexit.py" <<'PY'
import ctypes, socket, sys
libc = ctypes.CDLL(None)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.send(b"GET /" + sys.argv[3].encode() + b" HTTP/1.0\r\n\r\n")
libc.exit(0)
PY
for i in 1 2 3; do
	run "writexit$i" s6 --ns "$NS_C" -p "$PROXY" "$S6_PYTHON" "$S6_TMP/writexit.py" "$W_ADDR" 9000 "x$i"
	expect_rc 0 "write and exit $i"
done
for i in 1 2 3; do
	wait_for_log "^got GET /x$i " "$S6_TMP/target.out" 5 ||
		fail "write and exit $i: the bytes did not reach the target" "$S6_TMP/target.out"
done
pass "write then exit at once: every request reached the target"
finish

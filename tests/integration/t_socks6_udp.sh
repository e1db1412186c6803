#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# UDP through `socks6ify -p socks6://...` (SOCKS6 UDP ASSOCIATE) in the
# namespaces: python3 unconnected sendto/recvfrom and connected send/recv to
# a UDP echo server in the web namespace, IPv4, IPv6 and a name (remote-DNS
# placeholder), recvmsg with truncation, a 60000-byte datagram, EMSGSIZE
# beyond what fits, one association per socket (server log), released when
# the socket closes; connect(AF_UNSPEC), dup/dup2/F_DUPFD copies sharing the
# association, recvmmsg's timeout; the proxy going away;
# a SOCKS4a proxy fails closed (EACCES and a log line) unless `udp direct`;
# `udp block`; excluded destinations go directly.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup

# IPv6 between proxy and web only: the client reaches IPv6 hosts through the
# proxy alone.
P_ADDR6_W=fd00:5336::1
W_ADDR6=fd00:5336::2
ip -n "$NS_P" addr add "$P_ADDR6_W/64" dev vp1 nodad &&
	ip -n "$NS_W" addr add "$W_ADDR6/64" dev vw0 nodad ||
	fail "cannot add IPv6 addresses"
ECHO_PORT=7007
S6_PORT=1080
S4_PORT=1081

cat >"$S6_TMP/echo.py" <<-'EOF'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
print("echo ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    print("from", peer[0], flush=True)
    s.sendto(data, peer)
EOF
bg_start echo --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/echo.py" "$ECHO_PORT"
wait_for_log 'echo ready' "$S6_TMP/echo.out" 10 || fail "the UDP echo server did not start"
# A second echo server on the client's own loopback, for `udp direct` and
# exclude rules.
bg_start echo_lo --ns "$NS_C" "$S6_PYTHON" -u "$S6_TMP/echo.py" "$ECHO_PORT"
wait_for_log 'echo ready' "$S6_TMP/echo_lo.out" 10 || fail "the loopback echo server did not start"

start_server --ns "$NS_P" --name s6 -v --socks6 "$P_ADDR:$S6_PORT"
S6_LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name s4 -v --socks4a "$P_ADDR:$S4_PORT"

# udp.py STEP...: each STEP is "MODE HOST PORT SIZE" with MODE unconn
# (sendto/recvfrom), conn (connect/send/recv, getpeername) or big (expects
# EMSGSIZE); "pair HOST PORT" uses two sockets at once; "sleep S". Prints
# "ok N ..." or "fail N ...: why" (errno names kept); exit 1 after a failure.
cat >"$S6_TMP/udp.py" <<-'EOF'
import errno, os, socket, sys, time

def sock(host, port):
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
    s = socket.socket(ai[0], socket.SOCK_DGRAM)
    s.settimeout(5)
    return s, ai[4]

def same(a, b):
    return a[0] == b[0] and a[1] == b[1]

def unconn(host, port, size):
    s, dst = sock(host, port)
    data = os.urandom(size)
    s.sendto(data, dst)
    got, src = s.recvfrom(65535)
    s.close()
    if got != data:
        return "echo differs (%d bytes back)" % len(got)
    if not same(src, dst):
        return "source %r, expected %r" % (src, dst)

def conn(host, port, size):
    s, dst = sock(host, port)
    s.connect(dst)
    if not same(s.getpeername(), dst):
        return "getpeername %r, expected %r" % (s.getpeername(), dst)
    data = os.urandom(size)
    s.send(data)
    got = s.recv(65535)
    s.close()
    if got != data:
        return "echo differs (%d bytes back)" % len(got)

def rmsg(host, port, size):
    s, dst = sock(host, port)
    data = os.urandom(size)
    s.sendto(data, dst)
    got, anc, flags, src = s.recvmsg(size // 2)
    s.close()
    if got != data[:size // 2] or not flags & socket.MSG_TRUNC or not same(src, dst):
        return "recvmsg gave %d bytes, flags %#x, source %r" % (len(got), flags, src)

def big(host, port, size):
    s, dst = sock(host, port)
    try:
        s.sendto(b"x" * size, dst)
    except OSError as e:
        if e.errno == errno.EMSGSIZE:
            return None
        raise
    return "no EMSGSIZE"

def pair(host, port):
    a, dst = sock(host, port)
    b, _ = sock(host, port)
    a.sendto(b"from a", dst)
    b.sendto(b"from b", dst)
    ra, rb = a.recv(100), b.recv(100)
    if (ra, rb) != (b"from a", b"from b"):
        return "got %r %r" % (ra, rb)
    time.sleep(0.5)   # both associations are in the server log now
    a.close()
    b.close()

args, n, bad = sys.argv[1:], 0, 0
while args:
    step = args[0]
    if step == "sleep":
        time.sleep(float(args[1]))
        args = args[2:]
        continue
    n += 1
    k = 3 if step == "pair" else 4
    what, args = args[1:k], args[k:]
    try:
        if step == "pair":
            why = pair(what[0], int(what[1]))
        else:
            why = globals()[step](what[0], int(what[1]), int(what[2]))
    except OSError as e:
        why = "%s %s" % (errno.errorcode.get(e.errno, e.errno), e)
    except Exception as e:
        why = repr(e)
    print(("fail %d %s %s: %s" % (n, step, " ".join(what), why)) if why else
          "ok %d %s %s" % (n, step, " ".join(what)), flush=True)
    bad += why is not None
sys.exit(1 if bad else 0)
EOF

# py NAME s6-ARGS... -- STEP...: udp.py through socks6ify in the client namespace.
py() {
	local name=$1 a=()
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	run "$name" s6 --ns "$NS_C" -v "${a[@]}" "$S6_PYTHON" "$S6_TMP/udp.py" "$@"
}
count() { grep -cE -- "$1" "$2"; }
assocs() { count 'socks6-udp [^ ]+ assoc=[0-9a-f]{16} udp=' "$S6_LOG"; }
ends() { count 'socks6-udp [^ ]+ assoc=[0-9a-f]{16} ended: ' "$S6_LOG"; }

S6=(-p "socks6://$P_ADDR:$S6_PORT")

# ---- the basic forms
py basic "${S6[@]}" -- unconn "$W_ADDR" "$ECHO_PORT" 100 conn "$W_ADDR" "$ECHO_PORT" 1000 \
	unconn "$W_ADDR6" "$ECHO_PORT" 200 conn "$W_ADDR6" "$ECHO_PORT" 300 \
	conn "$W_NAME" "$ECHO_PORT" 400 unconn "$W_ADDR" "$ECHO_PORT" 60000 \
	big "$W_ADDR" "$ECHO_PORT" 65500 rmsg "$W_ADDR" "$ECHO_PORT" 100
expect_rc 0 "UDP through SOCKS6: IPv4, IPv6, name, 60000 bytes, EMSGSIZE, recvmsg"
for what in "unconn $W_ADDR " "conn $W_ADDR " "unconn $W_ADDR6 " "conn $W_ADDR6 " \
	"conn $W_NAME " "unconn $W_ADDR $ECHO_PORT 60000" "big " "rmsg "; do
	grep -q "^ok [0-9]* $what" "$S6_TMP/basic.out" || fail_last "no 'ok $what'"
	pass "UDP $what"
done
expect_err "UDP association [0-9a-f]{16} for fd [0-9]+, relay " "shim logs the association"
wait_for_log "socks6-udp [^ ]+ assoc=[0-9a-f]{16} udp=" "$S6_LOG" 5 ||
	fail "the server logged no association" "$S6_LOG"
# Seven sockets carried a datagram, each through its own association, each
# ended by close(). The EMSGSIZE socket (a timeout socket is non-blocking,
# so its association is started in the background) may or may not finish
# its association before the program closes it: at most one more, empty.
wait_for_log "ended: " "$S6_LOG" 5 && sleep 0.5
used=$(count 'assoc=[0-9a-f]{16} ended: client->remote [1-9]' "$S6_LOG")
empty=$(count 'assoc=[0-9a-f]{16} ended: client->remote 0 ' "$S6_LOG")
[ "$used" = 7 ] || fail "expected 7 associations that carried datagrams, server logged $used" "$S6_LOG"
[ "$empty" -le 1 ] || fail "expected at most one empty association, server logged $empty" "$S6_LOG"
pass "one association per socket"
[ "$(ends)" = "$(assocs)" ] || fail "$(assocs) associations but $(ends) ended" "$S6_LOG"
pass "every association ended when its socket closed"
grep -qE "from (::ffff:)?$P_ADDR_W\$" "$S6_TMP/echo.out" &&
	grep -qE "from $P_ADDR6_W\$" "$S6_TMP/echo.out" ||
	fail "the echo server saw no datagrams from the proxy" "$S6_TMP/echo.out"
grep -vE "from ((::ffff:)?$P_ADDR_W|$P_ADDR6_W)\$|echo ready" "$S6_TMP/echo.out" &&
	fail "the echo server saw datagrams from elsewhere" "$S6_TMP/echo.out"
pass "the echo server saw the proxy only"

# ---- two sockets at once; close releases while the program still runs
before=$(assocs)
py pair "${S6[@]}" -- pair "$W_ADDR" "$ECHO_PORT" sleep 2
expect_rc 0 "two sockets at once"
[ "$(($(assocs) - before))" = 2 ] || fail "two sockets: not two associations" "$S6_LOG"
pass "two sockets -> two associations"
expect_err "UDP association [0-9a-f]{16} of fd [0-9]+ released" "close releases the association"

# ---- SOCKS4a cannot carry UDP: fail closed, `udp direct` to allow
py s4 -p "socks4a://$P_ADDR:$S4_PORT" -- unconn "$W_ADDR" "$ECHO_PORT" 10
expect_rc 1 "SOCKS4a: UDP fails"
expect_out "EACCES" "SOCKS4a: EACCES"
expect_err "target $W_ADDR:$ECHO_PORT: UDP cannot go through this proxy; blocked" \
	"SOCKS4a: one log line"
cd4=$(conf direct4 "proxy socks4a://$P_ADDR:$S4_PORT" "udp direct")
py direct4 -f "$cd4" -- unconn 127.0.0.1 "$ECHO_PORT" 10 conn 127.0.0.1 "$ECHO_PORT" 10
expect_rc 0 "SOCKS4a with udp direct: UDP goes directly"
expect_err "UDP goes directly \(udp direct\)" "udp direct is logged"

# ---- `udp block`; exclude rules
cb=$(conf block "proxy socks6://$P_ADDR:$S6_PORT" "udp block")
py block -f "$cb" -- conn "$W_ADDR" "$ECHO_PORT" 10
expect_rc 1 "udp block: UDP fails"
expect_out "EACCES" "udp block: EACCES"
ce=$(conf excl "proxy socks6://$P_ADDR:$S6_PORT" "udp block" "exclude 127.0.0.0/8")
py excl -f "$ce" -- unconn 127.0.0.1 "$ECHO_PORT" 10 conn 127.0.0.1 "$ECHO_PORT" 10
expect_rc 0 "an excluded destination goes directly"
expect_err "target 127.0.0.1:$ECHO_PORT: excluded, UDP goes directly" "exclusion is logged"

# ---- connect(AF_UNSPEC), dup/dup2/F_DUPFD copies, recvmmsg's timeout
# sock_ops.py HOST PORT: one socket through all of it (ctypes calls libc,
# so the shim's hooks run). Prints "ok WHAT" per step, exits 1 on a failure.
cat >"$S6_TMP/sock_ops.py" <<-'EOF'
import ctypes, errno, fcntl, os, socket, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
host, port = sys.argv[1], int(sys.argv[2])
dst = (host, port)

def echo(s, data):
    s.sendto(data, dst)
    got, src = s.recvfrom(65535)
    assert got == data and src == dst, (got, src)

class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]
class mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]
class timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]

def recvmmsg(fd, n, tmo):
    bufs = [ctypes.create_string_buffer(2048) for _ in range(n)]
    iovs = [iovec(ctypes.cast(b, ctypes.c_void_p), 2048) for b in bufs]
    vec = (mmsghdr * n)()
    for i in range(n):
        vec[i].hdr.iov = ctypes.pointer(iovs[i])
        vec[i].hdr.iovlen = 1
    ts = timespec(int(tmo), int((tmo % 1) * 1e9))
    t0 = time.monotonic()
    r = libc.recvmmsg(fd, vec, n, 0, ctypes.byref(ts))
    return r, time.monotonic() - t0, [bufs[i].raw[:vec[i].len] for i in range(max(r, 0))]

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(dst)
s.send(b"connected")
assert s.recv(100) == b"connected"
unspec = (ctypes.c_ubyte * 16)()
assert libc.connect(s.fileno(), unspec, 16) == 0, os.strerror(ctypes.get_errno())
try:
    s.getpeername()
    sys.exit("getpeername after AF_UNSPEC succeeded")
except OSError as e:
    assert e.errno == errno.ENOTCONN, e
try:
    s.send(b"x")
    sys.exit("send without a peer succeeded")
except OSError as e:
    assert e.errno == errno.EDESTADDRREQ, e
echo(s, b"after unspec")
print("ok connect(AF_UNSPEC): no peer, sendto works", flush=True)

for how in ("dup", "dup2", "F_DUPFD"):
    if how == "dup":
        fd = os.dup(s.fileno())
    elif how == "dup2":
        fd = os.dup2(s.fileno(), 77)
    else:
        fd = fcntl.fcntl(s.fileno(), fcntl.F_DUPFD, 90)
    c = socket.socket(fileno=fd)
    c.settimeout(5)
    echo(c, how.encode())
    c.close()
    echo(s, b"original after " + how.encode())
    print("ok", how, "copy shares the association, closing it keeps it", flush=True)

# recvmmsg on the blocking socket: the second datagram comes 0.3 s after
# the first.
s.settimeout(None)
fd = s.fileno()
s.sendto(b"one", dst)
threading.Timer(0.3, lambda: s.sendto(b"two", dst)).start()
r, took, got = recvmmsg(fd, 2, 3)
assert r == 2 and got == [b"one", b"two"] and took < 2.5, (r, took, got)
print("ok recvmmsg waits within its timeout for more", flush=True)
s.sendto(b"alone", dst)
r, took, got = recvmmsg(fd, 2, 0.5)
assert r == 1 and got == [b"alone"] and 0.3 < took < 2, (r, took, got)
print("ok recvmmsg returns when its timeout expires", flush=True)

last = os.dup(fd)
s.close()
c = socket.socket(fileno=last)
c.settimeout(5)
echo(c, b"last copy")
print("ok the copy works after the original closed", flush=True)
c.close()
time.sleep(3)
EOF
before=$(assocs)
before_end=$(ends)
run sockops s6 --ns "$NS_C" -v "${S6[@]}" "$S6_PYTHON" "$S6_TMP/sock_ops.py" "$W_ADDR" "$ECHO_PORT"
expect_rc 0 "UDP socket operations: exit 0"
for what in "connect\(AF_UNSPEC\): no peer, sendto works" \
	"dup copy shares" "dup2 copy shares" "F_DUPFD copy shares" \
	"recvmmsg waits within its timeout" "recvmmsg returns when its timeout expires" \
	"the copy works after the original closed"; do
	expect_out "^ok $what" "UDP $what"
done
# Released when the last copy closed, while the program still ran.
grep -nE "of fd [0-9]+ (released|kept for a copy of the socket)" "$S6_TMP/sockops.err" |
	tail -n 1 | grep -q released || fail_last "the last copy's close did not release the association"
pass "closing the last copy released the association"
expect_err "kept for a copy of the socket" "closing one copy keeps the association"
wait_for_log "ended: " "$S6_LOG" 5 && sleep 0.5
[ "$(($(assocs) - before))" = 1 ] || fail "one socket and its copies: not one association" "$S6_LOG"
[ "$(($(ends) - before_end))" = 1 ] || fail "the association did not end once" "$S6_LOG"
pass "one association for a socket and its copies, ended once"

# ---- the proxy goes away: the next send fails with one log line
cat >"$S6_TMP/gone.py" <<-'EOF'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
dst = (sys.argv[1], int(sys.argv[2]))
s.sendto(b"one", dst)
print("first", s.recv(100).decode(), flush=True)
while not os.path.exists(sys.argv[3]):
    pass
for i in range(3):
    try:
        s.sendto(b"two", dst)
        print("sent", flush=True)
    except OSError as e:
        print("error", e.errno, flush=True)
EOF
start_server --ns "$NS_P" --name s6b -v --socks6 "$P_ADDR:$((S6_PORT + 2))"
gone_srv=$S6_SERVER_PID
bg_start gone --ns "$NS_C" env "${s6_wrapped_env[@]}" timeout 30 "$S6_BIN" -v \
	-p "socks6://$P_ADDR:$((S6_PORT + 2))" "$S6_PYTHON" "$S6_TMP/gone.py" \
	"$W_ADDR" "$ECHO_PORT" "$S6_TMP/go"
gone_pid=$BG_PID
wait_for_log '^first one' "$S6_TMP/gone.out" 10 || fail "gone: the first datagram failed" \
	"$S6_TMP/gone.out" "$S6_TMP/gone.err"
bg_stop "$gone_srv"
sleep 0.3
touch "$S6_TMP/go"
wait "$gone_pid"
[ "$(count '^error 104' "$S6_TMP/gone.out")" = 3 ] ||
	fail "proxy gone: sends did not fail with ECONNRESET" "$S6_TMP/gone.out" "$S6_TMP/gone.err"
pass "proxy gone: the next sends fail with ECONNRESET"
[ "$(count 'ended by the proxy' "$S6_TMP/gone.err")" = 1 ] ||
	fail "proxy gone: not exactly one log line" "$S6_TMP/gone.err"
pass "proxy gone: one log line"

# ---- fire and forget: one datagram, then exit at once (the association's
# TCP close can reach the proxy before the datagram): nothing may be lost.
cat >"$S6_TMP/sink.py" <<-'SINK'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("sink ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    print("got", data.decode("ascii", "replace"), flush=True)
SINK
SINK_PORT=7010
bg_start sink --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/sink.py" "$SINK_PORT"
wait_for_log 'sink ready' "$S6_TMP/sink.out" 10 || fail "the UDP sink did not start"
for i in 1 2 3 4 5; do
	run "ff$i" s6 --ns "$NS_C" -p "socks6://$P_ADDR:$S6_PORT" "$S6_PYTHON" -c \
		"import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'ff-$i', (sys.argv[1], $SINK_PORT))" \
		"$W_ADDR"
	[ "$RC" = 0 ] || fail_last "fire and forget $i: the send failed"
done
for i in 1 2 3 4 5; do
	wait_for_log "^got ff-$i\$" "$S6_TMP/sink.out" 3 ||
		fail "fire and forget: datagram $i sent just before exit was lost" "$S6_TMP/sink.out" "$S6_LOG"
done
pass "fire and forget: 5 datagrams sent right before exit all arrived"

expect_no_dns_leak "no DNS query left the client namespace"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# UDP through `socks6ify -p socks6://...` (SOCKS6 UDP ASSOCIATE) in the
# namespaces: python3 unconnected sendto/recvfrom and connected send/recv to
# a UDP echo server in the web namespace, IPv4, IPv6 and a name (remote-DNS
# placeholder), recvmsg with truncation, a 60000-byte datagram, EMSGSIZE
# beyond what fits, one association per socket (server log), released when
# the socket closes, the proxy going away;
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
# Eight sockets (the EMSGSIZE one makes its association before the kernel
# refuses the datagram), each its own association, each ended by close().
[ "$(assocs)" = 8 ] || fail "expected 8 associations, server logged $(assocs)" "$S6_LOG"
pass "one association per socket"
wait_for_log "ended: " "$S6_LOG" 5 && sleep 0.5
[ "$(ends)" = 8 ] || fail "expected 8 associations ended, server logged $(ends)" "$S6_LOG"
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

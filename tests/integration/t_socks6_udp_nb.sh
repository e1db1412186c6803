#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Non-blocking first datagrams through a slow SOCKS6 proxy (socks6ify-server
# --misbehave "sleep 2000; relay": every connection waits 2 s before the
# proxy reads it): a non-blocking sendto, connect and send return at once
# (queue of 8, EAGAIN beyond), poll and epoll see the echo once the
# association is up; while the queue is full poll, select and epoll do not
# report the socket writable, and wake once the association is up (a
# program waiting for POLLOUT does not spin); a blocking sendto keeps
# waiting for it; python3
# asyncio's datagram endpoint keeps its event loop running meanwhile; an
# association that cannot be made is reported like a pending socket error
# (poll POLLERR, SO_ERROR, the next receive or send, once).
. "$(dirname "$0")/lib.sh"

NB=$S6_BUILDDIR/tests/integration/s6_udpnb
require_built "$S6_BIN" "$S6_SERVER_BIN" "$NB"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup

ECHO_PORT=7007
SLOW_PORT=1082
FAST_PORT=1080
SLOW_MS=2000

cat >"$S6_TMP/echo.py" <<-'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("echo ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
EOF
bg_start echo --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/echo.py" "$ECHO_PORT"
wait_for_log 'echo ready' "$S6_TMP/echo.out" 10 || fail "the UDP echo server did not start"

start_server --ns "$NS_P" --name slow -v --misbehave "inline:sleep $SLOW_MS;relay" \
	--socks6 "$P_ADDR:$SLOW_PORT"
SLOW_LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name fast -v --socks6 "$P_ADDR:$FAST_PORT"

slow() { run "$1" s6 --ns "$NS_C" -v -p "socks6://$P_ADDR:$SLOW_PORT" "${@:2}"; }

for m in nb nbconn full block; do
	slow "c-$m" "$NB" "$m" "$W_ADDR" "$ECHO_PORT" $((SLOW_MS - 300))
	expect_rc 0 "C $m against a slow proxy"
	expect_out "^ok $m" "C $m: $(head -c 60 "$S6_TMP/c-$m.out")"
done
grep -q 'made in the background, 8 datagram' "$S6_TMP/c-nb.err" ||
	fail "no log line of the background association with its queue" "$S6_TMP/c-nb.err"
pass "the background association sent the 8 queued datagrams"

# The same program against a proxy that answers at once: nothing changes.
run c-fast s6 --ns "$NS_C" -v -p "socks6://$P_ADDR:$FAST_PORT" "$NB" nbconn "$W_ADDR" "$ECHO_PORT" 0
expect_rc 0 "C nbconn against a prompt proxy"

# Nothing listens on this port: the failure comes back as ECONNREFUSED,
# from poll (POLLERR), SO_ERROR, a blocking read and a blocking sendto, and
# each failed association is one log line naming proxy, target, reason and
# the datagrams accepted for it.
run c-nbfail s6 --ns "$NS_C" -p "socks6://$P_ADDR:1099" "$NB" nbfail "$W_ADDR" "$ECHO_PORT"
expect_rc 0 "C nbfail: a failed background association is reported"
expect_out '^ok nbfail' "nbfail: $(head -c 70 "$S6_TMP/c-nbfail.out")"
line="proxy socks6://$P_ADDR:1099 target $W_ADDR:$ECHO_PORT: UDP association: cannot reach the proxy: Connection refused"
n=$(grep -cF "$line; 1 queued datagram(s) dropped" "$S6_TMP/c-nbfail.err")
[ "$n" -eq 2 ] || fail "expected 2 background failures with 1 dropped datagram, saw $n" "$S6_TMP/c-nbfail.err"
n=$(grep -c 'UDP association:' "$S6_TMP/c-nbfail.err")
[ "$n" -eq 3 ] || fail "expected 3 failed associations logged, saw $n" "$S6_TMP/c-nbfail.err"
grep -qxF "$line" <(sed 's/^.*\(proxy socks6:\)/\1/' "$S6_TMP/c-nbfail.err") ||
	fail "the blocking sendto's failure was not logged alone" "$S6_TMP/c-nbfail.err"
pass "nbfail: one line per failed association, naming proxy, target, reason and drops"

# asyncio: the loop must keep ticking while the association is made.
cat >"$S6_TMP/aio.py" <<-'EOF'
import asyncio, sys, time

class Echo(asyncio.DatagramProtocol):
    def __init__(self, fut):
        self.fut = fut
    def datagram_received(self, data, addr):
        if not self.fut.done():
            self.fut.set_result((data, addr))
    def error_received(self, exc):
        if not self.fut.done():
            self.fut.set_exception(exc)

async def main(host, port):
    loop = asyncio.get_running_loop()
    ticks = 0
    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1
    tk = asyncio.create_task(ticker())
    await asyncio.sleep(0.06)
    fut = loop.create_future()
    t0 = time.monotonic()
    tr, _ = await loop.create_datagram_endpoint(lambda: Echo(fut),
                                                remote_addr=(host, port))
    tr.sendto(b"asyncio-hello")
    t_sent = time.monotonic() - t0
    before = ticks
    data, addr = await asyncio.wait_for(fut, 10)
    waited = time.monotonic() - t0
    tk.cancel()
    tr.close()
    if data != b"asyncio-hello" or addr[1] != port:
        sys.exit("fail: echo %r from %r" % (data, addr))
    if t_sent > 0.5:
        sys.exit("fail: endpoint and sendto took %.2f s" % t_sent)
    if ticks - before < (waited - 0.5) / 0.05 / 2:
        sys.exit("fail: the loop stalled (%d ticks in %.2f s)" % (ticks - before, waited))
    print("ok asyncio: sent in %.3f s, echo after %.2f s, %d ticks" %
          (t_sent, waited, ticks - before))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
EOF
slow aio "$S6_PYTHON" "$S6_TMP/aio.py" "$W_ADDR" "$ECHO_PORT"
expect_rc 0 "python3 asyncio datagram endpoint against a slow proxy"
expect_out '^ok asyncio' "asyncio: the event loop kept running"

# The slow proxy made one association per socket of the runs above.
n=$(grep -cE 'socks6-udp [^ ]+ assoc=[0-9a-f]{16} udp=' "$SLOW_LOG")
[ "$n" -eq 5 ] || fail "expected 5 associations at the slow proxy, saw $n" "$SLOW_LOG"
pass "one association per socket"

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The few-system-calls paths of an optimistic SOCKS6 connect, across a delay
# line (50 ms round trip) so that the proxy's answers come late:
# - a blocking connect() goes straight to connect() (TCP_SYNCNT set, no
#   O_NONBLOCK dance, no SO_TYPE query: strace), SOCKS6 and SOCKS4a alike,
#   within the system-call budget per connection (SOCKS6: 4 calls up to
#   connect, 10 in all plus 2 per reply segment that came alone; SOCKS4a:
#   10 in all); the first SOCKS6 one asks TCP_INFO whether its SYN was
#   deferred (a TFO cookie), the second trusts the deferred-connect hint;
#   with the hint stale (cookie flushed) and the
#   proxy's address dropping SYNs, connect() fails within the SYN retry
#   budget that connect-timeout allows (3.5 s: one retry, 3 s);
# - write, then exit(3) at once (no close, no read): the bytes reach the
#   target although the SYN may still be unanswered at exit;
# - the one-recv reply path: a proxy that sends its replies one byte per
#   segment, then a banner, read with 1- and 5-byte buffers, after a
#   FIONBIO change, and with MSG_PEEK first.
. "$(dirname "$0")/lib.sh"

DL=$S6_BUILDDIR/tests/bench/delayline
TT=$S6_BUILDDIR/tests/bench/ttfb
require_netns
require_built "$S6_BIN" "$S6_SERVER_BIN" "$DL" "$TT"
[ -x "$S6_PYTHON" ] || skip "needs python3"
NS_A=s6fa-$$
NS_B=s6fb-$$
A=192.0.2.1
B=192.0.2.2
s6_ns_add "$NS_A"
s6_ns_add "$NS_B"
for ns in "$NS_A" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fastopen=3 ||
		skip "cannot enable TCP Fast Open in the namespaces"
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fastopen_blackhole_timeout_sec=0 2>/dev/null
done
bg_start delayline "$DL" "$NS_A" s6f0 "$NS_B" s6f1 25000
wait_for_log '^ready' "$S6_TMP/delayline.out" 5 || fail "the delay line did not start"
ip -n "$NS_A" addr add $A peer $B dev s6f0 && ip -n "$NS_A" link set s6f0 up &&
	ip -n "$NS_B" addr add $B peer $A dev s6f1 && ip -n "$NS_B" link set s6f1 up ||
	fail "cannot address the delay line"

bg_start target --ns "$NS_B" "$S6_PYTHON" -u "$S6_SRCDIR/tests/integration/tfo_target.py" 9000
wait_for_log 'target ready' "$S6_TMP/target.err" 10 || fail "target did not start"
start_server --ns "$NS_B" --name srv --socks6 "$B:1080" --socks4a "$B:1081"
PROXY=socks6://$B:1080

# ---- write, then exit at once: 3 processes, with tfo-proxy always (the
# Request and the program's bytes leave in one SYN). Before the later ones
# the proxy's TFO key changes: their cookie is stale, the proxy takes only
# the SYN, and Request and bytes must be sent again after the SYN's answer,
# which comes after the write returned (and after exit, unless the exit
# waits for it).
printf 'proxy %s\ntfo-proxy always\n' "$PROXY" >"$S6_TMP/always.conf"
chmod 600 "$S6_TMP/always.conf"
fokey()
{
	od -An -tx4 -N16 /dev/urandom | awk '{ printf "%s-%s-%s-%s", $1, $2, $3, $4 }'
}
cat >"$S6_TMP/writexit.py" <<'PY'
import ctypes, socket, sys
libc = ctypes.CDLL(None)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.send(b"GET /" + sys.argv[3].encode() + b" HTTP/1.0\r\n\r\n")
libc.exit(0)
PY
for i in 1 2 3; do
	[ "$i" = 1 ] || ip netns exec "$NS_B" sysctl -qw "net.ipv4.tcp_fastopen_key=$(fokey)" ||
		fail "cannot change the proxy's TFO key"
	run "writexit$i" s6 --ns "$NS_A" -f "$S6_TMP/always.conf" "$S6_PYTHON" "$S6_TMP/writexit.py" $B 9000 "x$i"
	expect_rc 0 "write and exit $i"
	wait_for_log "^got GET /x$i " "$S6_TMP/target.out" 5 ||
		fail "write and exit $i: the bytes did not reach the target" "$S6_TMP/target.out"
	pass "write and exit $i: the request reached the target"
done

# ---- system calls per blocking connection, from strace of two in a row.
# conn_calls FILE N: the calls of connection N (1, 2), from its socket() to
# its close(), one name per line (the main thread only: the shim's driver
# thread, if started, is not part of the connection; a call strace shows
# interrupted and resumed counts once; the allocator's own mmap, munmap,
# mprotect, brk and madvise, which come and go with heap growth and a
# sanitizer's runtime, are left out, and so is futex: a lock another
# thread held a moment (a sanitizer's runtime, once seen under ASan
# between sendto and poll) is not a call of the connection).
conn_calls()
{
	awk -v n="$2" '$2 ~ /^socket\(AF_INET/ && ++k == n { pid = $1 }
		k == n && $1 == pid && $2 != "<..." && $2 !~ /^(mmap|munmap|mprotect|brk|madvise|futex)\(/ { print }
		k == n && $1 == pid && $2 ~ /^close\(3\)/ { exit }' "$1" |
		sed -E 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/'
}
# calls_ok LABEL FILE N MAX EXPECT_HEAD: connection N has at most MAX calls,
# none of fcntl and getsockopt(SO_TYPE), and begins with EXPECT_HEAD.
calls_ok()
{
	local calls head n
	calls=$(conn_calls "$2" "$3")
	n=$(wc -l <<<"$calls")
	head=$(head -n "$(wc -w <<<"$5")" <<<"$calls" | tr '\n' ' ' | sed 's/ $//')
	[ "$head" = "$5" ] || fail "$1: the connection began with '$head', not '$5'" "$2"
	grep -qx fcntl <<<"$calls" && fail "$1: fcntl (the O_NONBLOCK dance) in the connection" "$2"
	awk -v n="$3" '$2 ~ /^socket\(AF_INET/ { k++ } k == n && /SO_TYPE/ { f = 1 } END { exit !f }' "$2" &&
		fail "$1: getsockopt(SO_TYPE) in the connection" "$2"
	[ "$n" -le "$4" ] || fail "$1: $n system calls, more than $4: $(tr '\n' ' ' <<<"$calls")" "$2"
	pass "$1: $n system calls ($(tr '\n' ' ' <<<"$calls" | sed 's/ $//'))"
}
# The SOCKS6 budget: 10 (9 when the target's first bytes came with the
# replies), plus a poll and a recv for each reply segment that arrived
# alone (the server sends its Authentication Reply before it has connected
# to the target).
s6_budget()
{
	local polls
	polls=$(conn_calls "$1" "$2" | grep -c '^poll$')
	echo $((10 + 2 * (polls > 1 ? polls - 1 : 0)))
}
if command -v strace >/dev/null; then
	# (LeakSanitizer cannot run under ptrace: s6_wrapped_env turns it off.)
	run hint ip netns exec "$NS_A" env "${s6_wrapped_env[@]}" strace -f -o "$S6_TMP/hint.strace" \
		"$S6_BIN" -q -p "$PROXY" "$TT" -n 2 $B 9000
	expect_rc 0 "two blocking connections"
	awk '/connect\(.*htons\(1080\)/ { n++ } n == 2' "$S6_TMP/hint.strace" >"$S6_TMP/second.strace"
	grep -qE 'connect\(.*htons\(1080\).* = 0$' "$S6_TMP/second.strace" ||
		fail "the second connect() did not return 0 at once" "$S6_TMP/hint.strace"
	[ "$(grep -cE 'TCP_SYNCNT, \[[0-9]+\]' "$S6_TMP/hint.strace")" = 2 ] ||
		fail "not one TCP_SYNCNT before each direct connect()" "$S6_TMP/hint.strace"
	grep -q 'F_SETFL' "$S6_TMP/hint.strace" && fail "a connection still sets O_NONBLOCK" "$S6_TMP/hint.strace"
	pass "blocking SOCKS6 connect: connect() directly, returns 0 at once, no O_NONBLOCK dance"
	grep -qE 'TCP_INFO, "\\2"' "$S6_TMP/hint.strace" ||
		fail "the first connect() did not find its SYN deferred (TCP_INFO: SYN-SENT)" "$S6_TMP/hint.strace"
	grep -q 'TCP_INFO' "$S6_TMP/second.strace" &&
		fail "the second connect() asked TCP_INFO despite a fresh hint" "$S6_TMP/hint.strace"
	pass "deferred SYN: asked once (TCP_INFO), then the hint serves"
	# The first connection also starts the process's driver thread and
	# opens the session store: its head only.
	calls_ok "SOCKS6, first connection (with the shim's start-up)" "$S6_TMP/hint.strace" 1 999 \
		"socket setsockopt setsockopt connect getsockopt"

	# The benchmark's case, without the delay line (connections a few
	# microseconds apart, so the driver thread is not woken for each): a
	# proxy with a token window, so the program's first write rides in
	# the SYN. Connection 1 is cold, 2 learns that its SYN was deferred,
	# 3 and 4 trust the hint.
	start_server --ns "$NS_B" --name srvtok --socks6 "$B:1082" --token-window 64
	run s6calls ip netns exec "$NS_B" env "${s6_wrapped_env[@]}" strace -f -o "$S6_TMP/s6.strace" \
		"$S6_BIN" -q -p "socks6://$B:1082" "$TT" -n 4 $B 9000
	expect_rc 0 "four blocking SOCKS6 connections"
	for i in 3 4; do
		calls_ok "SOCKS6, connection $i" "$S6_TMP/s6.strace" $i "$(s6_budget "$S6_TMP/s6.strace" $i)" \
			"socket setsockopt setsockopt connect sendto poll recvfrom"
	done

	run s4calls ip netns exec "$NS_B" env "${s6_wrapped_env[@]}" strace -f -o "$S6_TMP/s4.strace" \
		"$S6_BIN" -q -p "socks4a://$B:1081" "$TT" -n 3 $B 9000
	expect_rc 0 "three blocking SOCKS4a connections"
	for i in 2 3; do
		calls_ok "SOCKS4a, connection $i" "$S6_TMP/s4.strace" $i 10 \
			"socket setsockopt connect sendto poll recvfrom write"
	done
	grep -qE 'connect\(.*htons\(1081\).* = 0$' "$S6_TMP/s4.strace" &&
		grep -qE 'setsockopt\(3, SOL_TCP, TCP_SYNCNT' "$S6_TMP/s4.strace" ||
		fail "SOCKS4a: no blocking connect() bounded by TCP_SYNCNT" "$S6_TMP/s4.strace"
	pass "SOCKS4a: blocking connect() to the proxy bounded by TCP_SYNCNT"
fi

# stale.py HOST PORT FLAG: connect once (hint set), wait for FLAG to appear,
# connect again and print how it ended and how long it took.
cat >"$S6_TMP/stale.py" <<'PY'
import os, socket, sys, time
host, port, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port))
s.sendall(b"GET /h HTTP/1.0\r\n\r\n")
s.recv(100)
s.close()
print("hinted", flush=True)
for i in range(200):
    if os.path.exists(flag):
        break
    time.sleep(0.05)
t = time.monotonic()
try:
    s = socket.socket()
    s.connect((host, port))
    s.sendall(b"GET /s HTTP/1.0\r\n\r\n")
    r = s.recv(100)
    print("connected %r" % r, flush=True)
except OSError as e:
    print("error %s after %.1f s" % (e.__class__.__name__, time.monotonic() - t), flush=True)
PY
printf 'proxy %s\nconnect-timeout 3.5\n' "$PROXY" >"$S6_TMP/stale.conf"
chmod 600 "$S6_TMP/stale.conf"
bg_start stale --ns "$NS_A" env "${s6_wrapped_env[@]}" timeout 30 "$S6_BIN" -f "$S6_TMP/stale.conf" "$S6_PYTHON" \
	"$S6_TMP/stale.py" $B 9000 "$S6_TMP/flag"
wait_for_log '^hinted' "$S6_TMP/stale.out" 10 || fail "the first connection failed" "$S6_TMP/stale.out" "$S6_TMP/stale.err"
# The cookie goes, and the proxy's address no longer answers: SYNs vanish.
ip -n "$NS_A" tcp_metrics flush all && ip -n "$NS_B" addr del $B peer $A dev s6f1 ||
	fail "cannot make the proxy unreachable"
touch "$S6_TMP/flag"
wait_for_log '^(error|connected)' "$S6_TMP/stale.out" 20 ||
	fail "the stale-hint connect did not end within 20 s" "$S6_TMP/stale.out" "$S6_TMP/stale.err"
line=$(grep -E '^(error|connected)' "$S6_TMP/stale.out")
awk '$1 == "error" && $4 + 0 <= 3.45 { ok = 1 } END { exit !ok }' <<<"$line" ||
	fail "stale hint, unreachable proxy: '$line' (expected an error within 3 s + slack)" "$S6_TMP/stale.err"
pass "stale hint, unreachable proxy: $line (bound 3 s for connect-timeout 3.5)"
ip -n "$NS_B" addr add $B peer $A dev s6f1 || fail "cannot restore the proxy address"

# ---- replies one byte per segment, read in small pieces.
cat >"$S6_TMP/dribble.py" <<'PY'
import socket, struct, sys, threading, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(16)
print("dribble ready", file=sys.stderr, flush=True)
def exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b
def serve(c):
    c.settimeout(10)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        ver, cmd, optlen, port, _, atyp = struct.unpack("!BBHHBB", exact(c, 8))
        exact(c, {1: 4, 4: 16}.get(atyp) or exact(c, 1)[0])
        opts = exact(c, optlen)
        idl, i = 0, 0
        while i + 4 <= len(opts):
            kind, ln = struct.unpack_from("!HH", opts, i)
            if kind == 3:
                idl = struct.unpack_from("!H", opts, i + 4)[0]
            i += max(ln, 4)
        idata = exact(c, idl) if idl else b""
        rep = struct.pack("!BBH", 6, 0, 0) + struct.pack("!BBHHBB", 6, 0, 0, 0, 0, 1) + b"\0" * 4
        for b in rep:
            c.send(bytes([b]))
            time.sleep(0.01)
        c.send(b"BANNER-0123456789\n" + idata)
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d)
    except (EOFError, OSError):
        pass
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg_start dribble --ns "$NS_B" "$S6_PYTHON" -u "$S6_TMP/dribble.py" $B 1090
wait_for_log 'dribble ready' "$S6_TMP/dribble.err" 10 || fail "the dribbling proxy did not start"

# small.py HOST PORT MODE: read-first; MODE 1, 5 (buffer size), fionbio
# (non-blocking after connect) or peek (MSG_PEEK first); prints the banner.
cat >"$S6_TMP/small.py" <<'PY'
import select, socket, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port))
want = b"BANNER-0123456789\n"
got = b""
if mode == "peek":
    p = s.recv(100, socket.MSG_PEEK)
    print("peeked %s" % p[:7].decode("ascii", "replace"), flush=True)
if mode == "fionbio":
    s.setblocking(False)  # ioctl(FIONBIO)
    try:
        s.recv(100)
        print("nonblocking recv returned at once with data", flush=True)
    except BlockingIOError:
        print("nonblocking recv: EAGAIN", flush=True)
n = int(mode) if mode.isdigit() else 100
while len(got) < len(want):
    if mode == "fionbio":
        select.select([s], [], [], 5)
        try:
            d = s.recv(n)
        except BlockingIOError:
            continue
    else:
        d = s.recv(n)
    if not d:
        break
    assert len(d) <= n
    got += d
print("banner %s" % got.decode("ascii", "replace").strip(), flush=True)
s.setblocking(True)
s.sendall(b"echo!")
print("echo %s" % s.recv(100).decode(), flush=True)
PY
for mode in 1 5 fionbio peek; do
	run "small-$mode" s6 --ns "$NS_A" -p "socks6://$B:1090" "$S6_PYTHON" "$S6_TMP/small.py" $B 9 "$mode"
	expect_rc 0 "dribbled replies, $mode: the program ran"
	expect_out '^banner BANNER-0123456789$' "dribbled replies, $mode: the program's bytes, none of the replies"
	expect_out '^echo echo!$' "dribbled replies, $mode: the connection carries data both ways"
done
grep -q '^nonblocking recv: EAGAIN$' "$S6_TMP/small-fionbio.out" ||
	fail "FIONBIO after connect: the first recv did not return EAGAIN" "$S6_TMP/small-fionbio.out"
pass "FIONBIO after connect: recv answers EAGAIN while the replies are outstanding"
grep -q '^peeked BANNER-$' "$S6_TMP/small-peek.out" ||
	fail "MSG_PEEK first: did not see the banner" "$S6_TMP/small-peek.out"
pass "MSG_PEEK first: the peek sees the program's bytes, not the replies"
finish

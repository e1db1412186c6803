#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SOCKS6 in one round trip (optimistic connect, TCP Fast Open toward the
# proxy, initial data), in the namespaces with TFO enabled everywhere:
# - a warm request (second connection of a process: TFO cookie and session
#   with tokens cached) leaves in the SYN: the server logs syn=data with the
#   initial data length and a spent token, and the proxy's own SYN to the
#   target already carries the program's first bytes, i.e. they reach the
#   target before the proxy sends the Operation Reply;
# - tfo-proxy never: no data in any SYN; socks6-optimistic no: the old path;
# - every wait mechanism (block, poll, select, epoll after and before
#   connect, edge-triggered), writing first and reading first (a server
#   that sends a banner);
# - a failure reply after an optimistic connect: ECONNREFUSED on the next
#   read, write or SO_ERROR, POLLERR|POLLHUP from poll, one log line.
. "$(dirname "$0")/lib.sh"

PROBE=$S6_BUILDDIR/tests/integration/s6_probe
require_built "$S6_BIN" "$S6_SERVER_BIN" "$PROBE"
[ -x "$S6_PYTHON" ] || skip "needs python3"
FAKE=$S6_SRCDIR/tests/integration/fake_socks6.py
netns_setup
for ns in "$NS_C" "$NS_P" "$NS_W"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fastopen=3 ||
		skip "cannot enable TCP Fast Open in the namespaces"
done

# target.py PORT [banner]: a TFO-enabled HTTP-ish server that logs, per
# connection, whether the SYN carried data ("conn syn=data first=...").
cat >"$S6_TMP/target.py" <<'PY'
import socket, sys, threading
port, banner = int(sys.argv[1]), len(sys.argv) > 2
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
l.bind(("0.0.0.0", port))
l.listen(64)
print("target ready", file=sys.stderr, flush=True)
def serve(c):
    info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    syn = "data" if info[5] & 32 else "plain"   # tcpi_options & TCPI_OPT_SYN_DATA
    c.settimeout(10)
    if banner:
        c.sendall(b"220 s6banner ready\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    first = data[:14].decode("ascii", "replace").replace("\r\n", "|")
    print("conn syn=%s first=%s" % (syn, first), flush=True)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg_start target --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/target.py" 9000
wait_for_log 'target ready' "$S6_TMP/target.err" 10 || fail "target did not start"
bg_start banner --ns "$NS_W" "$S6_PYTHON" -u "$S6_TMP/target.py" 9001 banner
wait_for_log 'target ready' "$S6_TMP/banner.err" 10 || fail "banner server did not start"

start_server --ns "$NS_P" --name srv --socks6 "$P_ADDR:1080"
SRV_LOG=$S6_SERVER_LOG
PROXY=socks6://$P_ADDR:1080

# twice.py HOST PORT: two blocking GETs from one process, writing first.
cat >"$S6_TMP/twice.py" <<'PY'
import socket, sys
for i in range(2):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    s.sendall(b"GET /%d HTTP/1.0\r\n\r\n" % i)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print("got %d %s" % (i, data.split(b"\r\n")[0].decode()), flush=True)
    s.close()
PY

# sniff.py IFACE PORT: the payload length of every TCP segment sent to PORT,
# per source port, as "seg SPORT LEN" lines (AF_PACKET, so it sees what the
# client put on the wire, segment by segment).
cat >"$S6_TMP/sniff.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
port = int(sys.argv[2])
print("sniffer ready", file=sys.stderr, flush=True)
while True:
    f = s.recv(65535)
    ip = f[14:]
    if len(ip) < 20 or ip[9] != 6:
        continue
    ihl = (ip[0] & 15) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:]
    sport, dport = struct.unpack("!HH", tcp[:4])
    doff = (tcp[12] >> 4) * 4
    n = total - ihl - doff
    if dport == port and n > 0:
        print("seg %d %d" % (sport, n), flush=True)
PY
bg_start sniff --ns "$NS_P" "$S6_PYTHON" -u "$S6_TMP/sniff.py" vp0 1080
wait_for_log 'sniffer ready' "$S6_TMP/sniff.err" 10 || fail "the sniffer did not start"

# ---- a warm request: Request and initial data in the SYN
run warm s6 --ns "$NS_C" -v -p "$PROXY" "$S6_PYTHON" "$S6_TMP/twice.py" "$W_ADDR" 9000
expect_rc 0 "two write-first GETs"
[ "$(grep -c '^got [01] HTTP/1.0 200 OK$' "$S6_TMP/warm.out")" = 2 ] ||
	fail_last "both GETs should be answered"
expect_err 'socks6: token [0-9]+ spent' "the warm request spends a token (initial data in a TFO SYN)"
line=$(grep "CONNECT $W_ADDR:9000 " "$SRV_LOG" | tail -n 1)
grep -qE "token=[0-9]+/accepted .* idata=19 syn=data opts=tfo reply=0 " <<<"$line" ||
	fail "warm request: the server did not log syn=data with idata=19: $line" "$SRV_LOG"
pass "server: the warm Request arrived in the SYN with 19 bytes of initial data"
grep -q '^conn syn=data first=GET /1 HTTP/1' "$S6_TMP/target.out" ||
	fail "the target did not get the initial data in the proxy's SYN" "$S6_TMP/target.out"
pass "target: the proxy's SYN carried the initial data (before the Operation Reply)"

# The first connection of that run was cold (no TFO cookie yet, no session):
# no SYN could carry data, so the Request and the program's first bytes must
# leave in one segment right after the TCP handshake; two sends would let
# Nagle hold the bytes back for a round trip.
line=$(grep "CONNECT $W_ADDR:9000 " "$SRV_LOG" | head -n 1)
grep -qE "session=new .* idata=19 syn=plain " <<<"$line" ||
	fail "cold request: no initial data in the Request: $line" "$SRV_LOG"
sport=$(awk 'NR == 1 {print $2}' "$S6_TMP/sniff.out")
segs=$(awk -v p="$sport" '$2 == p {printf "%s ", $3}' "$S6_TMP/sniff.out")
[ -n "$sport" ] && [ "$(wc -w <<<"$segs")" = 1 ] ||
	fail "cold request: the client sent the Request and its first bytes in segments of $segs bytes" "$S6_TMP/sniff.out"
pass "cold request: Request and the program's first write in one segment ($segs bytes)"

# ---- tfo-proxy never, socks6-optimistic no
printf 'proxy %s\ntfo-proxy never\n' "$PROXY" >"$S6_TMP/never.conf"
run never s6 --ns "$NS_C" -f "$S6_TMP/never.conf" "$S6_PYTHON" "$S6_TMP/twice.py" "$W_ADDR" 9000
expect_rc 0 "tfo-proxy never: both GETs"
[ "$(grep -c "CONNECT $W_ADDR:9000 .* syn=data" "$SRV_LOG")" = 1 ] ||
	fail "tfo-proxy never: a SYN carried data" "$SRV_LOG"
pass "tfo-proxy never: no SYN carries data"
printf 'proxy %s\nsocks6-optimistic no\n' "$PROXY" >"$S6_TMP/pess.conf"
run pess s6 --ns "$NS_C" -f "$S6_TMP/pess.conf" "$S6_PYTHON" "$S6_TMP/twice.py" "$W_ADDR" 9000
expect_rc 0 "socks6-optimistic no: both GETs"
[ "$(grep "CONNECT $W_ADDR:9000 " "$SRV_LOG" | tail -n 2 | grep -c 'idata=0 syn=plain')" = 2 ] ||
	fail "socks6-optimistic no: a request carried initial data or TFO" "$SRV_LOG"
pass "socks6-optimistic no: no initial data, no TFO"

# ---- every wait mechanism, writing first and reading first
for mode in block poll select epoll epoll-before epoll-et; do
	run "w-$mode" s6 --ns "$NS_C" -p "$PROXY" "$PROBE" "$mode" "$W_ADDR" 9000
	[ "$RC" = 0 ] && grep -q '^HTTP/1.0 200 OK' <<<"$OUT" ||
		fail_last "$mode, write first: no response"
	pass "$mode, write first: response"
	run "r-$mode" s6 --ns "$NS_C" -p "$PROXY" "$PROBE" -r "$mode" "$W_ADDR" 9001
	[ "$RC" = 0 ] && grep -q '^banner 220 s6banner ready$' <<<"$OUT" &&
		grep -q '^HTTP/1.0 200 OK' <<<"$OUT" || fail_last "$mode, read first: no banner or response"
	pass "$mode, read first: banner, then response"
done
[ "$(grep -c "CONNECT $W_ADDR:9001 .* idata=0 " "$SRV_LOG")" = 6 ] ||
	fail "read-first requests should carry no initial data" "$SRV_LOG"
pass "read first: the Request went alone (idata=0)"
[ "$(grep -c "CONNECT $W_ADDR:9000 .* idata=[1-9]" "$SRV_LOG")" -ge 8 ] ||
	fail "write-first requests should carry initial data" "$SRV_LOG"
pass "write first: the first write went as initial data"

# ---- write and close at once: the bytes still reach the target
cat >"$S6_TMP/close.py" <<'PY'
import select, socket, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode == "block":
    s = socket.create_connection((host, port))
else:
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, port))
    select.select([], [s], [], 10)
s.send(b"BYE-%s HTTP\r\n\r\n" % mode.encode())
s.close()
print("closed", flush=True)
PY
for mode in block nonblock; do
	run "close-$mode" s6 --ns "$NS_C" -p "$PROXY" "$S6_PYTHON" "$S6_TMP/close.py" "$W_ADDR" 9000 $mode
	expect_out '^closed$' "$mode: write and close"
	wait_for_log "first=BYE-$mode " "$S6_TMP/target.out" 5 ||
		fail "$mode: the bytes written just before close() were lost" "$S6_TMP/target.out"
	pass "$mode: bytes written just before close() reach the target"
done

# ---- a failure reply after an optimistic connect
bg_start fake --ns "$NS_P" "$S6_PYTHON" "$FAKE" --listen "$P_ADDR:2005" --reply-code 5
wait_for_log 'listening fake-socks6' "$S6_TMP/fake.err" 10 || fail "fake proxy did not start"
cat >"$S6_TMP/refused.py" <<'PY'
import errno, select, socket, sys, time
def name(e):
    return errno.errorcode.get(e, str(e))
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("connected", flush=True)
how = sys.argv[3]
try:
    if how == "read":
        s.recv(100)
    elif how == "write":
        # Taken as initial data, unless the driver's safety net sent the
        # Request already and the refusal is in: then it fails at once.
        s.send(b"first bytes\n")
        print("first write taken", flush=True)
        time.sleep(0.5)
        s.send(b"more\n")
    else:
        time.sleep(0.5)   # the safety net sends the Request, the reply comes
        if how == "soerror":
            print("so_error=" + name(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)), flush=True)
            s.send(b"more\n")
        else:
            p = select.poll()
            p.register(s, select.POLLIN)
            ev = p.poll(5000)[0][1]
            print("poll err=%d hup=%d" % (bool(ev & select.POLLERR), bool(ev & select.POLLHUP)), flush=True)
            s.recv(100)
    print("no error", flush=True)
except OSError as e:
    print("errno=" + name(e.errno), flush=True)
PY
for how in read write soerror poll; do
	run "refused-$how" s6 --ns "$NS_C" -p "socks6://$P_ADDR:2005" "$S6_PYTHON" \
		"$S6_TMP/refused.py" "$W_ADDR" 9000 "$how"
	expect_out '^connected$' "reply 5, $how: connect() returned at once"
	[ "$(grep -c "target $W_ADDR:9000: .*reply 5" "$S6_TMP/refused-$how.err")" = 1 ] ||
		fail_last "reply 5, $how: not exactly one log line"
done
grep -q '^errno=ECONNREFUSED$' "$S6_TMP/refused-read.out" ||
	fail "read first: no ECONNREFUSED" "$S6_TMP/refused-read.out"
pass "reply 5, read first: the read fails with ECONNREFUSED"
grep -q '^errno=ECONNREFUSED$' "$S6_TMP/refused-write.out" ||
	fail "write: no ECONNREFUSED" "$S6_TMP/refused-write.out"
pass "reply 5, writing: a write fails with ECONNREFUSED"
# Once: the write after it meets a socket that is no longer connected.
grep -q '^so_error=ECONNREFUSED$' "$S6_TMP/refused-soerror.out" &&
	grep -qE '^errno=(EPIPE|ECONNRESET|ENOTCONN)$' "$S6_TMP/refused-soerror.out" ||
	fail "SO_ERROR: not ECONNREFUSED exactly once" "$S6_TMP/refused-soerror.out"
pass "reply 5: SO_ERROR gives ECONNREFUSED, once"
grep -q '^poll err=1 hup=1$' "$S6_TMP/refused-poll.out" &&
	grep -q '^errno=ECONNREFUSED$' "$S6_TMP/refused-poll.out" ||
	fail "poll: no POLLERR|POLLHUP then ECONNREFUSED" "$S6_TMP/refused-poll.out"
pass "reply 5: poll reports POLLERR|POLLHUP, then recv fails with ECONNREFUSED"
expect_no_dns_leak
finish

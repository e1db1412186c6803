#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interception gaps, in the isolated client namespace, through SOCKS4a and
# SOCKS6: syscall(SYS_connect) / SYS_sendto / SYS_sendmsg go through the shim
# (s6_rawsys); dup, dup2, fcntl(F_DUPFD_CLOEXEC) copies of a proxied socket
# answer getpeername with the destination and survive the original's close;
# getsockname answers in the socket's own family, also when the shim had to
# replace an IPV6_V6ONLY socket by an IPv4 one to reach an IPv4 proxy.
. "$(dirname "$0")/lib.sh"

RAWSYS=$S6_BUILDDIR/tests/integration/s6_rawsys
require_built "$S6_BIN" "$S6_SERVER_BIN" "$RAWSYS"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup
start_server --ns "$NS_P" --name s4 --socks4a "$P_ADDR:1080"
start_server --ns "$NS_P" --name s6 --socks6 "$P_ADDR:1086"

cat >"$S6_TMP/dup.py" <<'PYEOF'
import fcntl, os, socket, sys
name, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
def report(check, good, detail=""):
    print("%s %s %s" % ("ok" if good else "not ok", check, detail), flush=True)

def fetch_start(s):
    s.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % name).encode())
    return s.recv(1)   # the proxy's replies are in: the connection is established

def read_all(s, data):
    for _ in range(1000):
        d = s.recv(65536)
        if not d:
            break
        data += d
    return data

# dup, os.dup (F_DUPFD_CLOEXEC), fcntl(F_DUPFD), dup2: every copy names the
# destination; the original's close does not make the copies forget it.
s = socket.create_connection((name, port), timeout=10)
dest = s.getpeername()
first = fetch_start(s)
d = s.dup()
fd2 = os.dup(s.fileno())
fd3 = fcntl.fcntl(s.fileno(), fcntl.F_DUPFD, 200)
fd4 = os.dup2(s.fileno(), 220)
copies = [d, socket.socket(fileno=fd2), socket.socket(fileno=fd3), socket.socket(fileno=fd4)]
peers = [c.getpeername() for c in copies]
report("dup_peer", all(p == dest for p in peers), "dest %r copies %r" % (dest, peers))
s.close()
peers = [c.getpeername() for c in copies]
report("dup_after_close", all(p == dest for p in peers), "%r" % (peers,))
data = read_all(copies[0], first)
report("dup_reads", token in data, "%d bytes" % len(data))
copies[0].close()
report("dup_last_copy", copies[3].getpeername() == dest, "%r" % (copies[3].getpeername(),))
for c in copies[1:]:
    c.close()

# getsockname: the socket's family, whatever the shim did underneath.
def sockname(fam, v6only):
    ai = socket.getaddrinfo(name, port, fam, socket.SOCK_STREAM)[0]
    s = socket.socket(fam, socket.SOCK_STREAM)
    if v6only:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.settimeout(10)
    s.connect(ai[4])
    fetch_start(s)
    me, peer = s.getsockname(), s.getpeername()
    data = read_all(s, b"")
    s.close()
    return me, peer, ai[4], token in data

me, peer, want, ok = sockname(socket.AF_INET, False)
report("sockname4", len(me) == 2 and me[1] > 0 and peer == want and ok, "%r %r" % (me, peer))
for v6only in (False, True):
    me, peer, want, ok = sockname(socket.AF_INET6, v6only)
    good = len(me) == 4 and me[0].startswith("::ffff:") and me[1] > 0 and peer == want and ok
    report("sockname6%s" % ("_v6only" if v6only else ""), good, "%r %r" % (me, peer))
print("done", flush=True)
PYEOF

CHECKS="dup_peer dup_after_close dup_reads dup_last_copy sockname4 sockname6 sockname6_v6only"
for proxy in socks4a://$P_ADDR:1080 socks6://$P_ADDR:1086; do
	scheme=${proxy%%:*}

	run "raw-$scheme" s6 --ns "$NS_C" -p "$proxy" "$RAWSYS" tcp "$W_NAME" "$W_PORT"
	expect_rc 0 "$scheme: s6_rawsys tcp exits 0"
	expect_out '^passthru ok$' "$scheme: other syscall numbers pass through with -1/errno"
	expect_out '^connect ok peer=dest$' "$scheme: syscall(SYS_connect) by name connects, getpeername is the destination"
	expect_out "$TOKEN" "$scheme: the page sent with syscall(SYS_sendto) comes back"

	# SOCKS4 carries no datagrams: fail closed (SOCKS6 may relay them).
	if [ "$scheme" = socks4a ]; then
		run "udp-$scheme" s6 --ns "$NS_C" -p "$proxy" "$RAWSYS" udp "$P_ADDR" 53
		expect_out '^udp sendto=13 sendmsg=13$' \
			"$scheme: UDP with syscall(SYS_sendto/SYS_sendmsg) is refused with EACCES"
	fi

	run "dup-$scheme" s6 --ns "$NS_C" -p "$proxy" "$S6_PYTHON" "$S6_TMP/dup.py" \
		"$W_NAME" "$W_PORT" "$TOKEN"
	expect_out '^done$' "$scheme: the Python dup/getsockname checks ran to the end"
	for c in $CHECKS; do
		line=$(grep -E "^(not )?ok $c( |$)" "$S6_TMP/dup-$scheme.out")
		case $line in
		"ok $c"*) pass "$scheme: python: $line" ;;
		"") fail_last "$scheme: python: check $c did not report" ;;
		*) fail_last "$scheme: python: $line" ;;
		esac
	done
done

n=$(grep -cE "$W_NAME:$W_PORT" "$S6_TMP"/s4.err "$S6_TMP"/s6.err | awk -F: '{ s += $2 } END { print s }')
[ "$n" -ge 10 ] || fail "the servers logged $n requests for $W_NAME, expected at least 10"
pass "the servers logged the requests by name ($n)"
[ "$(grep -c 'GET / ' "$S6_TMP/web.err")" = "$(grep -c "^$P_ADDR_W .*GET / " "$S6_TMP/web.err")" ] ||
	fail "the web server saw a request not coming from the proxy"
pass "the web server saw requests from the proxy only"
expect_no_dns_leak "no DNS packet reached the recorder"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server --connect-ip (and --connect-ip-tls) driven by a python3
# client that builds its IP packets by hand (cip_client.py), inside a
# namespace with only loopback: the 101 and its headers, Proxy-Status with
# next-hop and next-hop-aliases from a --cname table, ADDRESS_ASSIGN and
# ROUTE_ADVERTISEMENT, ADDRESS_REQUEST, UDP echo over IPv4 and IPv6 and
# ICMP echo through slirp, a handmade TCP handshake and data, packets
# outside the routes / too big / spoofed / with TTL 0 refused with the
# ICMP or ICMPv6 error RFC 9484 section 8 suggests (rate-limited, never
# about an ICMP error), hop limits, draft-00 mode, 400 and 407 refusals, garbage
# capsules closing the tunnel with one log line, descriptors stable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

require_built "$S6_SERVER_BIN"
require_cmd timeout openssl
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_loopback
# ICMP echo leaves through an unprivileged ping socket.
ip netns exec "$NS_L" sh -c 'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range' ||
	fail "cannot set ping_group_range"

CLIENT=$S6_SRCDIR/tests/integration/cip_client.py
ECHO=7777
# UDP echo on 127.0.0.1 and ::1, TCP echo on 127.0.0.1, all on port ECHO.
cat >"$S6_TMP/echo.py" <<'PY'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for fam, addr in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, int(sys.argv[1])))
    sel.register(s, selectors.EVENT_READ)
l = socket.socket()
l.bind(('127.0.0.1', int(sys.argv[1])))
l.listen(8)
sel.register(l, selectors.EVENT_READ)
print('echo ready', flush=True)
while True:
    for k, _ in sel.select():
        s = k.fileobj
        if s is l:
            c, _ = l.accept()
            sel.register(c, selectors.EVENT_READ)
        elif s.type == socket.SOCK_STREAM:
            d = s.recv(65536)
            if d:
                s.sendall(d)
            else:
                sel.unregister(s)
                s.close()
        else:
            d, a = s.recvfrom(65535)
            s.sendto(d, a)
PY
bg_start echo --ns "$NS_L" "$S6_PYTHON" "$S6_TMP/echo.py" "$ECHO"
wait_for_log 'echo ready' "$S6_TMP/echo.out" 10 || fail "the UDP echo server did not start"

# cip NAME SCENARIO ARGS...: one client scenario in the namespace.
cip()
{
	local name=$1
	shift
	run "$name" ip netns exec "$NS_L" env ${CIP_TLS_CA:+CIP_TLS_CA=$CIP_TLS_CA} \
		timeout 60 "$S6_PYTHON" "$CLIENT" "$@"
	[ "$RC" = 0 ] || fail_last "scenario $*"
	pass "$name: $(grep -c '^ok ' "$S6_TMP/$name.out") checks"
}

start_server --ns "$NS_L" --connect-ip 127.0.0.1:0 -v \
	--cname app.test=tracker.test --cname tracker.test=localhost
P=$S6_SERVER_PORT
fds() { ls "/proc/$S6_SERVER_PID/fd" | wc -l; }
cip warmup refusals "$P"
FD0=$(fds)

cip basic basic "$P" "$ECHO"
cip scoped scoped "$P" "$ECHO"
grep -q 'connect-ip packet dropped: destination outside the advertised routes' "$S6_SERVER_LOG" ||
	fail "no log line for the packet outside the routes" "$S6_SERVER_LOG"
pass "the refused packet is logged"
cip tcp tcp "$P" "$ECHO"
cip cname cname "$P"
cip refusals refusals "$P"
cip draft00 draft00 "$P" "$ECHO"
for g in request0 truncated assign; do
	cip "garbage-$g" garbage "$P" "$g"
done
n=$(grep -c 'connect-ip tunnel closed:' "$S6_SERVER_LOG")
[ "$n" = 3 ] || fail "garbage: $n 'tunnel closed' lines, 3 expected" "$S6_SERVER_LOG"
pass "each garbage capsule: one log line"
for _ in $(seq 50); do [ "$(fds)" = "$FD0" ] && break; sleep 0.1; done
[ "$(fds)" = "$FD0" ] || fail "descriptors: $FD0 before, $(fds) after" "$S6_SERVER_LOG"
pass "descriptors back to $FD0 after every tunnel closed"
bg_stop "$S6_SERVER_PID"

# ---- users: 407 without or with wrong credentials
start_server --ns "$NS_L" --name server-auth --connect-ip 127.0.0.1:0 --user alice:secret
cip auth auth "$S6_SERVER_PORT"
bg_stop "$S6_SERVER_PID"

# ---- --connect-ip-draft00 forces draft-00 even with Capsule-Protocol
start_server --ns "$NS_L" --name server-d00 --connect-ip 127.0.0.1:0 --connect-ip-draft00
run d00opt ip netns exec "$NS_L" timeout 20 "$S6_PYTHON" -c "
import sys; sys.path.insert(0, '$S6_SRCDIR/tests/integration')
import cip_client as c
t = c.Tunnel($S6_SERVER_PORT, c.DEF % ('*', '*'))
t.mode = c.D00
c.check(t.status == 101 and 'capsule-protocol' not in t.headers, 'forced draft-00 answer')
c.check(t.wait('assign') is not None, 'draft-00 ADDRESS_ASSIGN codepoint')
"
[ "$RC" = 0 ] || fail_last "--connect-ip-draft00"
pass "--connect-ip-draft00 answers in draft-00"
bg_stop "$S6_SERVER_PID"

# ---- over TLS
PKI=$S6_TMP/pki
tls_make_pki "$PKI" || fail "cannot make the test certificates"
chmod 600 "$PKI/server.key"
start_server --ns "$NS_L" --name server-tls --connect-ip-tls 127.0.0.1:0 \
	--cert "$PKI/server.pem" --key "$PKI/server.key"
CIP_TLS_CA=$PKI/ca.pem cip tls tls "$S6_SERVER_PORT" "$ECHO"
bg_stop "$S6_SERVER_PID"

run badpool timeout 10 "$S6_SERVER_BIN" --connect-ip 127.0.0.1:0 --connect-ip-pool 10.0.0.0/30
expect_rc 2 "a pool too small: exit 2"
run badcname timeout 10 "$S6_SERVER_BIN" --connect-ip 127.0.0.1:0 --cname nothing
expect_rc 2 "--cname without '=': exit 2"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server --socks6, driven by s6_tool from the client namespace
# (which reaches only the proxy): NOOP; CONNECT by address and by name with
# no authentication, 0-RTT and slow-path username/password, a wrong
# password; sessions (new, reuse, teardown, then invalid); an idempotence
# window, a token spent and the same token again; initial data; stack
# options echoed; the version mismatch reply; BIND with a peer in the web
# namespace; UDP ASSOCIATE to an echo server over UDP and over the stream,
# with a 60000-byte datagram. Each request's log line is checked too.
. "$(dirname "$0")/lib.sh"

TOOL=$S6_BUILDDIR/tests/integration/s6_tool
require_built "$S6_SERVER_BIN" "$TOOL"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup

OPEN_PORT=1080    # no users: authentication "none"
AUTH_PORT=1081    # users alice (--user) and bob (--users FILE)
UDP_PORT=7007     # UDP echo server in the web namespace
printf '# test users\n\nbob:hunter2\n' >"$S6_TMP/users"
chmod 600 "$S6_TMP/users"
start_server --ns "$NS_P" --name open -v --socks6 "$P_ADDR:$OPEN_PORT" --token-window 8
OPEN_LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name auth -v --socks6 "$P_ADDR:$AUTH_PORT" \
	--user alice:secret --users "$S6_TMP/users" --token-window 8
AUTH_LOG=$S6_SERVER_LOG
[ "$S6_SERVER_PORT" = $AUTH_PORT ] || fail "start_server picked port $S6_SERVER_PORT"
pass "two SOCKS6 servers listening (start_server sees the socks6 listener)"

GET='GET / HTTP/1.0\r\nHost: web.s6test\r\n\r\n'
# tool NAME PORT ARGS...: s6_tool in the client namespace against PORT.
tool() {
	local name=$1 port=$2
	shift 2
	run "$name" ip netns exec "$NS_C" timeout 30 "$TOOL" --proxy "$P_ADDR:$port" \
		--timeout 10000 "$@"
}
# expect_log LOG REGEX WHAT: the server logged a line matching REGEX.
expect_log() {
	wait_for_log "$2" "$1" 5 || fail "$3: server log lacks /$2/" "$1"
	pass "$3"
}
C="$C_ADDR:[0-9]+"

# ---- NOOP and CONNECT without authentication
tool noop $OPEN_PORT noop
expect_rc 0 "NOOP succeeds"
expect_out '^reply=0$' "NOOP: reply 0"
expect_log "$OPEN_LOG" "socks6 $C NOOP [^ ]+ auth=none user=- session=- .*reply=0 " "NOOP logged"

tool v4 $OPEN_PORT --send "$GET" connect "$W_ADDR" "$W_PORT"
expect_rc 0 "CONNECT to an IPv4 address"
expect_out "$TOKEN" "CONNECT by address: the page arrives"
expect_log "$OPEN_LOG" "socks6 $C CONNECT $W_ADDR:$W_PORT auth=none user=- session=- token=- window=- idata=0 syn=plain opts=- reply=0 " \
	"CONNECT by address logged with every field"

tool name $OPEN_PORT --send "$GET" connect "$W_NAME" "$W_PORT"
expect_rc 0 "CONNECT to a name"
expect_out "$TOKEN" "CONNECT by name: the page arrives"
expect_log "$OPEN_LOG" "socks6 $C CONNECT $W_NAME:$W_PORT auth=none .*reply=0 " "CONNECT by name logged"

# ---- username/password
tool zero $AUTH_PORT --user alice --pass secret --send "$GET" connect "$W_NAME" "$W_PORT"
expect_rc 0 "0-RTT username/password"
expect_out "$TOKEN" "0-RTT: the page arrives"
grep -q '^auth=slow' "$S6_TMP/zero.out" && fail_last "0-RTT ran the slow path"
expect_log "$AUTH_LOG" "CONNECT $W_NAME:$W_PORT auth=userpass-0rtt user=alice .*reply=0 " "0-RTT logged"

tool slow $AUTH_PORT --slow --user bob --pass hunter2 --send "$GET" connect "$W_ADDR" "$W_PORT"
expect_rc 0 "slow-path username/password (user from --users FILE)"
expect_out '^auth=slow$' "slow path: RFC 1929 negotiation ran"
expect_out "$TOKEN" "slow path: the page arrives"
expect_log "$AUTH_LOG" "auth=userpass-slow user=bob .*reply=0 " "slow path logged"

tool badpw $AUTH_PORT --user alice --pass wrong connect "$W_ADDR" "$W_PORT"
expect_rc 1 "wrong password (0-RTT) fails"
expect_err 'authentication failed' "wrong password: reason named"
expect_log "$AUTH_LOG" "user=alice .*reply=auth-failed" "wrong password logged as auth-failed"

tool badslow $AUTH_PORT --slow --user bob --pass wrong connect "$W_ADDR" "$W_PORT"
expect_rc 1 "wrong password (slow path) fails"
expect_out '^up_status=[1-9]' "slow path: RFC 1929 failure status"

tool nocreds $AUTH_PORT connect "$W_ADDR" "$W_PORT"
expect_rc 1 "no credentials for a server with users fails"

# ---- sessions and tokens
S=$S6_TMP/session
tool snew $AUTH_PORT --user alice --pass secret --session-file "$S" --window 4 \
	--send "$GET" connect "$W_NAME" "$W_PORT"
expect_rc 0 "session request"
expect_out '^session=new$' "session created"
expect_out '^session_id=[0-9a-f]{8,}$' "session id returned"
expect_out '^window=[0-9]+\+4$' "token window of the requested size"
expect_log "$AUTH_LOG" "auth=userpass-0rtt user=alice session=new .*window=[0-9]+\+4 .*reply=0 " \
	"session creation logged"

tool sreuse $AUTH_PORT --session-file "$S" --send "$GET" connect "$W_NAME" "$W_PORT"
expect_rc 0 "request inside the session, no credentials"
expect_out '^session=ok$' "Session OK"
expect_out "$TOKEN" "session reuse: the page arrives"
expect_log "$AUTH_LOG" "auth=session user=alice session=reuse .*reply=0 " "session reuse logged"

tool spend $AUTH_PORT --session-file "$S" --spend auto --send "$GET" connect "$W_NAME" "$W_PORT"
expect_rc 0 "token spent"
tok=$(sed -nE 's/^token=([0-9]+) accepted$/\1/p' "$S6_TMP/spend.out")
[ -n "$tok" ] || fail_last "no accepted token"
pass "token $tok accepted"
expect_out "$TOKEN" "request with a token: the page arrives"
expect_log "$AUTH_LOG" "session=reuse token=$tok/accepted window=[0-9]+\+4 " "accepted token logged"

tool respend $AUTH_PORT --session-file "$S" --spend "$tok" connect "$W_NAME" "$W_PORT"
expect_rc 1 "the same token again fails"
expect_out "^token=$tok rejected$" "token rejected"
expect_log "$AUTH_LOG" "token=$tok/rejected .*reply=auth-failed" "rejected token logged"

tool spend2 $AUTH_PORT --session-file "$S" --spend auto connect "$W_NAME" "$W_PORT"
expect_rc 0 "the next token is still accepted"
expect_out "^token=$((tok + 1)) accepted$" "next token accepted"

tool teardown $AUTH_PORT --session-file "$S" --teardown noop
expect_rc 0 "teardown request"
expect_log "$AUTH_LOG" "NOOP [^ ]+ auth=session user=alice session=teardown .*reply=0 " "teardown logged"
tool afterdown $AUTH_PORT --session-file "$S" connect "$W_NAME" "$W_PORT"
expect_rc 1 "the torn-down session is refused"
expect_out '^session=invalid$' "Session Invalid after teardown"
expect_log "$AUTH_LOG" "session=invalid .*reply=auth-failed" "invalid session logged"

# ---- initial data, stack options
tool idata $OPEN_PORT --idata "$GET" connect "$W_NAME" "$W_PORT"
expect_rc 0 "CONNECT with initial data"
expect_out "$TOKEN" "initial data (an HTTP GET) answered"
idl=$(printf '%b' "$GET" | wc -c)
expect_log "$OPEN_LOG" "CONNECT $W_NAME:$W_PORT .* idata=$idl " "initial data length logged"

tool stack $OPEN_PORT --stack tos=32,ttl=9,nofrag --send "$GET" connect "$W_ADDR" "$W_PORT"
expect_rc 0 "CONNECT with stack options"
expect_out '^stack=tos:32 leg=2$' "TOS echoed"
expect_out '^stack=ttl:9 leg=2$' "TTL echoed"
expect_out '^stack=nofrag:2 leg=2$' "No Fragmentation echoed"
expect_log "$OPEN_LOG" "opts=[^ ]*tos:32" "stack options logged"

# ---- a request that is not version 6
cat >"$S6_TMP/v5.py" <<-'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"\x05\x01\x00")
data = b""
while True:
    chunk = s.recv(64)
    if not chunk:
        break
    data += chunk
print("answer=" + data.hex())
EOF
run v5 ip netns exec "$NS_C" timeout 20 "$S6_PYTHON" "$S6_TMP/v5.py" "$P_ADDR" $OPEN_PORT
expect_rc 0 "version 5 request: the server closes"
expect_out '^answer=06$' "version 5 request: one-byte version mismatch reply"

# ---- both replies in one segment: the Authentication Reply of a CONNECT
# waits for the Operation Reply (srv_conn_hold), so a client wakes once.
# The target is dialled after the request is read, so a server that wrote
# the Authentication Reply at once would show it alone to the first recv.
cat >"$S6_TMP/onewrite.py" <<'EOF2'
import select, socket, struct, sys
proxy, port, target, tport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
split = 0
for i in range(5):
    s = socket.create_connection((proxy, port), timeout=10)
    s.sendall(bytes([6, 1, 0, 0]) + struct.pack(">H", tport) + bytes([0, 1]) +
              socket.inet_aton(target))
    select.select([s], [], [], 10)
    first = s.recv(4096)
    auth_len = 4 + struct.unpack(">H", first[2:4])[0] if len(first) >= 4 else 0
    if len(first) <= auth_len or first[0] != 6 or first[1] != 0:
        split += 1
    s.close()
print("split=%d" % split)
EOF2
run onewrite ip netns exec "$NS_C" timeout 30 "$S6_PYTHON" "$S6_TMP/onewrite.py" "$P_ADDR" $OPEN_PORT "$W_ADDR" "$W_PORT"
expect_rc 0 "CONNECT replies: client ran"
expect_out '^split=0$' "CONNECT: Authentication and Operation Reply arrive in one segment (5 of 5)"

# ---- BIND: the client asks for the proxy's address on the web side (the
# draft: BIND's address is the desired bind address); a host in the web
# namespace connects to what the first reply names; the second reply names
# that host; its data reaches the client.
bg_start bind --ns "$NS_C" timeout 30 "$TOOL" --proxy "$P_ADDR:$OPEN_PORT" --timeout 15000 \
	bind "$P_ADDR_W" 0
bind_pid=$BG_PID
wait_for_log '^bound=' "$S6_TMP/bind.out" 10 || fail "BIND: no first reply"
baddr=$(sed -nE 's/^bound=(.*):[0-9]+$/\1/p' "$S6_TMP/bind.out")
bport=$(sed -nE 's/^bound=.*:([0-9]+)$/\1/p' "$S6_TMP/bind.out")
if [ -z "$bport" ] || [ "$bport" = 0 ]; then
	fail "BIND: no port in the first reply" "$S6_TMP/bind.out"
fi
[ "$baddr" = "$P_ADDR_W" ] || fail "BIND: bound to $baddr, not the requested $P_ADDR_W" \
	"$S6_TMP/bind.out"
pass "BIND: first reply names $P_ADDR_W:$bport"
run connector ip netns exec "$NS_W" timeout 20 "$S6_PYTHON" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"hello from the web side\n")
s.close()' "$baddr" "$bport"
expect_rc 0 "BIND: the web host connected to the bound port"
wait "$bind_pid"
rc=$?
[ $rc = 0 ] || fail "BIND: s6_tool exited $rc" "$S6_TMP/bind.out" "$S6_TMP/bind.err"
grep -qE "^peer=$W_ADDR:[0-9]+$" "$S6_TMP/bind.out" || fail "BIND: second reply lacks the peer" "$S6_TMP/bind.out"
pass "BIND: second reply names the peer"
grep -q '^data: hello from the web side$' "$S6_TMP/bind.out" ||
	fail "BIND: data did not arrive" "$S6_TMP/bind.out"
pass "BIND: the peer's data arrived"
expect_log "$OPEN_LOG" "socks6 $C BIND [^ ]+ .*reply=0 " "BIND logged"

# ---- UDP ASSOCIATE to an echo server in the web namespace
cat >"$S6_TMP/udp_echo.py" <<-'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("udp echo ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
EOF
bg_start udpecho --ns "$NS_W" "$S6_PYTHON" "$S6_TMP/udp_echo.py" "$W_ADDR" $UDP_PORT
wait_for_log 'udp echo ready' "$S6_TMP/udpecho.out" 10 || fail "UDP echo server did not start"

tool udp $OPEN_PORT --send "ping over udp" udp "$W_ADDR" $UDP_PORT
expect_rc 0 "UDP ASSOCIATE, datagram over UDP"
expect_out '^assoc=[0-9a-f]{16}$' "Association Init received"
expect_out '^confirm=yes$' "Association Confirmation received"
expect_out '^udp_via=udp$' "answer came over UDP"
expect_out "^udp_from=$W_ADDR:$UDP_PORT$" "answer names the echo server"
expect_out '^data: ping over udp$' "datagram echoed"
expect_log "$OPEN_LOG" "socks6 $C UDP-ASSOCIATE " "UDP ASSOCIATE logged"

tool udptcp $OPEN_PORT --over-tcp --send "ping over tcp" udp "$W_NAME" $UDP_PORT
expect_rc 0 "UDP ASSOCIATE, datagram over the stream, target by name"
expect_out '^confirm=yes$' "stream: Association Confirmation received"
expect_out '^udp_via=tcp$' "stream: answer came over the stream"
expect_out '^data: ping over tcp$' "stream: datagram echoed"

tool udpbig $OPEN_PORT --size 60000 udp "$W_ADDR" $UDP_PORT
expect_rc 0 "60000-byte datagram over UDP"
expect_out '^udp_len=60000$' "60000 bytes came back"
expect_out '^udp_match=yes$' "60000 bytes unchanged"

tool udpbigtcp $OPEN_PORT --over-tcp --size 60000 udp "$W_ADDR" $UDP_PORT
expect_rc 0 "60000-byte datagram over the stream"
expect_out '^udp_match=yes$' "stream: 60000 bytes unchanged"

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a program sees when a SOCKS6 proxy says no. Against fake_socks6.py in
# the proxy namespace: every Operation Reply code 1..9 gives the errno of
# s6_s6_reply_err() (src/s6_socks6.h) to a Python connect(), blocking and
# non-blocking, with one shim log line naming proxy, target and reason; a
# proxy that closes after the request; a Session Invalid answer that the
# shim recovers from; a proxy of another version (Version Mismatch Reply).
# Against the real server: a refused port and a --deny rule.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
FAKE=$S6_SRCDIR/tests/integration/fake_socks6.py
netns_setup

cat >"$S6_TMP/conn.py" <<-'EOF'
import errno, socket, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(int(sys.argv[4]) if len(sys.argv) > 4 else 1):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(15 if mode == "nonblock" else None)
    try:
        s.connect((host, port))
        s.sendall(b"ping\n")
        print("connected " + s.recv(64).decode().strip(), flush=True)
    except OSError as e:
        print("errno=" + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    s.close()
EOF

# fake NAME PORT ARGS...: fake_socks6.py on P_ADDR:PORT in the proxy namespace.
fake() {
	local name=$1 port=$2
	shift 2
	bg_start "$name" --ns "$NS_P" "$S6_PYTHON" "$FAKE" --listen "$P_ADDR:$port" "$@"
	wait_for_log 'listening fake-socks6' "$S6_TMP/$name.err" 10 ||
		fail "fake proxy $name did not start"
}
# via NAME PORT MODE [N] [HOST PORT]: conn.py through socks6ify in the client namespace.
via() {
	local name=$1 port=$2 mode=$3 n=${4:-1}
	run "$name" s6 --ns "$NS_C" -p "socks6://$P_ADDR:$port" "$S6_PYTHON" \
		"$S6_TMP/conn.py" "${5:-$W_ADDR}" "${6:-$W_PORT}" "$mode" "$n"
}

# ---- Operation Reply codes 1..9 (the table in src/s6_socks6.h)
want=(- ECONNREFUSED EACCES ENETUNREACH EHOSTUNREACH ECONNREFUSED EHOSTUNREACH
	'(EOPNOTSUPP|ENOTSUP)' EAFNOSUPPORT ETIMEDOUT)
for code in 1 2 3 4 5 6 7 8 9; do
	fake "code$code" $((2000 + code)) --reply-code "$code"
done
for code in 1 2 3 4 5 6 7 8 9; do
	for mode in block nonblock; do
		via "code$code-$mode" $((2000 + code)) $mode
		expect_out "^errno=${want[$code]}\$" "reply $code, $mode connect: ${want[$code]}"
	done
	expect_err "proxy socks6://$P_ADDR:$((2000 + code)) target $W_ADDR:$W_PORT: .*reply $code" \
		"reply $code: one log line with proxy, target and reason"
	n=$(grep -c "target $W_ADDR:$W_PORT" "$S6_TMP/code$code-$mode.err")
	[ "$n" = 1 ] || fail_last "reply $code: $n log lines for one failure"
done
pass "each failure logged exactly once"
expect_no_dns_leak "reply-code checks: no DNS leak"

# ---- a proxy that closes after reading the request
fake closer 2010 --close-after-request
via closer 2010 block
expect_out '^errno=ECONNRESET$' "proxy closes after the request: ECONNRESET"
expect_err "proxy socks6://$P_ADDR:2010 target $W_ADDR:$W_PORT: " "close logged"

# ---- Session Invalid on the second request: the shim retries with a new
# session and the program sees nothing (the fake echoes once it succeeds)
fake invalid 2011 --session-invalid
run sess s6 --ns "$NS_C" -v -p "socks6://$P_ADDR:2011" "$S6_PYTHON" "$S6_TMP/conn.py" \
	"$W_ADDR" "$W_PORT" block 2
expect_rc 0 "session-invalid run"
[ "$(grep -c '^connected ping$' "$S6_TMP/sess.out")" = 2 ] ||
	fail_last "both connects should succeed"
pass "Session Invalid: both connects succeed"
expect_err 'socks6: session invalid, retrying' "Session Invalid: shim logs the retry"
grep -q 'session-id=' "$S6_TMP/invalid.err" || fail "the shim never sent a Session ID" \
	"$S6_TMP/invalid.err"
[ "$(grep -c 'session-request' "$S6_TMP/invalid.err")" -ge 2 ] ||
	fail "the retry did not ask for a new session" "$S6_TMP/invalid.err"
pass "Session Invalid: the retry asks for a new session"

# ---- the real server: a port nobody listens on, and a --deny rule
start_server --ns "$NS_P" --name real --socks6 "$P_ADDR:1080"
via refused 1080 block 1 "$W_ADDR" 9
expect_out '^errno=ECONNREFUSED$' "real server, closed port: ECONNREFUSED"
expect_err "target $W_ADDR:9: .*reply 5" "closed port logged with reply 5"
via refusednb 1080 nonblock 1 "$W_ADDR" 9
expect_out '^errno=ECONNREFUSED$' "real server, closed port, non-blocking: ECONNREFUSED"
start_server --ns "$NS_P" --name deny --socks6 "$P_ADDR:1081" --deny "$W_ADDR/32"
via denied 1081 block
expect_out '^errno=EACCES$' "real server, --deny: EACCES"
expect_err "target $W_ADDR:$W_PORT: .*reply 2" "--deny logged with reply 2"
via allowed 1081 block 1 "$P_ADDR_W" 9
expect_out '^errno=ECONNREFUSED$' "--deny leaves other targets alone"

# ---- Version Mismatch Reply. The draft: a proxy answers a request whose
# version it does not speak with one byte, ITS version, and the client
# closes. The one byte 6 is what a SOCKS6 proxy sends to a non-6 request.
fake mismatch6 2012 --version-mismatch 6
via mismatch6 2012 block
expect_out '^errno=EPROTO$' "version mismatch reply 6: EPROTO"
expect_err "proxy socks6://$P_ADDR:2012 target $W_ADDR:$W_PORT: proxy does not speak SOCKS6" \
	"version mismatch reply 6: \"does not speak SOCKS6\""
fake mismatch7 2013 --version-mismatch 7
via mismatch7 2013 nonblock
expect_out '^errno=EPROTO$' "proxy of version 7: EPROTO"
expect_err "proxy socks6://$P_ADDR:2013 target $W_ADDR:$W_PORT: proxy does not speak SOCKS6" \
	"proxy of version 7 (one-byte reply 7): \"does not speak SOCKS6\""
finish

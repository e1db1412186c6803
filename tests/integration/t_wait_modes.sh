#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every way a program waits for a connect, through the shim and the bundled
# server: blocking, poll, select, epoll registered after and before connect(),
# edge-triggered epoll. Success, a refused CONNECT (reply 91) and a proxy
# that never answers, where the socket must stay unwritable until the
# connect-timeout and then report ETIMEDOUT through SO_ERROR.
. "$(dirname "$0")/lib.sh"

PROBE=$S6_BUILDDIR/tests/integration/s6_probe
require_built "$S6_BIN" "$S6_SERVER_BIN" "$PROBE"
MODES="block poll select epoll epoll-before epoll-et"

start_server --socks4a 127.0.0.1:0
bg_start web "$S6_PYTHON" -m http.server 0 --bind 127.0.0.1 --directory "$S6_TMP"
wait_for_log 'Serving HTTP on [^ ]+ port [0-9]+' "$S6_TMP/web.out" 10 ||
	fail "web server did not start"
WEB_PORT=$(sed -nE 's/.*Serving HTTP on [^ ]+ port ([0-9]+).*/\1/p' "$S6_TMP/web.out")
# localhost goes to the proxy as a name (not from /etc/hosts: `hosts remote`).
HOSTS_REMOTE=$(conf hosts-remote 'hosts remote')

# A port with nothing behind it, for the refusal.
CLOSED_PORT=$("$S6_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# A "proxy" that accepts and then says nothing.
cat >"$S6_TMP/silent.py" <<'PY'
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(64)
print(l.getsockname()[1], flush=True)
held = []
deadline = time.time() + 120
while time.time() < deadline:
    l.settimeout(1)
    try: held.append(l.accept()[0])
    except socket.timeout: pass
PY
bg_start silent "$S6_PYTHON" "$S6_TMP/silent.py"
wait_for_log '^[0-9]+$' "$S6_TMP/silent.out" 10 || fail "silent proxy did not start"
SILENT_PORT=$(head -n 1 "$S6_TMP/silent.out")
printf 'proxy socks4a://127.0.0.1:%s\nconnect-timeout 2\n' "$SILENT_PORT" >"$S6_TMP/silent.conf"

PROXY=socks4a://127.0.0.1:$S6_SERVER_PORT
for mode in $MODES; do
	# By name: the server resolves "localhost"; the probe sees a placeholder peer.
	run "ok-$mode" s6 -q -f "$HOSTS_REMOTE" -p "$PROXY" "$PROBE" "$mode" localhost "$WEB_PORT"
	[ "$RC" = 0 ] || fail_last "$mode: connect through the proxy failed"
	grep -q "^ok $mode peer=240\." <<<"$OUT" || fail_last "$mode: peer is not the placeholder"
	grep -q '^HTTP/1.0 200' <<<"$OUT" || fail_last "$mode: no HTTP response"
	pass "$mode: connected by name, getpeername is the placeholder, data flows"

	run "refused-$mode" s6 -p "$PROXY" "$PROBE" "$mode" 127.0.0.1 "$CLOSED_PORT"
	grep -q 'errno=111 ' <<<"$OUT" || fail_last "$mode: refusal is not ECONNREFUSED"
	grep -q "target 127.0.0.1:$CLOSED_PORT: .*reply 91" <<<"$ERR" || fail_last "$mode: no log line for the refusal"
	pass "$mode: reply 91 gives ECONNREFUSED and one log line"

	start=$(date +%s%N)
	run "silent-$mode" s6 -f "$S6_TMP/silent.conf" "$PROBE" -q 700 "$mode" 127.0.0.1 "$WEB_PORT"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	grep -q 'errno=110 ' <<<"$OUT" || fail_last "$mode: silent proxy did not give ETIMEDOUT"
	grep -q 'reported-writable' <<<"$OUT" && fail_last "$mode: socket reported writable before the proxy answered"
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 8000 ] || fail_last "$mode: timed out after $ms ms, expected about 2000"
	grep -q 'no answer from proxy within 2000 ms' <<<"$ERR" || fail_last "$mode: no timeout log line"
	pass "$mode: silent proxy: not writable while pending, ETIMEDOUT after ${ms} ms"
done

grep -q "CONNECT localhost:$WEB_PORT" "$S6_SERVER_LOG" || fail "server did not log the CONNECT by name"
pass "server logged the requests"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Python through `socks6ify -p socks6://...` and socks6ify-server --socks6
# in the namespaces: urllib by name, raw sockets by address (blocking) and by
# name (non-blocking) for each authentication path (none, 0-RTT, slow via
# `socks6-auth slow`); sessions (the second request of a process reuses the
# session, a per-process session is torn down at exit); `spend-tokens always`; a
# server restarted between two connects of one process (Session Invalid,
# retried without the program noticing); no DNS query leaves the client.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup

OPEN_PORT=1080
AUTH_PORT=1081
printf 'bob:hunter2\n' >"$S6_TMP/users"
chmod 600 "$S6_TMP/users"
AUTH_ARGS=(-v --socks6 "$P_ADDR:$AUTH_PORT" --user alice:secret --users "$S6_TMP/users"
	--token-window 8)
start_server --ns "$NS_P" --name open -v --socks6 "$P_ADDR:$OPEN_PORT"
OPEN_LOG=$S6_SERVER_LOG
start_server --ns "$NS_P" --name auth "${AUTH_ARGS[@]}"
AUTH_LOG=$S6_SERVER_LOG
AUTH_PID=$S6_SERVER_PID

# client.py TOKEN STEP...: each STEP is "url URL", "raw HOST PORT block|nonblock"
# or "wait FILE" (until FILE exists); prints "ok N STEP" when the page holds
# TOKEN, else "fail N STEP: why"; exit status 1 after any failure.
cat >"$S6_TMP/client.py" <<-'EOF'
import os, selectors, socket, sys, time, urllib.request

def raw(host, port, mode):
    req = ("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode()
    if mode == "block":
        s = socket.create_connection((host, port), timeout=None)
        s.sendall(req)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
    ai = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1])
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    err = s.connect_ex(ai[4])
    if err not in (0, 115):  # EINPROGRESS
        raise OSError(err, os.strerror(err))
    sel.register(s, selectors.EVENT_WRITE)
    if not sel.select(15):
        raise TimeoutError("connect")
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        raise OSError(err, os.strerror(err))
    s.send(req)
    sel.modify(s, selectors.EVENT_READ)
    data = b""
    while sel.select(15):
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise TimeoutError("read")

token, args, n, bad = sys.argv[1].encode(), sys.argv[2:], 0, 0
while args:
    step, args = args[0], args[1:]
    if step == "wait":
        path, args = args[0], args[1:]
        for _ in range(300):
            if os.path.exists(path):
                break
            time.sleep(0.1)
        continue
    n += 1
    try:
        if step == "url":
            what, args = args[0], args[1:]
            page = urllib.request.urlopen(what, timeout=15).read()
        else:
            what, args = " ".join(args[:3]), args[3:]
            h, p, m = what.split()
            page = raw(h, int(p), m)
        print(("ok %d %s %s" if token in page else "fail %d %s %s: no token")
              % (n, step, what), flush=True)
        bad += token not in page
    except Exception as e:
        print("fail %d %s %s: %r" % (n, step, what, e), flush=True)
        bad += 1
sys.exit(1 if bad else 0)
EOF
STEPS=(url "http://$W_NAME:$W_PORT/" raw "$W_ADDR" "$W_PORT" block raw "$W_NAME" "$W_PORT" nonblock)

# py NAME s6-ARGS... -- STEP...: client.py through socks6ify in the client namespace.
py() {
	local name=$1 a=()
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	run "$name" s6 --ns "$NS_C" -v "${a[@]}" "$S6_PYTHON" "$S6_TMP/client.py" "$TOKEN" "$@"
}
count() { grep -cE -- "$1" "$2"; }

# ---- no authentication
py none -p "socks6://$P_ADDR:$OPEN_PORT" -- "${STEPS[@]}"
expect_rc 0 "no auth: urllib by name, raw blocking by address, raw non-blocking by name"
[ "$(count '^ok ' "$S6_TMP/none.out")" = 3 ] || fail_last "no auth: not 3 pages"
pass "no auth: 3 pages"
[ "$(count "CONNECT ($W_NAME|$W_ADDR):$W_PORT auth=(none|session) .*reply=0 " "$OPEN_LOG")" = 3 ] ||
	fail "no auth: server did not log 3 granted CONNECTs" "$OPEN_LOG"
pass "no auth: 3 CONNECTs logged"

# ---- 0-RTT (the default), session reuse, teardown at exit (of a per-process
# session: a shared one outlives its process, t_socks6_shared.sh)
c0=$(conf zero "proxy socks6://alice:secret@$P_ADDR:$AUTH_PORT" "session-store process")
py zero -f "$c0" -- "${STEPS[@]}"
expect_rc 0 "0-RTT: 3 requests"
[ "$(count '^ok ' "$S6_TMP/zero.out")" = 3 ] || fail_last "0-RTT: not 3 pages"
expect_log() { # REGEX WHAT [LOG]
	wait_for_log "$1" "${3:-$AUTH_LOG}" 5 || fail "$2: server log lacks /$1/" "${3:-$AUTH_LOG}"
	pass "$2"
}
expect_log "auth=userpass-0rtt user=alice session=new .*reply=0 " "0-RTT: first request opens a session"
expect_log "auth=session user=alice session=reuse .*reply=0 " "0-RTT: later requests reuse it"
expect_err 'socks6: session created' "shim logs the new session"
expect_err 'socks6: session reused' "shim logs the reuse"
expect_log "NOOP [^ ]+ auth=session user=alice session=teardown .*reply=0 " \
	"the session is torn down when the process exits"

# ---- slow path from the configuration file
cs=$(conf slow "proxy socks6://bob:hunter2@$P_ADDR:$AUTH_PORT" "socks6-auth slow" "session no")
py slow -f "$cs" -- "${STEPS[@]}"
expect_rc 0 "slow path: 3 requests"
[ "$(count "auth=userpass-slow user=bob .*reply=0 " "$AUTH_LOG")" = 3 ] ||
	fail "slow path: not 3 slow-path requests (session no)" "$AUTH_LOG"
pass "slow path: every request authenticated by RFC 1929 negotiation"

py wrong -p "socks6://bob:nope@$P_ADDR:$AUTH_PORT" -- raw "$W_ADDR" "$W_PORT" block
expect_rc 1 "wrong password: the connect fails"
expect_out 'PermissionError|Errno 13' "wrong password: EACCES"
expect_err "proxy socks6://[^ ]*$P_ADDR:$AUTH_PORT target $W_ADDR:$W_PORT: .*authentication failed" \
	"wrong password: one log line, password not shown"
grep -q nope "$S6_TMP/wrong.err" && fail_last "the password appears in the log"

# ---- tokens
ct=$(conf tokens "proxy socks6://alice:secret@$P_ADDR:$AUTH_PORT" "spend-tokens always" \
	"token-window 4")
py tokens -f "$ct" -- url "http://$W_NAME:$W_PORT/" url "http://$W_NAME2:$W_PORT/" \
	raw "$W_ADDR" "$W_PORT" block
expect_rc 0 "spend-tokens always: 3 requests"
expect_log "session=reuse token=[0-9]+/accepted window=[0-9]+\+4 .*reply=0 " \
	"spend-tokens always: tokens accepted"
expect_err 'socks6: token [0-9]+ spent' "shim logs the spent token"

# ---- the server restarts between two connects of one process
c1=$(conf restart "proxy socks6://alice:secret@$P_ADDR:$AUTH_PORT")
bg_start restart --ns "$NS_C" env "${s6_wrapped_env[@]}" timeout 60 "$S6_BIN" -v -f "$c1" \
	"$S6_PYTHON" "$S6_TMP/client.py" "$TOKEN" url "http://$W_NAME:$W_PORT/" \
	wait "$S6_TMP/go" raw "$W_NAME" "$W_PORT" block
restart_pid=$BG_PID
wait_for_log '^ok 1 ' "$S6_TMP/restart.out" 20 || fail "restart: first request failed"
bg_stop "$AUTH_PID"
start_server --ns "$NS_P" --name auth2 "${AUTH_ARGS[@]}"
touch "$S6_TMP/go"
wait "$restart_pid" || fail "restart: the program failed" "$S6_TMP/restart.out" "$S6_TMP/restart.err"
grep -q '^ok 2 ' "$S6_TMP/restart.out" || fail "restart: second request failed" "$S6_TMP/restart.out"
pass "server restarted: the second connect still succeeds"
grep -q 'socks6: session invalid, retrying' "$S6_TMP/restart.err" ||
	fail "restart: no 'session invalid, retrying' in the shim log" "$S6_TMP/restart.err"
pass "server restarted: shim logs 'session invalid, retrying'"
expect_log "session=invalid .*reply=auth-failed" "new server refused the old session" "$S6_SERVER_LOG"
expect_log "auth=userpass-0rtt user=alice session=new .*reply=0 " \
	"the retry authenticated and opened a new session" "$S6_SERVER_LOG"

expect_no_dns_leak "no DNS query left the client namespace"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SOCKS6 sessions and token windows shared across processes (session-store
# shared, the default): a second program is authenticated by the session the
# first one opened, and the first does not tear it down at exit; two
# programs spending tokens at the same time never spend the same one; the
# store is 0600 in a 0700 directory, a file of random bytes is rebuilt and
# one with a wrong mode is refused (the program still works); a server
# restarted between two programs costs one transparent retry;
# `socks6ify --forget-sessions` and `session-idle` (expiry and teardown by the
# process that finds it expired); `session-store process` keeps the old
# per-process behaviour.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup

PORT=1081
SERVER_ARGS=(-v --socks6 "$P_ADDR:$PORT" --user alice:secret --token-window 64)
start_server --ns "$NS_P" --name auth "${SERVER_ARGS[@]}"
LOG=$S6_SERVER_LOG
SERVER_PID=$S6_SERVER_PID
STORE_DIR=$XDG_RUNTIME_DIR/socks6ify
STORE=$STORE_DIR/sessions

# client.py TOKEN N [GO]: N blocking GETs of http://W_NAME:W_PORT/ by name,
# after the file GO exists when given; "ok I" per page holding TOKEN.
cat >"$S6_TMP/client.py" <<-'EOF'
import os, socket, sys, time

token, n, host, port = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if len(sys.argv) > 5:
    for _ in range(300):
        if os.path.exists(sys.argv[5]):
            break
        time.sleep(0.05)
bad = 0
for i in range(n):
    try:
        s = socket.create_connection((host, port), timeout=15)
        s.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode())
        page = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            page += chunk
        s.close()
        ok = token in page
        print("ok %d" % i if ok else "fail %d: no token" % i, flush=True)
        bad += not ok
    except Exception as e:
        print("fail %d: %r" % (i, e), flush=True)
        bad += 1
sys.exit(1 if bad else 0)
EOF

# py NAME CONF N: client.py through socks6ify in the client namespace.
py() {
	run "$1" s6 --ns "$NS_C" -v -f "$2" "$S6_PYTHON" "$S6_TMP/client.py" "$TOKEN" "$3" \
		"$W_NAME" "$W_PORT"
}
connects() { grep -E " CONNECT $W_NAME:$W_PORT " "$LOG"; }
# The CONNECT lines logged since mark N (a count of earlier ones).
connects_since() { connects | sed -n "$(($1 + 1)),\$p"; }
mark() { connects | wc -l; }
expect_log() { # REGEX WHAT
	wait_for_log "$1" "$LOG" 5 || fail "$2: server log lacks /$1/" "$LOG"
	pass "$2"
}

# ---- one program after the other
BASE=$(conf base "proxy socks6://alice:secret@$P_ADDR:$PORT")
py first "$BASE" 1
expect_rc 0 "first program: page fetched"
expect_err 'socks6: session created' "first program opens a session"
expect_log "auth=userpass-0rtt user=alice session=new .*reply=0 " "first program authenticated by password"
m=$(mark)
py second "$BASE" 2
expect_rc 0 "second program: 2 pages fetched"
expect_err 'socks6: session reused' "second program: shim logs the reuse"
grep -q 'session created' "$S6_TMP/second.err" && fail_last "second program opened a session of its own"
[ "$(connects_since "$m" | wc -l)" = 2 ] || fail "second program: not 2 CONNECTs logged" "$LOG"
connects_since "$m" | grep -qv 'auth=session user=alice session=reuse .*reply=0 ' &&
	fail "second program: a request not authenticated by the session" "$LOG"
pass "second program: every request authenticated by the session (no password round trip)"
grep -q 'session=teardown' "$LOG" && fail "a program tore the shared session down at exit" "$LOG"
pass "no teardown at exit: the session outlives the program that opened it"
[ "$(stat -c '%a %u' "$STORE_DIR")" = "700 $(id -u)" ] || fail "store directory: $(stat -c '%a %u' "$STORE_DIR")"
[ "$(stat -c '%a %u' "$STORE")" = "600 $(id -u)" ] || fail "store file: $(stat -c '%a %u' "$STORE")"
pass "the store is a 0600 file in a 0700 directory of the user"

# ---- two programs spending tokens at the same time
TOK=$(conf tokens "proxy socks6://alice:secret@$P_ADDR:$PORT" "spend-tokens always")
m=$(mark)
for i in 1 2; do
	bg_start "tok$i" --ns "$NS_C" env "${s6_wrapped_env[@]}" timeout 60 "$S6_BIN" -v -f "$TOK" \
		"$S6_PYTHON" "$S6_TMP/client.py" "$TOKEN" 6 "$W_NAME" "$W_PORT" "$S6_TMP/go"
	tok_pid[i]=$BG_PID
done
sleep 0.3
touch "$S6_TMP/go"
for i in 1 2; do
	wait "${tok_pid[i]}" || fail "token program $i failed" "$S6_TMP/tok$i.out" "$S6_TMP/tok$i.err"
done
pass "two programs spending tokens concurrently: 12 pages"
spent=$(grep -ohE 'token [0-9]+ spent' "$S6_TMP/tok1.err" "$S6_TMP/tok2.err" | sort)
[ "$(echo "$spent" | grep -c .)" = 12 ] || fail "not 12 tokens spent: $spent"
[ -z "$(echo "$spent" | uniq -d)" ] || fail "a token spent twice: $(echo "$spent" | uniq -d)"
pass "the two programs spent 12 different tokens"
[ "$(connects_since "$m" | grep -cE 'token=[0-9]+/accepted')" = 12 ] ||
	fail "server did not accept 12 tokens" "$LOG"
grep -qE 'token=[0-9]+/rejected' "$LOG" && fail "server rejected a token" "$LOG"
[ -z "$(grep -oE 'token=[0-9]+/' "$LOG" | sort | uniq -d)" ] || fail "a token arrived twice" "$LOG"
pass "server accepted all 12 tokens, rejected none, saw none twice"

# ---- a store of random bytes is rebuilt
head -c "$(stat -c %s "$STORE")" /dev/urandom >"$STORE"
m=$(mark)
py corrupt "$BASE" 1
expect_rc 0 "random store: the program works"
expect_err 'session store .*/sessions was unusable: rebuilt' "random store: rebuilt"
connects_since "$m" | grep -q 'auth=userpass-0rtt user=alice session=new ' ||
	fail "random store: no new session" "$LOG"
pass "random store: the program authenticated and opened a new session"
[ "$(stat -c %a "$STORE")" = 600 ] || fail "rebuilt store: mode $(stat -c %a "$STORE")"
m=$(mark)
py corrupt2 "$BASE" 1
expect_rc 0 "after the rebuild: the program works"
connects_since "$m" | grep -q 'auth=session user=alice session=reuse ' ||
	fail "after the rebuild: the session is not shared" "$LOG"
pass "after the rebuild: the next program reuses the session"

# ---- a store with the wrong mode is refused, the program still works
chmod 644 "$STORE"
py perms "$BASE" 1
expect_rc 0 "store mode 0644: the program works"
expect_err 'session store: .*sessions is not a file of this user with mode 0600; sessions stay in this process' \
	"store mode 0644: refused with a log line"
[ "$(grep -c 'session store' "$S6_TMP/perms.err")" = 1 ] || fail_last "store mode 0644: not one log line"
chmod 600 "$STORE"

# ---- the server restarts between two programs
bg_stop "$SERVER_PID"
start_server --ns "$NS_P" --name auth2 "${SERVER_ARGS[@]}"
LOG=$S6_SERVER_LOG
py restart "$BASE" 1
expect_rc 0 "server restarted: the next program still connects"
expect_err 'socks6: session invalid, retrying' "server restarted: shim logs 'session invalid, retrying'"
expect_log "session=invalid .*reply=auth-failed" "server restarted: the old session is refused"
expect_log "auth=userpass-0rtt user=alice session=new .*reply=0 " "server restarted: a new session is opened"
m=$(mark)
py restart2 "$BASE" 1
expect_rc 0 "after the restart: next program"
connects_since "$m" | grep -q 'auth=session user=alice session=reuse ' ||
	fail "after the restart: the new session is not shared" "$LOG"
pass "after the restart: the new session is shared"

# ---- socks6ify --forget-sessions
run forget s6 --forget-sessions
expect_rc 0 "--forget-sessions"
m=$(mark)
py forgotten "$BASE" 1
expect_rc 0 "after --forget-sessions: the program works"
connects_since "$m" | grep -q 'auth=userpass-0rtt user=alice session=new ' ||
	fail "after --forget-sessions: the session was still used" "$LOG"
pass "after --forget-sessions: the program authenticates again"

# ---- session-idle: the program that finds the session expired drops it and tears it down
IDLE=$(conf idle "proxy socks6://alice:secret@$P_ADDR:$PORT" "session-idle 1")
sleep 2.2
m=$(mark)
py idle "$IDLE" 1
expect_rc 0 "expired session: the program works"
expect_err 'socks6: session unused for more than 1s, dropped' "expired session: dropped by the shim"
expect_err 'socks6: session created' "expired session: a new one is opened"
connects_since "$m" | grep -q 'auth=userpass-0rtt user=alice session=new ' ||
	fail "expired session: the request did not authenticate" "$LOG"
expect_log "NOOP [^ ]+ auth=session user=alice session=teardown .*reply=0 " \
	"expired session: torn down by the program that found it expired"

# ---- session-store process: a session per program, torn down at its exit
PROC=$(conf proc "proxy socks6://alice:secret@$P_ADDR:$PORT" "session-store process")
t0=$(grep -c 'session=teardown' "$LOG")
py proc "$PROC" 2
expect_rc 0 "session-store process: 2 pages"
expect_err 'socks6: session created' "session-store process: the program opens its own session"
expect_err 'socks6: session reused' "session-store process: and reuses it"
for _ in $(seq 50); do
	[ "$(grep -c 'session=teardown' "$LOG")" -gt "$t0" ] && break
	sleep 0.1
done
[ "$(grep -c 'session=teardown' "$LOG")" -gt "$t0" ] ||
	fail "session-store process: no teardown at exit" "$LOG"
pass "session-store process: the session is torn down at exit"

expect_no_dns_leak "no DNS query left the client namespace"
finish

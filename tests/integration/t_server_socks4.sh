#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# socks6ify-server, SOCKS4/SOCKS4a: option errors, then three servers on
# loopback (main; --allow-user with --idle-timeout; --max-clients 2 with
# --connect-timeout 1) exercised by socks4_client.py, their log lines, and a
# clean exit 0 on SIGTERM with connections open (sanitizer builds: no leaks).
. "$(dirname "$0")/lib.sh"

require_built "$S6_SERVER_BIN"
require_cmd timeout
[ -x "$S6_PYTHON" ] || skip "needs python3"
CLIENT=$S6_SRCDIR/tests/integration/socks4_client.py

# ---- option handling: exit 2 with exactly one line
usage_error() { # WHAT ARGS...
	local what=$1
	shift
	run usage timeout 10 "$S6_SERVER_BIN" "$@"
	[ "$RC" = 2 ] || fail_last "$what: exit status $RC, expected 2"
	[ "$(wc -l <"$S6_TMP/usage.err")" = 1 ] || fail_last "$what: not one line"
	pass "$what"
}
usage_error "no listener" -v
usage_error "unknown option" --bogus
usage_error "bad listener address" --socks4a nonsense
usage_error "listener without port" --socks4a 127.0.0.1
usage_error "missing argument" --socks4a
usage_error "bad --max-clients" --socks4a 127.0.0.1:0 --max-clients 0
usage_error "negative timeout" --socks4a 127.0.0.1:0 --connect-timeout -1
usage_error "word as timeout" --socks4a 127.0.0.1:0 --handshake-timeout soon
usage_error "port in --bind-address" --socks4a 127.0.0.1:0 --bind-address 127.0.0.1:80
usage_error "stray argument" --socks4a 127.0.0.1:0 extra
run help timeout 10 "$S6_SERVER_BIN" --help
expect_rc 0 "--help exits 0"
expect_out '--socks4a ADDR:PORT' "--help lists --socks4a"
run version timeout 10 "$S6_SERVER_BIN" --version
expect_out '^socks6ify-server [0-9]+\.' "--version"

# ---- three servers with kernel-chosen ports
have_ipv6=no
"$S6_PYTHON" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
	2>/dev/null && have_ipv6=yes

server() { # NAME ARGS...: sets NAME_pid
	local name=$1
	shift
	bg_start "$name" "$S6_SERVER_BIN" "$@" --log-file "$S6_TMP/$name.log" \
		--pid-file "$S6_TMP/$name.pid"
	track_log "$S6_TMP/$name.log"
	eval "${name}_pid=$BG_PID"
}

# port NAME ADDR-REGEX: the port the server logged for that listener.
port() {
	wait_for_log "listening socks4a $2:[0-9]+\$" "$S6_TMP/$1.log" 10 ||
		fail "$1: no 'listening socks4a' line for $2"
	sed -nE "s/^socks6ify-server: listening socks4a $2:([0-9]+)\$/\\1/p" \
		"$S6_TMP/$1.log" | head -n 1
}

main_args=(--socks4a 127.0.0.1:0 --handshake-timeout 1 --connect-timeout 5
	--bind-timeout 2 -v)
[ $have_ipv6 = yes ] && main_args+=(--socks4a '[::1]:0')
server main "${main_args[@]}"
server allow --socks4a 127.0.0.1:0 --allow-user alice --allow-user bob --idle-timeout 1
server limit --socks4a 127.0.0.1:0 --max-clients 2 --handshake-timeout 5 --connect-timeout 1

main_port=$(port main '127\.0\.0\.1') || exit 1
allow_port=$(port allow '127\.0\.0\.1') || exit 1
limit_port=$(port limit '127\.0\.0\.1') || exit 1
v6=()
if [ $have_ipv6 = yes ]; then
	main_port6=$(port main '\[::1\]') || exit 1
	v6=(--proxy6 "[::1]:$main_port6")
fi
# shellcheck disable=SC2154 # main_pid is set through eval
[ "$(cat "$S6_TMP/main.pid")" = "$main_pid" ] || fail "pid file content"
pass "servers listening on kernel-chosen ports, pid file written"

# ---- the protocol checks
run client timeout 300 "$S6_PYTHON" "$CLIENT" --proxy "127.0.0.1:$main_port" "${v6[@]}" \
	--allow-proxy "127.0.0.1:$allow_port" --limit-proxy "127.0.0.1:$limit_port"
cat "$S6_TMP/client.out"
expect_rc 0 "socks4_client.py checks"

# ---- one log line per request, with the reason
expect_log() { # NAME REGEX
	grep -Eq -- "$2" "$S6_TMP/$1.log" || fail "$1.log lacks /$2/"
	pass "$1 log: $2"
}
expect_log main 'CONNECT 127\.0\.0\.1:[0-9]+ user "alice": granted'
expect_log main 'CONNECT localhost:[0-9]+: granted'
expect_log main 'CONNECT 127\.0\.0\.1:[0-9]+: rejected: connection refused'
expect_log main 'CONNECT localhost:[0-9]+: rejected: connection refused'
expect_log main ': rejected: malformed request: version 5$'
expect_log main ': rejected: malformed request: command 3$'
expect_log main ': rejected: malformed request: user id or domain too long$'
expect_log main 'closed: no complete request in time \(handshake timeout\)'
expect_log main 'BIND 127\.0\.0\.1:4321 user "binder": granted, inbound connection from 127\.0\.0\.1:'
expect_log main 'BIND localhost:4321 user "binder": granted'
expect_log main 'BIND 127\.0\.0\.2:4321: rejected: inbound connection from 127\.0\.0\.1:[0-9]+ does not match'
expect_log main 'BIND 127\.0\.0\.1:4321: rejected: timeout'
expect_log allow 'CONNECT 127\.0\.0\.1:[0-9]+ user "eve": rejected: user id not allowed'
expect_log allow 'user "bob": granted'
expect_log allow 'closed: idle timeout'
expect_log limit 'rejected: too many clients \(max-clients 2\)'
grep -q "backlog never filled" "$S6_TMP/client.out" ||
	expect_log limit 'CONNECT 127\.0\.0\.1:[0-9]+: rejected: timeout'
if [ $have_ipv6 = yes ]; then
	expect_log main 'CONNECT \[::1\]:[0-9]+: granted'
	expect_log main '^socks6ify-server: \[::1\]:[0-9]+ CONNECT 127\.0\.0\.1'
fi

# ---- SIGTERM with connections open in every phase: all closed, exit 0,
# pid file removed (sanitizer builds: LeakSanitizer runs at that exit)
bg_start hold timeout 60 "$S6_PYTHON" "$CLIENT" --proxy "127.0.0.1:$main_port" \
	--hold "$S6_TMP/ready"
hold_pid=$BG_PID
for _ in $(seq 100); do
	[ -e "$S6_TMP/ready" ] && break
	kill -0 "$hold_pid" 2>/dev/null || break
	sleep 0.1
done
[ -e "$S6_TMP/ready" ] || fail "could not open the connections to hold"

stop_server() { # NAME
	local name=$1 pid rc
	eval "pid=\$${name}_pid"
	kill -TERM "$pid" 2>/dev/null || fail "$name server died early"
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "$name server ignored SIGTERM"
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || fail "$name server exited $rc after SIGTERM"
	[ -e "$S6_TMP/$name.pid" ] && fail "$name server left its pid file"
	expect_log "$name" 'SIGTERM received, exiting'
}
for name in main allow limit; do
	stop_server $name
done
wait "$hold_pid" || fail "held connections were not closed at shutdown"
pass "held connections closed at shutdown"
finish

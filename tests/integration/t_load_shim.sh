#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shim under thread load (issue 8): s6_threads runs 64 threads x 1000
# connections through socks6ify, by SOCKS6 and by SOCKS4a, each connection
# after its own getaddrinfo (a placeholder: `hosts remote`), every 16th one
# a non-blocking connect closed in the middle of its handshake. Every full
# connection must succeed, and the process's descriptor count and RSS after
# the run must equal (fds) and stay within RSS_GROWTH_KIB of (RSS) what
# they were after a warm-up round in the same process: no leak per
# connection. Then, outside the sanitizer build, 8 threads x 50 under
# valgrind --leak-check=full: no "definitely lost" block allocated from
# libsocks6ify.so (in the sanitizer build LeakSanitizer checks the big runs
# at exit instead). Everything runs on loopback in a private namespace.
. "$(dirname "$0")/lib.sh"

THREADS=$S6_BUILDDIR/tests/integration/s6_threads
MATRIX=$S6_BUILDDIR/tests/integration/s6_matrix
require_built "$S6_BIN" "$S6_SERVER_BIN" "$THREADS" "$MATRIX"
require_cmd timeout nice
netns_loopback
ulimit -n 8192 2>/dev/null || skip "cannot raise RLIMIT_NOFILE to 8192"

NT=${S6_LOAD_THREADS:-64}
NC=${S6_LOAD_CONNS:-1000}
# 60000 connections that each leaked 64 bytes would be 3.7 MiB.
RSS_GROWTH_KIB=${RSS_GROWTH_KIB:-2048}
# ASan keeps freed memory in quarantine (256 MiB by default): RSS is no
# measure of leaks there; LeakSanitizer reports them at exit instead.
[ "$S6_SANITIZERS" = yes ] && RSS_GROWTH_KIB=$((512 * 1024))
TOKEN=load-token-$$
PORT=7070

bg_start serve --ns "$NS_L" "$MATRIX" serve 127.0.0.1 "$PORT" "$TOKEN"
wait_for_log 'serve ready' "$S6_TMP/serve.err" 10 || fail "the target server did not start"
start_server --ns "$NS_L" --socks4a 127.0.0.1:1080 --socks6 127.0.0.1:1081 \
	--max-clients 4096
CONF=$(conf load 'hosts remote' 'connect-timeout 20')

# shim NAME URL CMD...: CMD under socks6ify with URL, in the namespace.
# s6_threads is ours: in the sanitizer build LeakSanitizer checks it (and
# the shim inside it) at exit, and finish fails on any report in NAME.err.
shim() {
	local name=$1 url=$2
	shift 2
	run "$name" ip netns exec "$NS_L" env SOCKS6IFY_CONF="$CONF" \
		timeout 170 nice -n 10 "$S6_BIN" -q -p "$url" "$@"
}

val() { # FIELD LINE-PREFIX: a number from s6_threads' output
	sed -nE "s/^$2 .*$1 (-?[0-9]+).*/\\1/p" "$S6_TMP/$S6_LAST.out"
}

seen=0
for url in socks6://127.0.0.1:1081 socks4a://127.0.0.1:1080; do
	kind=${url%%:*}
	SECONDS=0
	shim "threads-$kind" "$url" "$THREADS" localhost "$PORT" "$TOKEN" "$NT" "$NC"
	want=$((NT * NC - NT * (NC / 16)))
	grep -q "^threads $want/$want ok" "$S6_TMP/$S6_LAST.out" && [ "$RC" = 0 ] ||
		fail_last "$kind: not every connection of $NT x $NC succeeded (rc $RC)"
	echo "# $kind: $(grep -E '^(warm|threads|after) ' "$S6_TMP/$S6_LAST.out" | tr '\n' ';')"
	# The proxy logged each one (warm-up included): nothing went direct.
	n=$(grep -c "CONNECT localhost:$PORT" "$S6_SERVER_LOG")
	[ "$n" -ge $((seen + want)) ] || fail "$kind: the proxy saw $((n - seen)) connections, $want expected"
	seen=$n
	pass "$kind: $NT threads x $NC connections, $want full ones all succeeded, $((NT * (NC / 16))) closed mid-handshake ($SECONDS s)"
	f0=$(val fds warm)
	f1=$(val fds after)
	r0=$(val rss warm)
	r1=$(val rss after)
	[ -n "$f0" ] && [ "$f0" = "$f1" ] || fail_last "$kind: $f0 fds after the warm-up, $f1 after the run"
	pass "$kind: descriptors back to $f1 after the run"
	[ $((r1 - r0)) -le "$RSS_GROWTH_KIB" ] ||
		fail_last "$kind: RSS grew from $r0 to $r1 KiB over the run (bound $RSS_GROWTH_KIB KiB)"
	pass "$kind: RSS $r0 -> $r1 KiB over the run (bound +$RSS_GROWTH_KIB KiB)"
done

# ---- valgrind: a smaller run, no block definitely lost from the shim
if [ "$S6_SANITIZERS" = yes ]; then
	echo "# valgrind part left out in the sanitizer build (ASan and valgrind do not mix)"
elif ! command -v valgrind >/dev/null 2>&1; then
	echo "# valgrind part left out: valgrind is not installed"
else
	for url in socks6://127.0.0.1:1081 socks4a://127.0.0.1:1080; do
		kind=${url%%:*}
		vlog=$S6_TMP/valgrind-$kind.log
		shim "valgrind-$kind" "$url" valgrind --leak-check=full \
			--show-leak-kinds=definite --log-file="$vlog" \
			"$THREADS" localhost "$PORT" "$TOKEN" 8 50
		[ "$RC" = 0 ] || fail_last "$kind: the run under valgrind failed (rc $RC)" "$vlog"
		grep -qE 'LEAK SUMMARY|All heap blocks were freed' "$vlog" ||
			fail "$kind: no leak check in the valgrind log" "$vlog"
		n=$(grep -c "CONNECT localhost:$PORT" "$S6_SERVER_LOG")
		[ "$n" -gt "$seen" ] || fail "$kind: nothing reached the proxy under valgrind"
		seen=$n
		# Without the "==PID==" prefixes each loss record is a paragraph;
		# keep the definitely lost ones with a frame in the shim. (The
		# shim's recv(NULL, n, MSG_TRUNC), which discards TCP bytes
		# without a buffer, is reported as an error by valgrind, which
		# does not know that form; it is not a leak.)
		ours=$(sed -E 's/^==[0-9]+== ?//' "$vlog" |
			awk -v RS= '/definitely lost in loss record/ && /libsocks6ify|s6p_|hook_[a-z_]+\.c/')
		[ -z "$ours" ] || fail "$kind: valgrind: memory definitely lost from libsocks6ify.so: $ours"
		pass "$kind: 8 threads x 50 under valgrind: nothing definitely lost from the shim"
	done
fi
finish

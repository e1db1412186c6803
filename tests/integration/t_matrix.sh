#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Threads, fork, spawn and getaddrinfo corner cases (issue 5, items 3 and 4),
# in the namespaces through SOCKS6 and SOCKS4a, with the DNS recorder proving
# no lookup left the client:
# - 64 threads x 20 blocking connections each, by name (remote DNS);
# - a forked child that outlives its parent resolves a new name and connects;
# - vfork()+execve() and posix_spawn() children are proxied (the environment
#   carries LD_PRELOAD);
# - getaddrinfo with NULL node (AI_PASSIVE or not, NULL hints),
#   AI_NUMERICHOST, AI_CANONNAME, numeric host and service strings; reverse
#   lookups of placeholders; `localhost` and a name from the client's
#   /etc/hosts: their real addresses (`hosts local`, the default, read from
#   the file without any DNS query), placeholders with `hosts remote`.
# The C side is s6_matrix (s6_matrix.c, s6_matrix_gai.c).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/programs_lib.sh"

MATRIX=$S6_BUILDDIR/tests/integration/s6_matrix
require_built "$S6_BIN" "$S6_SERVER_BIN" "$MATRIX"
[ -x "$S6_PYTHON" ] || skip "needs python3"
netns_setup
pg_start_proxies

M_PORT=7070
# A name only the client's /etc/hosts knows (the proxy cannot resolve it),
# for the web server's address.
H_NAME=hosts-only.s6test
printf '127.0.0.1 localhost\n%s %s\n' "$W_ADDR" "$H_NAME" >"/etc/netns/$NS_C/hosts"
H_REMOTE=$(conf hosts-remote 'hosts remote')

bg_start matrix-serve --ns "$NS_W" "$MATRIX" serve "$W_ADDR" "$M_PORT" "$TOKEN"
wait_for_log 'serve ready' "$S6_TMP/matrix-serve.err" 10 || fail "the matrix server did not start"

# m NAME ARGS...: s6_matrix ARGS through the proxy in use, in the client.
m()
{
	local name=$1
	shift
	pg_run "$name" "$MATRIX" "$@"
}

for kind in $PG_KINDS; do
	pg_use "$kind"

	# 64 x 20 blocking connects, each after its own getaddrinfo of the
	# same name (one placeholder, looked up concurrently); bounded by the
	# 30 s limit every s6 run has.
	SECONDS=0
	m threads threads "$W_NAME" "$M_PORT" "$TOKEN" 64 20
	[ "$RC" = 0 ] || fail_last "$kind: not every threaded connection succeeded"
	expect_out '^threads 1280/1280 ok' "$kind: 64 threads x 20 connections by name all succeeded ($SECONDS s)"
	pg_expect_proxied "$W_NAME:$M_PORT" "$kind: threads"

	# The child outlives its parent, then resolves a name nobody resolved
	# before in this process tree, and connects.
	result=$S6_TMP/orphan-$kind.result
	name=orphan-$kind.$W_NAME
	printf '%s %s\n' "$W_ADDR" "$name" >>"/etc/netns/$NS_P/hosts"
	m orphan orphan "$name" "$M_PORT" "$TOKEN" "$result"
	expect_rc 0 "$kind: the orphan's parent exited"
	for i in $(seq 150); do [ -s "$result" ] && break; sleep 0.1; done
	[ "$(cat "$result" 2>/dev/null)" = ok ] ||
		fail "$kind: a child that outlived its parent could not resolve and connect" "$result"
	pass "$kind: a forked child that outlived its parent resolved a new name and connected"
	pg_expect_proxied "$name:$M_PORT" "$kind: orphan"

	for how in vfork posix_spawn; do
		m "$how" spawn "$how" "$W_NAME2" "$M_PORT" "$TOKEN"
		expect_rc 0 "$kind: $how child exited 0"
		expect_out "^get $W_NAME2:$M_PORT ok" "$kind: a $how()ed child connected by name"
		pg_expect_proxied "$W_NAME2:$M_PORT" "$kind: $how"
	done

	# A real program spawned by another: Python's subprocess (posix_spawn or
	# vfork inside) running a second Python that connects by name.
	pg_run pyspawn "$S6_PYTHON" -c 'import subprocess, sys
print(subprocess.run([sys.executable, "-c", """import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
print(c.recv(200).decode().strip())""", sys.argv[1], sys.argv[2]],
	capture_output=True, text=True, timeout=20).stdout.strip())' "$W_NAME" "$M_PORT"
	expect_out "^$TOKEN\$" "$kind: a python subprocess connected by name"
	pg_expect_proxied "$W_NAME:$M_PORT" "$kind: python subprocess"

	m gai gai "$W_NAME"
	[ "$RC" = 0 ] || fail_last "$kind: getaddrinfo corner cases: $(grep -c '^FAIL' "$S6_TMP/$S6_LAST.out") failed"
	pass "$kind: getaddrinfo/getnameinfo/gethostbyaddr corner cases ($(grep -c '^ok' "$S6_TMP/$S6_LAST.out") checks)"

	# localhost and a client /etc/hosts name: by default (`hosts local`)
	# their real addresses from the file, and the connection to such an
	# address is proxied like any other (by address).
	m resolve resolve localhost "$H_NAME" app.localhost
	expect_out '^localhost 127\.0\.0\.1$' "$kind: localhost is 127.0.0.1 (hosts local)"
	expect_out "^$H_NAME $W_ADDR\$" "$kind: a client /etc/hosts name has its address from the file"
	expect_out '^app\.localhost 127\.0\.0\.1$' "$kind: *.localhost is loopback without a hosts line"
	m hosts-get get "$H_NAME" "$M_PORT" "$TOKEN"
	expect_out "^get $H_NAME:$M_PORT ok" "$kind: a name only the client's /etc/hosts knows was reached"
	pg_expect_proxied "$W_ADDR:$M_PORT" "$kind: by its /etc/hosts address"

	# With `hosts remote` both are names for the proxy (placeholders).
	pg_run resolve-remote -f "$H_REMOTE" "$MATRIX" resolve localhost "$H_NAME"
	expect_out '^localhost 24[0-9]\.|^localhost 25[0-5]\.' "$kind: hosts remote: localhost is a placeholder"
	expect_out "^$H_NAME 24[0-9]\.|^$H_NAME 25[0-5]\." "$kind: hosts remote: a client /etc/hosts name is a placeholder"
	pg_run hosts-get-remote -f "$H_REMOTE" "$MATRIX" get "$H_NAME" "$M_PORT" "$TOKEN"
	[ "$RC" != 0 ] || fail_last "$kind: hosts remote: a name only the client's /etc/hosts knows was reached"
	pass "$kind: hosts remote: a name only the client's /etc/hosts knows is not resolved by the proxy"

	expect_no_dns_leak "$kind: no DNS packet left the client"
done
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo: install missing dependencies, build in build/, start the bundled
# SOCKS6 server (with a user) and a small web server on loopback, fetch the
# page twice with curl through socks6ify (the first run authenticates and
# opens a session, the second reuses it), and show what each side logged.
# Everything it starts is stopped on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

s6_install_deps || exit 1
s6_bootstrap || exit 1
s6_say "build build/ (log: build/build.log)"
mkdir -p build
if ! s6_build build >build/build.log 2>&1; then
	tail -n 40 build/build.log
	echo "demo: build failed" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/socks6ify-demo.XXXXXX") || exit 1
pids=()
cleanup()
{
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_line REGEX FILE: up to 10 s for a line to appear.
wait_line()
{
	local i
	for i in $(seq 100); do
		grep -qE "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: timed out waiting for /$1/ in $2" >&2
	cat "$2" >&2
	return 1
}

# Port 0: the kernel picks free ports; both servers say which.
./build/socks6ify-server --socks6 127.0.0.1:0 --user demo:demo6 2>"$tmp/server.log" &
pids+=($!)
wait_line 'listening socks6' "$tmp/server.log" || exit 1
proxy_port=$(sed -nE 's/.*listening socks6 127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/server.log" | head -n 1)

mkdir "$tmp/www"
token="socks6ify demo page $$"
printf '<html><body><h1>%s</h1></body></html>\n' "$token" >"$tmp/www/index.html"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/web.log" 2>&1 &
pids+=($!)
wait_line 'Serving HTTP' "$tmp/web.log" || exit 1
web_port=$(sed -nE 's/.*port ([0-9]+).*/\1/p' "$tmp/web.log" | head -n 1)

cmd=(./build/socks6ify -v -p "socks6://demo:demo6@127.0.0.1:$proxy_port" curl -sS --max-time 15 "http://127.0.0.1:$web_port/")
# SOCKS6IFY_CONF="": no configuration file, so nothing on this machine
# (an exclude rule for loopback, say) changes what the demo shows; the
# session store lives in the demo's scratch directory.
export XDG_RUNTIME_DIR=$tmp/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
rc=0
for run in 1 2; do
	s6_say "${cmd[*]}   (run $run)"
	SOCKS6IFY_CONF= timeout 30 "${cmd[@]}" >"$tmp/page$run" 2>>"$tmp/shim.log" || rc=$?
done

s6_say "the page curl got"
cat "$tmp/page2"
s6_say "what the shim logged (curl's stderr)"
cat "$tmp/shim.log"
s6_say "what socks6ify-server logged"
cat "$tmp/server.log"

if [ "$rc" = 0 ] && grep -qF "$token" "$tmp/page1" && grep -qF "$token" "$tmp/page2" &&
	grep -q "CONNECT 127.0.0.1:$web_port .*auth=userpass-0rtt user=demo session=new" "$tmp/server.log" &&
	grep -q "CONNECT 127.0.0.1:$web_port .*auth=session user=demo session=reuse" "$tmp/server.log"; then
	s6_say "demo OK: curl reached the web server through socks6ify-server (SOCKS6; the second run reused the session)"
	exit 0
fi
echo "demo: FAILED (curl exit $rc)" >&2
exit 1

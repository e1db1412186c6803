# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by t_programs*.sh (sourced after lib.sh, never run): the two proxies
# every real program goes through, and the check that a request went through
# the one in use.
#
#   socks6  socks6ify-server --socks6 $P_ADDR:1080, user alice (0-RTT)
#   socks4a socks6ify-server --socks4a $P_ADDR:1081, user id carol

PG_S6_PORT=1080
PG_S4_PORT=1081
PG_KINDS="socks6 socks4a"

pg_start_proxies()
{
	start_server --ns "$NS_P" --name s6srv --socks6 "$P_ADDR:$PG_S6_PORT" --user alice:secret
	PG_S6_LOG=$S6_SERVER_LOG
	start_server --ns "$NS_P" --name s4srv --socks4a "$P_ADDR:$PG_S4_PORT"
	PG_S4_LOG=$S6_SERVER_LOG
}

# pg_use KIND: the proxy the next programs run through. Sets PG_PROXY and
# remembers where that server's log stands, for pg_expect_proxied.
pg_use()
{
	PG_KIND=$1
	case $1 in
	socks6)
		PG_PROXY=socks6://alice:secret@$P_ADDR:$PG_S6_PORT
		PG_LOG=$PG_S6_LOG ;;
	socks4a)
		PG_PROXY=socks4a://carol@$P_ADDR:$PG_S4_PORT
		PG_LOG=$PG_S4_LOG ;;
	esac
	pg_mark
}

pg_mark()
{
	PG_MARK=$(($(wc -l <"$PG_LOG") + 1))
}

# pg_expect_proxied HOST:PORT WHAT: since the last pg_use/pg_mark the proxy in
# use granted a CONNECT to HOST:PORT for our user (the server logs the name it
# was given, so a name here proves the proxy resolved it). Marks the log.
pg_expect_proxied()
{
	local target=$1 re i
	if [ "$PG_KIND" = socks6 ]; then
		re="CONNECT $target auth=[a-z0-9-]+ user=alice .*reply=0 "
	else
		re="CONNECT $target user \"carol\": granted"
	fi
	for i in $(seq 50); do
		tail -n +"$PG_MARK" "$PG_LOG" | grep -qE -- "$re" && break
		sleep 0.1
	done
	tail -n +"$PG_MARK" "$PG_LOG" | grep -qE -- "$re" ||
		fail "$2: the $PG_KIND server did not log /$re/" "$PG_LOG"
	pg_mark
	pass "$2: the $PG_KIND proxy connected to $target"
}

# pg_run NAME CMD...: CMD through socks6ify and the proxy in use, in the
# client namespace, its output in $S6_TMP/NAME-KIND.{out,err}.
pg_run()
{
	local name=$1
	shift
	run "$name-$PG_KIND" s6 --ns "$NS_C" -v -p "$PG_PROXY" "$@"
}

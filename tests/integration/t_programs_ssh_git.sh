#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ssh and git through socks6ify in the namespaces, each through SOCKS6
# (with a user) and SOCKS4a, with the packet capture on the client's veth
# proving nothing but proxy traffic left the client:
# - ssh with a key made here to an sshd in the server namespace, by a name
#   only the proxy resolves, runs a command;
# - git clone over http (dumb protocol: a bare repository after
#   update-server-info, served by python's http.server) by name.
# git's http helper hangs before main() under the preloaded ASan runtime
# (see usable_under_asan in lib.sh): the sanitizer build leaves it out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/programs_lib.sh"

require_built "$S6_BIN" "$S6_SERVER_BIN"
[ -x "$S6_PYTHON" ] || skip "needs python3"
use_ssh=no use_git=no
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null && use_ssh=yes
command -v git >/dev/null && use_git=yes
[ $use_ssh = yes ] || echo "# ssh checks left out: ssh, ssh-keygen or /usr/sbin/sshd not installed"
[ $use_git = yes ] || echo "# git checks left out: git not installed"
[ $use_ssh = yes ] || [ $use_git = yes ] || skip "needs ssh and sshd, or git"
netns_setup
capture_start
pg_start_proxies

SSH_PORT=2222
export HOME=$S6_TMP/home GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
mkdir -p "$HOME"

# ---- sshd in the server namespace, one key pair for the host, one for us
ssh_setup()
{
	local d=$S6_TMP/ssh
	mkdir -p "$d" /run/sshd || fail "cannot create $d or /run/sshd"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" &&
		ssh-keygen -q -t ed25519 -N '' -f "$d/id" &&
		cp "$d/id.pub" "$d/authorized_keys" || fail "ssh-keygen failed"
	cat >"$d/sshd_config" <<-EOF
	Port $SSH_PORT
	ListenAddress $W_ADDR
	HostKey $d/host_key
	AuthorizedKeysFile $d/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	PidFile none
	EOF
	bg_start sshd --ns "$NS_W" /usr/sbin/sshd -D -e -f "$d/sshd_config"
	wait_for_log "Server listening on $W_ADDR port $SSH_PORT" "$S6_TMP/sshd.err" 10 ||
		fail "sshd did not start"
	SSH=(ssh -F /dev/null -i "$d/id" -p "$SSH_PORT" -o BatchMode=yes
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=2)
}

# ---- a bare repository with one commit, served over dumb http
git_setup()
{
	local src=$S6_TMP/gitsrc
	{
		git -c init.defaultBranch=main init -q "$src" &&
		printf '%s\n' "$TOKEN" >"$src/token.txt" &&
		git -C "$src" add token.txt &&
		git -C "$src" -c user.name=s6 -c user.email=s6@s6test commit -q -m "s6 test" &&
		git clone -q --bare "$src" "$S6_TMP/www/repo.git" &&
		git -C "$S6_TMP/www/repo.git" update-server-info
	} >"$S6_TMP/gitsetup.log" 2>&1 || fail "cannot make the test repository" "$S6_TMP/gitsetup.log"
	chmod -R a+rX "$S6_TMP/www"
}

[ $use_ssh = yes ] && ssh_setup
[ $use_git = yes ] && ! usable_under_asan "git clone over http" \
	git ls-remote http://127.0.0.1:1/none && use_git=no
[ $use_git = yes ] && git_setup

check_ssh()
{
	pg_run ssh "${SSH[@]}" "root@$W_NAME" echo "hi-$TOKEN"
	expect_rc 0 "$PG_KIND ssh: exits 0"
	[ "$OUT" = "hi-$TOKEN" ] || fail_last "$PG_KIND ssh: the remote command's output did not come back"
	pass "$PG_KIND ssh: key-based login by name, the remote command ran"
	pg_expect_proxied "$W_NAME:$SSH_PORT" "$PG_KIND ssh"
	SSH_RUNS=$((SSH_RUNS + 1))
	[ "$(grep -c "Accepted publickey for root from $P_ADDR_W " "$S6_TMP/sshd.err")" = $SSH_RUNS ] ||
		fail "sshd did not log this login from the proxy's address"
	pass "$PG_KIND ssh: sshd accepted the key from the proxy's address"
}

check_git()
{
	local dest=$S6_TMP/clone-$PG_KIND
	pg_run git git clone -q "http://$W_NAME:$W_PORT/repo.git" "$dest"
	expect_rc 0 "$PG_KIND git clone over http: exits 0"
	[ "$(cat "$dest/token.txt" 2>/dev/null)" = "$TOKEN" ] ||
		fail_last "$PG_KIND git clone: the checkout lacks the committed file"
	[ "$(git -C "$dest" log -1 --format=%s 2>/dev/null)" = "s6 test" ] ||
		fail_last "$PG_KIND git clone: the commit is not there"
	pass "$PG_KIND git clone: the commit and its file arrived"
	pg_expect_proxied "$W_NAME:$W_PORT" "$PG_KIND git clone"
	GIT_RUNS=$((GIT_RUNS + 1))
	[ "$(grep -c '"GET /repo.git/info/refs' "$S6_TMP/web.err")" = $GIT_RUNS ] ||
		fail "git did not fetch info/refs (dumb http)" "$S6_TMP/web.err"
	pass "$PG_KIND git clone: fetched over the dumb http protocol"
}

SSH_RUNS=0 GIT_RUNS=0
for kind in $PG_KINDS; do
	pg_use "$kind"
	[ $use_ssh = yes ] && check_ssh
	[ $use_git = yes ] && check_git
done

expect_capture_only_proxy "$PG_S6_PORT" "$PG_S4_PORT"
expect_no_dns_leak
finish

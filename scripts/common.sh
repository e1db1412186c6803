# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by demo.sh and test.sh (sourced): install what is missing, build.

S6_DEPS="build-essential autoconf automake libtool pkg-config check curl python3 iproute2 procps"
# Real programs the integration tests run through socks6ify (t_programs*.sh).
S6_DEPS="$S6_DEPS wget netcat-openbsd openssh-server openssh-client git openssl"
# dig, host and nslookup (their own DNS over UDP through the proxy).
S6_DEPS="$S6_DEPS bind9-dnsutils"
# TLS for the server and the engine (pkg-config openssl).
S6_DEPS="$S6_DEPS libssl-dev"
# CONNECT-IP in the engine: the userspace TCP/IP stack (lwIP).
S6_DEPS="$S6_DEPS liblwip-dev"
# Leak check of the shim under thread load (t_load_shim.sh).
S6_DEPS="$S6_DEPS valgrind"
# CONNECT-IP forwarding in the server (pkg-config slirp needs glib's .pc).
S6_DEPS="$S6_DEPS libslirp-dev libglib2.0-dev"

s6_say()
{
	printf '==> %s\n' "$*"
}

# Install the Debian packages that are not installed yet (apt-get update once,
# and only when something is missing).
s6_install_deps()
{
	local missing=() p
	for p in $S6_DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages: ${missing[*]}; run as root, or install them first" >&2
		return 1
	fi
	s6_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# The tests start their own daemons (sshd) in namespaces: installing a
	# package must not start a system-wide service, so invoke-rc.d is told
	# "no" (policy-rc.d exit 101) for the length of the install.
	local policy=/usr/sbin/policy-rc.d own_policy=0 rc
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
	fi
	apt-get update -q &&
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	rc=$?
	[ "$own_policy" = 1 ] && rm -f "$policy"
	return "$rc"
}

# s6_build DIR [CONFIGURE ARGS...]: configure out of tree in DIR and build.
s6_build()
{
	local dir=$1
	shift
	mkdir -p "$dir" &&
		(cd "$dir" && ../configure -q "$@" && make -s -j2)
}

# Generate the build system when a fresh clone has none.
s6_bootstrap()
{
	if [ "${1:-}" = force ] || [ ! -x configure ]; then
		s6_say "autoreconf -fi"
		mkdir -p m4   # git keeps no empty directory; aclocal wants it
		autoreconf -fi
	fi
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Python program in the isolated client namespace, with blocking and
# timeout sockets: what it sees of placeholders, peers, names, its fd, its
# local port and socket options, IPv6 through an IPv4 proxy, and UDP blocked.
. "$(dirname "$0")/lib.sh"

require_built "$S6_BIN"
netns_setup
start_server --ns "$NS_P" --socks4a "$P_ADDR:1080"

# Each check prints "ok NAME detail" or "not ok NAME detail"; an exception
# in one check does not stop the others.
cat >"$S6_TMP/client.py" <<'EOF'
import errno, ipaddress, os, socket, sys
name, port, token, bind_port, name2 = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
REQ = ("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % name).encode()

def report(check, good, detail=""):
    print("%s %s %s" % ("ok" if good else "not ok", check, detail), flush=True)

def fetch(s):
    s.sendall(REQ)
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            return data.decode("latin-1")
        data += d

def check(fn):
    try:
        fn()
    except Exception as e:
        report(fn.__name__, False, "raised %r" % (e,))
    return fn

@check
def create_connection_blocking():
    with socket.create_connection((name, port)) as s:
        report("create_connection_blocking", token in fetch(s))

@check
def create_connection_timeout():
    with socket.create_connection((name, port), timeout=10) as s:
        report("create_connection_timeout", token in fetch(s))

@check
def placeholder_peer_name():
    ai = socket.getaddrinfo(name, port, socket.AF_INET, socket.SOCK_STREAM)
    ph = ai[0][4][0]
    in_range = ipaddress.ip_address(ph) in ipaddress.ip_network("240.0.0.0/4")
    report("placeholder_v4", in_range, ph)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fd = s.fileno()
    s.connect((ph, port))
    peer = s.getpeername()
    report("getpeername_placeholder", peer == (ph, port), repr(peer))
    # The program's fd number is the connection: talk on it without Python's object.
    os.write(fd, REQ)
    data = b""
    while True:
        d = os.read(fd, 65536)
        if not d:
            break
        data += d
    report("fd_unchanged", s.fileno() == fd and token.encode() in data, "fd %d" % fd)
    s.close()
    host = socket.gethostbyaddr(ph)
    report("gethostbyaddr_placeholder", host[0] == name, repr(host))
    got = socket.getnameinfo((ph, port), socket.NI_NAMEREQD)
    report("getnameinfo_placeholder", got[0] == name, repr(got))
    again = socket.getaddrinfo(name, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    report("placeholder_stable", again == ph, again)

@check
def bind_before_connect():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", bind_port))
        s.connect((name, port))
        local = s.getsockname()
        report("bind_before_connect", local[1] == bind_port and token in fetch(s), repr(local))

@check
def keepalive_survives():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.connect((name, port))
        ka = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        report("keepalive_survives", ka == 1 and token in fetch(s), "SO_KEEPALIVE=%d" % ka)

@check
def ipv6_placeholder():
    ai = socket.getaddrinfo(name, port, socket.AF_INET6, socket.SOCK_STREAM)
    ph = ai[0][4][0]
    in_range = ipaddress.ip_address(ph) in ipaddress.ip_network("100::/64")
    report("placeholder_v6", in_range, ph)
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.connect((ph, port, 0, 0))
        peer = s.getpeername()
        report("ipv6_through_ipv4_proxy", peer[0] == ph and token in fetch(s), repr(peer))

@check
def fork_shares_placeholders():
    # The child resolves a name the parent never looked up; the parent
    # connects to the child's placeholder: one map across fork.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            ph = socket.getaddrinfo(name2, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
            os.write(w, ph.encode())
        finally:
            os._exit(0)
    os.close(w)
    ph = os.read(r, 64).decode()
    os.waitpid(pid, 0)
    with socket.create_connection((ph, port), timeout=10) as s:
        page = fetch(s)
    host = socket.gethostbyaddr(ph)[0]
    report("fork_shares_placeholders", token in page and host == name2, "%s = %s" % (ph, host))

@check
def udp_blocked():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        try:
            u.sendto(b"\0" * 12, ("192.0.2.1", 53))
            report("udp_blocked", False, "sendto succeeded")
        except OSError as e:
            report("udp_blocked", e.errno == errno.EACCES, "errno %s" % e.errno)

print("done", flush=True)
EOF

CHECKS="create_connection_blocking create_connection_timeout placeholder_v4
	getpeername_placeholder fd_unchanged gethostbyaddr_placeholder
	getnameinfo_placeholder placeholder_stable bind_before_connect
	keepalive_survives placeholder_v6 ipv6_through_ipv4_proxy fork_shares_placeholders
	udp_blocked"

run client s6 --ns "$NS_C" -p "socks4a://$P_ADDR:1080" \
	"$S6_PYTHON" "$S6_TMP/client.py" "$W_NAME" "$W_PORT" "$TOKEN" 40123 "$W_NAME2"
expect_rc 0 "the Python client runs to the end"
expect_out '^done$' "the Python client completed every check"
for c in $CHECKS; do
	line=$(grep -E "^(not )?ok $c( |$)" "$S6_TMP/client.out")
	case $line in
	"ok $c"*) pass "python: $line" ;;
	"") fail_last "python: check $c did not report" ;;
	*) fail_last "python: $line" ;;
	esac
done
grep -q '^not ok' "$S6_TMP/client.out" && fail_last "python: unexpected failure"
expect_err 'UDP cannot go through this proxy; blocked \(fail closed\)' \
	"the blocked datagram is logged"

# Every TCP connection reached the web server through the proxy.
[ "$(grep -c "^$P_ADDR_W .*GET / " "$S6_TMP/web.err")" -ge 7 ] ||
	fail "the web server did not see seven GETs from the proxy"
pass "the web server saw every request coming from the proxy"

expect_no_dns_leak
finish

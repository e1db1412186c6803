#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Leak test: a mix of programs and lookup APIs in the isolated client
# namespace. The client can reach nothing but the proxy's address, and a
# recorder on its nameserver address logs every DNS packet: it must stay
# empty, while the proxy's log shows every connection by name.
. "$(dirname "$0")/lib.sh"

require_cmd getent
require_built "$S6_BIN"
netns_setup
start_server --ns "$NS_P" --socks4a "$P_ADDR:1080"
PROXY=socks4a://$P_ADDR:1080

# The topology itself: no default route, nothing routed beyond the proxy.
[ -z "$(ip -n "$NS_C" route show default)" ] || fail "the client namespace has an IPv4 default route"
[ -z "$(ip -n "$NS_C" -6 route show default)" ] || fail "the client namespace has an IPv6 default route"
ip -n "$NS_C" route get "$W_ADDR" >/dev/null 2>&1 && fail "the client namespace has a route to $W_ADDR"
pass "the client namespace can reach only 192.0.2.0/24"

# Each lookup API, several names, both families; connections by name; direct
# DNS over UDP (sendto, connected send, and glibc's resolver entry points).
# Every API looks up its own name, so a leak names the API that let it out.
cat >"$S6_TMP/mix.py" <<'PYEOF'
import ctypes, errno, socket, sys
name, port, token, ns = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
# The global scope, as a program linked against these functions sees them
# (CDLL("libc.so.6") would look inside libc only, past any preloaded hook).
libc = ctypes.CDLL(None, use_errno=True)
def report(check, good, detail=""):
    print("%s %s %s" % ("ok" if good else "not ok", check, detail), flush=True)
def check(fn):
    try:
        fn()
    except Exception as e:
        report(fn.__name__, False, "raised %r" % (e,))

@check
def getaddrinfo():
    names = [name, "gai-alpha.s6test", "gai-beta.s6test", "gai-gamma.invalid"]
    for n in names:
        for fam in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
            assert socket.getaddrinfo(n, port, fam, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
    report("getaddrinfo", True, "%d names x 3 families" % len(names))

@check
def gethostbyname():
    a = socket.gethostbyname("ghbn.s6test")
    report("gethostbyname", a.startswith("24"), a)

@check
def gethostbyname_ex():
    ex = socket.gethostbyname_ex("ghbnex.s6test")
    report("gethostbyname_ex", ex[0] == "ghbnex.s6test", repr(ex))

@check
def fetch_by_name():
    with socket.create_connection((name, port), timeout=10) as s:
        s.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % name).encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    report("fetch_by_name", token.encode() in data)

@check
def unknown_name_refused():
    try:
        socket.create_connection(("gai-alpha.s6test", port), timeout=10)
        report("unknown_name_refused", False, "connected")
    except OSError as e:
        report("unknown_name_refused", e.errno == errno.ECONNREFUSED, "errno %s" % e.errno)

def query(qname):
    labels = b"".join(bytes([len(l)]) + l.encode() for l in qname.split("."))
    return bytes.fromhex("123401000001000000000000") + labels + b"\0\0\1\0\1"

@check
def udp_sendto_blocked():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        try:
            u.sendto(query("udp-sendto.s6test"), (ns, 53))
            report("udp_sendto_blocked", False, "sendto succeeded")
        except OSError as e:
            report("udp_sendto_blocked", e.errno == errno.EACCES, "errno %s" % e.errno)

@check
def udp_connected_blocked():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        try:
            u.connect((ns, 53))
            u.send(query("udp-send.s6test"))
            report("udp_connected_blocked", False, "send succeeded")
        except OSError as e:
            report("udp_connected_blocked", e.errno == errno.EACCES, "errno %s" % e.errno)

# glibc's resolver API: these lookups run inside libc, where no hook on
# connect/sendto sees their packets. With remote DNS, res_* must fail
# without sending, and getaddrinfo_a must answer with a placeholder.
@check
def res_query():
    buf = ctypes.create_string_buffer(512)
    n = libc.res_query(b"res-query.s6test", 1, 1, buf, 512)
    n2 = libc.res_search(b"res-search.s6test", 1, 28, buf, 512)
    report("res_query", n < 0 and n2 < 0, "res_query %d, res_search %d" % (n, n2))

class addrinfo(ctypes.Structure):
    pass
addrinfo._fields_ = [("ai_flags", ctypes.c_int), ("ai_family", ctypes.c_int),
                     ("ai_socktype", ctypes.c_int), ("ai_protocol", ctypes.c_int),
                     ("ai_addrlen", ctypes.c_uint32), ("ai_addr", ctypes.c_void_p),
                     ("ai_canonname", ctypes.c_char_p),
                     ("ai_next", ctypes.POINTER(addrinfo))]
class gaicb(ctypes.Structure):
    _fields_ = [("ar_name", ctypes.c_char_p), ("ar_service", ctypes.c_char_p),
                ("ar_request", ctypes.c_void_p), ("ar_result", ctypes.POINTER(addrinfo)),
                ("reserved", ctypes.c_char * 64)]

@check
def getaddrinfo_a():
    cb = gaicb(b"gai-a.s6test", b"8080", None, None)
    arr = (ctypes.POINTER(gaicb) * 1)(ctypes.pointer(cb))
    r = libc.getaddrinfo_a(0, arr, 1, None)   # GAI_WAIT
    err = libc.gai_error(ctypes.pointer(cb))
    addrs = []
    ai = cb.ar_result
    while err == 0 and ai:
        raw = ctypes.string_at(ai.contents.ai_addr, ai.contents.ai_addrlen)
        fam = int.from_bytes(raw[:2], "little")
        addrs.append(socket.inet_ntop(fam, raw[4:8] if fam == socket.AF_INET else raw[8:24]))
        ai = ai.contents.ai_next
    good = r == 0 and err == 0 and addrs and all(a.startswith(("24", "25", "100::")) for a in addrs)
    report("getaddrinfo_a", good, "returned %d, gai_error %d, %s" % (r, err, addrs))

@check
def tcp_dns_via_proxy():
    # TCP to port 53 goes to the proxy like any other connection, so
    # nothing arrives from the client's own address.
    try:
        socket.create_connection((ns, 53), timeout=10).close()
        report("tcp_dns_via_proxy", True, "connected through the proxy")
    except OSError as e:
        report("tcp_dns_via_proxy", True, "errno %s" % e.errno)

@check
def reverse_lookups():
    try:
        r = socket.getnameinfo(("198.51.100.7", 80), socket.NI_NAMEREQD)
    except OSError as e:
        r = str(e)
    try:
        r2 = socket.gethostbyaddr("198.51.100.8")
    except OSError as e:
        r2 = str(e)
    report("reverse_lookups", True, "%r / %r" % (r, r2))
print("done", flush=True)
PYEOF

run mix s6 --ns "$NS_C" -v -p "$PROXY" "$S6_PYTHON" "$S6_TMP/mix.py" "$W_NAME" "$W_PORT" "$TOKEN" "$P_ADDR"
expect_out '^done$' "the Python mix ran to the end"
for c in getaddrinfo gethostbyname gethostbyname_ex fetch_by_name unknown_name_refused \
	udp_sendto_blocked udp_connected_blocked res_query getaddrinfo_a tcp_dns_via_proxy \
	reverse_lookups; do
	line=$(grep -E "^(not )?ok $c( |$)" "$S6_TMP/mix.out")
	case $line in
	"ok $c"*) pass "python: $line" ;;
	"") fail_last "python: check $c did not report" ;;
	*) fail_last "python: $line" ;;
	esac
done
expect_err 'res_query\(res-query\.s6test\): refused' "the refused res_query is logged"

run getent-hosts s6 --ns "$NS_C" -p "$PROXY" getent hosts getent.s6test
expect_rc 0 "getent hosts answers"
expect_out "^((24[0-9]|25[0-5])\.[0-9.]+|100::[0-9a-f:]*) +getent\.s6test" \
	"getent hosts gives a placeholder"
run getent-ahosts s6 --ns "$NS_C" -p "$PROXY" getent ahostsv4 getent-v4.s6test
expect_rc 0 "getent ahostsv4 answers"
expect_out "^(24[0-9]|25[0-5])\." "getent ahostsv4 gives a 240.0.0.0/4 placeholder"
run getent-ahosts6 s6 --ns "$NS_C" -p "$PROXY" getent ahostsv6 getent-v6.s6test
expect_rc 0 "getent ahostsv6 answers"
expect_out "^100::" "getent ahostsv6 gives a 100::/64 placeholder"

s6_http_get_setup
run fetch s6 --ns "$NS_C" -p "$PROXY" "${HTTP_GET[@]}" "http://$W_NAME:$W_PORT/"
expect_out "$TOKEN" "$HTTP_CLIENT by name gets the page"
if curl_usable; then
	run curl6 s6 --ns "$NS_C" -p "$PROXY" curl -6 -sS --max-time 15 "http://$W_NAME:$W_PORT/"
	expect_out "$TOKEN" "curl -6 by name gets the page (IPv6 placeholder, IPv4 proxy)"
fi

# A shell pipeline: the shim follows fork and exec.
run shell s6 --ns "$NS_C" -p "$PROXY" sh -c \
	"getent hosts $W_NAME >/dev/null && ${HTTP_GET[*]} http://$W_NAME:$W_PORT/ | cat"
expect_out "$TOKEN" "a child of a shell gets the page"

# The proxy saw every connection to the web server by name: python 1,
# fetch 1, shell 1 (and curl -6); and the one for a name only the proxy
# could fail on.
n=$(grep -cE "$W_NAME:$W_PORT" "$S6_SERVER_LOG")
[ "$n" -ge 3 ] || fail "the server logged $n requests for $W_NAME, expected at least 3"
pass "the server logged every request for $W_NAME ($n)"
grep -qE "gai-alpha\.s6test" "$S6_SERVER_LOG" ||
	fail "the server did not log the request for gai-alpha.s6test"
pass "a name the proxy cannot resolve still reached the proxy, not a resolver"
[ "$(grep -c 'GET / ' "$S6_TMP/web.err")" = "$(grep -c "^$P_ADDR_W .*GET / " "$S6_TMP/web.err")" ] ||
	fail "the web server saw a request not coming from the proxy"
pass "the web server saw requests from the proxy only"

expect_no_dns_leak "no DNS packet from any program reached the recorder"
finish

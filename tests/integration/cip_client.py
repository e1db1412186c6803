# SPDX-License-Identifier: GPL-2.0-or-later
# A small CONNECT-IP client for t_server_connect_ip.sh: HTTP/1.1 Upgrade,
# capsules (RFC 9484 and draft-00), IPv4/IPv6 UDP, ICMP echo and TCP packets
# built by hand. Each scenario prints "ok ..." lines and exits 1 at the
# first failed check.
import base64, os, socket, ssl, struct, sys, time

RFC, D00 = 'rfc', 'd00'
T = {RFC: dict(dg=0x00, assign=0x01, req=0x02, route=0x03),
     D00: dict(dg=0xff37a0, assign=0xfff100, req=0xfff101, route=0xfff102, reg=0xff37a1)}
DEF = '/.well-known/masque/ip/%s/%s/'


def check(cond, what):
    print(('ok ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        sys.exit(1)


def venc(v, width=None):
    if width is None:
        width = 1 if v < 64 else 2 if v < 16384 else 4 if v < 2 ** 30 else 8
    bits = {1: 0, 2: 0x40, 4: 0x80, 8: 0xc0}[width]
    b = v.to_bytes(width, 'big')
    return bytes([b[0] | bits]) + b[1:]


def vdec(b, i):
    if i >= len(b):
        return None, i
    n = 1 << (b[i] >> 6)
    if i + n > len(b):
        return None, i
    v = b[i] & 0x3f
    for k in range(1, n):
        v = v << 8 | b[i + k]
    return v, i + n


def capsule(t, body):
    return venc(t) + venc(len(body)) + body


class Tunnel:
    def __init__(self, port, path, mode=RFC, auth=None, host='127.0.0.1', early=b''):
        self.mode = mode
        self.s = socket.create_connection((host, port), timeout=5)
        if os.environ.get('CIP_TLS_CA'):      # --connect-ip-tls
            ctx = ssl.create_default_context(cafile=os.environ['CIP_TLS_CA'])
            self.s = ctx.wrap_socket(self.s, server_hostname='proxy.test')
        h = 'GET %s HTTP/1.1\r\nHost: proxy.test\r\nConnection: Upgrade\r\n' \
            'Upgrade: connect-ip\r\n' % path
        if mode == RFC:
            h += 'Capsule-Protocol: ?1\r\n'
        if auth:
            h += 'Proxy-Authorization: Basic %s\r\n' % base64.b64encode(auth.encode()).decode()
        self.s.sendall(h.encode() + b'\r\n' + early)
        self.buf = b''
        while b'\r\n\r\n' not in self.buf:
            x = self.s.recv(4096)
            if not x:
                break
            self.buf += x
        head, _, self.buf = self.buf.partition(b'\r\n\r\n')
        lines = head.decode('latin1').split('\r\n')
        self.status_line = lines[0]
        self.status = int(lines[0].split()[1]) if len(lines[0].split()) > 1 else 0
        self.headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(':')
            self.headers[k.strip().lower()] = v.strip()

    def send(self, t, body):
        self.s.sendall(capsule(t, body))

    def next_capsule(self, timeout=5):
        end = time.time() + timeout
        while True:
            t, i = vdec(self.buf, 0)
            if t is not None:
                n, j = vdec(self.buf, i)
                if n is not None and j + n <= len(self.buf):
                    body = self.buf[j:j + n]
                    self.buf = self.buf[j + n:]
                    return t, body
            left = end - time.time()
            if left <= 0:
                return None, None
            self.s.settimeout(left)
            try:
                x = self.s.recv(65536)
            except socket.timeout:
                return None, None
            if not x:
                return 'eof', None
            self.buf += x

    def wait(self, kind, timeout=5, pred=None):
        """Next capsule of a kind matching pred (others skipped), or None."""
        end = time.time() + timeout
        while time.time() < end:
            t, b = self.next_capsule(end - time.time())
            if t is None or t == 'eof':
                return None
            if t != T[self.mode][kind]:
                continue
            if kind == 'dg':
                ctx, i = vdec(b, 0)
                if ctx != 0:
                    continue
                b = b[i:]
            if pred is None or pred(b):
                return b
        return None

    def packet(self, p):
        self.send(T[self.mode]['dg'], venc(0) + p)


def addrs(mode, b):
    out, i = [], 0
    while i < len(b):
        rid = 0
        if mode == RFC:
            rid, i = vdec(b, i)
        v = b[i]
        n = 4 if v == 4 else 16
        a = socket.inet_ntop(socket.AF_INET if v == 4 else socket.AF_INET6, b[i + 1:i + 1 + n])
        out.append((rid, v, a, b[i + 1 + n]))
        i += 2 + n
    return out


def routes(b):
    out, i = [], 0
    while i < len(b):
        v = b[i]
        n = 4 if v == 4 else 16
        f = socket.AF_INET if v == 4 else socket.AF_INET6
        out.append((v, socket.inet_ntop(f, b[i + 1:i + 1 + n]),
                    socket.inet_ntop(f, b[i + 1 + n:i + 1 + 2 * n]), b[i + 1 + 2 * n]))
        i += 2 + 2 * n
    return out


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, ttl=64):
    h = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('>H', csum(h)) + h[12:] + payload


def udp4(src, dst, sport, dport, data, ttl=64):
    u = struct.pack('>HHHH', sport, dport, 8 + len(data), 0) + data
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('>BBH', 0, 17, len(u))
    c = csum(ph + u) or 0xffff
    return ip4(src, dst, 17, u[:6] + struct.pack('>H', c) + u[8:], ttl)


def udp6(src, dst, sport, dport, data, hop=64):
    s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    u = struct.pack('>HHHH', sport, dport, 8 + len(data), 0) + data
    c = csum(s6 + d6 + struct.pack('>I3xB', len(u), 17) + u) or 0xffff
    u = u[:6] + struct.pack('>H', c) + u[8:]
    return struct.pack('>IHBB', 0x60000000, len(u), 17, hop) + s6 + d6 + u


def icmp4_echo(src, dst, ident, seq, data):
    m = struct.pack('>BBHHH', 8, 0, 0, ident, seq) + data
    m = m[:2] + struct.pack('>H', csum(m)) + m[4:]
    return ip4(src, dst, 1, m)


def icmp4_err(src, dst, t, c, quote):
    m = struct.pack('>BBHI', t, c, 0, 0) + quote
    m = m[:2] + struct.pack('>H', csum(m)) + m[4:]
    return ip4(src, dst, 1, m)


def icmp_err(p):
    """(version, type, code, source, destination, MTU, quoted destination)
    of a well-formed ICMP or ICMPv6 error (checksums valid), else None."""
    if p is None or len(p) < 48:
        return None
    if p[0] >> 4 == 4:
        if p[9] != 1 or csum(p[:20]) or csum(p[20:]) or p[20] not in (3, 11, 12):
            return None
        return (4, p[20], p[21], socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]),
                struct.unpack('>H', p[26:28])[0], socket.inet_ntoa(p[44:48]))
    f = socket.AF_INET6
    if p[6] != 58 or p[40] >= 128 or len(p) < 88 or \
            csum(p[8:40] + struct.pack('>I3xB', len(p) - 40, 58) + p[40:]):
        return None
    return (6, p[40], p[41], socket.inet_ntop(f, p[8:24]), socket.inet_ntop(f, p[24:40]),
            struct.unpack('>I', p[44:48])[0], socket.inet_ntop(f, p[72:88]))


def udp_payload(p):
    if p[0] >> 4 == 4:
        ihl = (p[0] & 15) * 4
        return p[9], p[ihl + 8:], p[8]
    return p[6], p[48:], p[7]


def open_tunnel(port, target='*', proto='*', mode=RFC, auth=None):
    t = Tunnel(port, DEF % (target, proto), mode, auth)
    check(t.status == 101, 'status 101 (%s)' % t.status_line)
    if mode == D00:
        t.send(T[D00]['reg'], venc(0) + venc(0xff8b00))
    a4 = a6 = None
    got = []
    for _ in range(2 if mode == D00 else 1):
        got += addrs(mode, t.wait('assign') or b'')
    for rid, v, a, plen in got:
        if v == 4:
            a4 = a
        else:
            a6 = a
    r = routes(t.wait('route') or b'')
    return t, a4, a6, r, got


def sc_basic(port, echo):
    t, a4, a6, r, got = open_tunnel(int(port))
    check(t.headers.get('upgrade') == 'connect-ip', 'Upgrade: connect-ip')
    check(t.headers.get('capsule-protocol') == '?1', 'Capsule-Protocol: ?1')
    check(t.headers.get('proxy-status') == 'socks6ify', 'Proxy-Status for * has no next hop')
    check('content-length' not in t.headers, 'no Content-Length on the 101')
    check(a4 and a4.startswith('10.99.') and a6 and a6.startswith('fd99::'),
          'ADDRESS_ASSIGN from the default pools: %s %s' % (a4, a6))
    check([g[3] for g in got] == [32, 128] and all(g[0] == 0 for g in got),
          'unsolicited /32 and /128, Request ID 0')
    check(r == [(4, '0.0.0.0', '255.255.255.255', 0),
                (6, '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 0)],
          'ROUTE_ADVERTISEMENT: everything for target *: %r' % r)
    # ADDRESS_REQUEST: the answer carries the Request ID.
    t.send(T[RFC]['req'], venc(7) + b'\x04' + bytes(4) + b'\x20')
    ans = addrs(RFC, t.wait('assign') or b'')
    check((7, 4, a4, 32) in ans and (0, 6, a6, 128) in ans,
          'ADDRESS_REQUEST answered with Request ID 7: %r' % ans)
    # UDP echo over IPv4 and IPv6.
    e = int(echo)
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'ping-v4'))
    p = t.wait('dg', pred=lambda p: p[0] >> 4 == 4)
    check(p is not None and udp_payload(p)[1] == b'ping-v4', 'UDP echo over IPv4')
    check(p is not None and socket.inet_ntoa(p[16:20]) == a4, 'reply to the assigned address')
    check(p is not None and csum(p[:20]) == 0, 'IPv4 header checksum valid after the TTL update')
    t.packet(udp6(a6, '::1', 40001, e, b'ping-v6'))
    p = t.wait('dg', pred=lambda p: p[0] >> 4 == 6)
    check(p is not None and udp_payload(p)[1] == b'ping-v6', 'UDP echo over IPv6')
    # ICMP echo (ping socket in the proxy).
    t.packet(icmp4_echo(a4, '127.0.0.1', 0x1234, 1, b'icmp-data'))
    p = t.wait('dg', pred=lambda p: p[0] >> 4 == 4 and p[9] == 1)
    check(p is not None and p[20] == 0 and p[28:] == b'icmp-data', 'ICMP echo reply from 127.0.0.1')
    # Too big for the MTU: not forwarded (never truncated), the sender gets
    # ICMP fragmentation needed with the MTU, the tunnel lives on.
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'x' * 1600))
    ie = icmp_err(t.wait('dg', pred=lambda p: p[0] >> 4 == 4))
    check(ie is not None and ie[1:3] == (3, 4) and ie[5] == 1500 and ie[4] == a4,
          'oversized packet: ICMP fragmentation needed, MTU 1500 (%r)' % (ie,))
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'after-big'))
    p = t.wait('dg', pred=lambda p: p[0] >> 4 == 4)
    check(p is not None and udp_payload(p)[1] == b'after-big', 'oversized packet dropped, not truncated')
    t.packet(udp6(a6, '::1', 40001, e, b'y' * 1600))
    ie = icmp_err(t.wait('dg', pred=lambda p: p[0] >> 4 == 6))
    check(ie is not None and ie[:3] == (6, 2, 0) and ie[5] == 1500 and ie[3] == 'fd99::1',
          'oversized IPv6 packet: ICMPv6 packet too big, MTU 1500 (%r)' % (ie,))
    # A spoofed source is not forwarded; the error goes to that source
    # (RFC 9484 section 8; IPv6 has a code of its own for it).
    t.packet(udp4('10.99.9.9', '127.0.0.1', 40000, e, b'spoofed'))
    ie = icmp_err(t.wait('dg', timeout=2))
    check(ie is not None and ie[1:3] == (3, 13) and ie[4] == '10.99.9.9',
          'spoofed source: ICMP administratively prohibited to it (%r)' % (ie,))
    check(t.wait('dg', timeout=1) is None, 'spoofed source dropped')
    t.packet(udp6('fd99::9:9', '::1', 40001, e, b'spoofed6'))
    ie = icmp_err(t.wait('dg', timeout=2))
    check(ie is not None and ie[:3] == (6, 1, 5) and ie[4] == 'fd99::9:9',
          'spoofed IPv6 source: ICMPv6 source address failed policy (%r)' % (ie,))
    # Unknown capsules are skipped.
    t.send(0x4242, b'whatever')
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'after-unknown'))
    p = t.wait('dg')
    check(p is not None and udp_payload(p)[1] == b'after-unknown', 'unknown capsule skipped')


def sc_scoped(port, echo):
    e = int(echo)
    t, a4, a6, r, _ = open_tunnel(int(port), '127.0.0.1', '17')
    check(r == [(4, '127.0.0.1', '127.0.0.1', 17)], 'routes scoped to 127.0.0.1, UDP: %r' % r)
    check('next-hop="127.0.0.1"' in t.headers.get('proxy-status', ''), 'next-hop for a literal')
    t.packet(udp4(a4, '127.0.0.2', 40000, e, b'outside'))
    ie = icmp_err(t.wait('dg', timeout=2))
    check(ie is not None and ie[1:3] == (3, 13) and ie[3] == '10.99.0.1' and ie[4] == a4
          and ie[6] == '127.0.0.2',
          'packet outside the routes: ICMP administratively prohibited from the proxy (%r)' % (ie,))
    t.packet(icmp4_echo(a4, '127.0.0.1', 1, 1, b'icmp'))
    ie = icmp_err(t.wait('dg', timeout=2))
    check(ie is not None and ie[1:3] == (3, 13), 'protocol outside the scope: ICMP prohibited (%r)' % (ie,))
    # Never an error about an error.
    t.packet(icmp4_err(a4, '127.0.0.2', 3, 1, udp4('127.0.0.2', a4, e, 40000, b'q')[:28]))
    check(t.wait('dg', timeout=1) is None, 'no ICMP error about an ICMP error')
    t.packet(udp6(a6, '::1', 40001, e, b'v6-outside'))
    ie = icmp_err(t.wait('dg', timeout=2))
    check(ie is not None and ie[:3] == (6, 1, 1) and ie[3] == 'fd99::1' and ie[4] == a6,
          'IPv6 outside the routes: ICMPv6 administratively prohibited (%r)' % (ie,))
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'inside'))
    p = t.wait('dg')
    check(p is not None and udp_payload(p)[1] == b'inside', 'packet inside the routes goes through')
    # Hop limits: the proxy decrements on encapsulation only (RFC 9484
    # section 4.3); slirp, the next router, decrements what it forwards.
    # TTL 2 still arrives (2 -> 1 at slirp), TTL 1 gets ICMP time exceeded,
    # and slirp's UDP replies leave with TTL 64 and reach the client with 63.
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'ttl2', ttl=2))
    p = t.wait('dg')
    check(p is not None and udp_payload(p)[1] == b'ttl2', 'TTL 2 not decremented on decapsulation')
    check(udp_payload(p)[2] == 63, 'TTL decremented on encapsulation (%d)' % udp_payload(p)[2])
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'ttl1', ttl=1))
    p = t.wait('dg')
    check(p is not None and p[9] == 1 and p[20] == 11, 'TTL 1: ICMP time exceeded (%r)' % (p and p[:24],))
    # TTL 0 cannot be forwarded at all: time exceeded from the proxy.
    t.packet(udp4(a4, '127.0.0.1', 40000, e, b'ttl0', ttl=0))
    ie = icmp_err(t.wait('dg'))
    check(ie is not None and ie[1:3] == (11, 0) and ie[3] == '10.99.0.1',
          'TTL 0: ICMP time exceeded from the proxy (%r)' % (ie,))
    # Rate limit: a burst of refused packets gets a burst of errors, not one each.
    time.sleep(1.2)
    for _ in range(40):
        t.packet(udp4(a4, '127.0.0.2', 40000, e, b'flood'))
    n = 0
    while t.wait('dg', timeout=1) is not None:
        n += 1
    check(5 <= n <= 12, 'ICMP errors rate-limited: %d for 40 refused packets' % n)


def sc_cname(port):
    t, a4, a6, r, _ = open_tunnel(int(port), 'app.test', '0')
    ps = t.headers.get('proxy-status', '')
    check('next-hop-aliases="tracker.test,localhost"' in ps, 'next-hop-aliases from --cname: %s' % ps)
    check('next-hop="127.0.0.1"' in ps or 'next-hop="::1"' in ps, 'next-hop is the address')
    check(len(r) >= 1 and all(x[1] == x[2] for x in r), 'routes are the resolved addresses: %r' % r)
    t2 = Tunnel(int(port), DEF % ('localhost', '0'))
    ps = t2.headers.get('proxy-status', '')
    check(t2.status == 101 and 'next-hop-aliases=""' in ps, 'no CNAME: empty aliases: %s' % ps)


def sc_refusals(port):
    t = Tunnel(int(port), '/not/a/template')
    check(t.status == 400, 'bad template: 400 (%s)' % t.status_line)
    t = Tunnel(int(port), DEF % ('*', '300'))
    check(t.status == 400, 'ipproto 300: 400')
    s = socket.create_connection(('127.0.0.1', int(port)), timeout=5)
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    check(s.recv(100).startswith(b'HTTP/1.1 400'), 'no Upgrade: 400')


def sc_auth(port):
    t = Tunnel(int(port), DEF % ('*', '*'))
    check(t.status == 407, '407 without credentials (%s)' % t.status_line)
    check(t.headers.get('proxy-authenticate', '').startswith('Basic'), 'Proxy-Authenticate: Basic')
    t = Tunnel(int(port), DEF % ('*', '*'), auth='alice:wrong')
    check(t.status == 407, '407 with a wrong password')
    t = Tunnel(int(port), DEF % ('*', '*'), auth='alice:secret')
    check(t.status == 101, '101 with the right credentials')


def sc_draft00(port, echo):
    t, a4, a6, r, got = open_tunnel(int(port), '*', '*', mode=D00)
    check('capsule-protocol' not in t.headers, 'draft-00: no Capsule-Protocol')
    check(a4 and a6, 'draft-00: one ADDRESS_ASSIGN (0xfff100) per family: %r' % got)
    check(len(r) == 2, 'draft-00: ROUTE_ADVERTISEMENT 0xfff102')
    t.packet(udp4(a4, '127.0.0.1', 40000, int(echo), b'd00'))
    p = t.wait('dg')
    check(p is not None and udp_payload(p)[1] == b'd00', 'draft-00: UDP echo in 0xff37a0 datagrams')


def sc_tls(port, echo):
    t, a4, a6, r, _ = open_tunnel(int(port))
    check(t.s.version() == 'TLSv1.3', 'TLS 1.3 in front of CONNECT-IP')
    t.packet(udp4(a4, '127.0.0.1', 40000, int(echo), b'over-tls'))
    p = t.wait('dg')
    check(p is not None and udp_payload(p)[1] == b'over-tls', 'UDP echo through --connect-ip-tls')


def sc_garbage(port, kind):
    t, a4, a6, r, _ = open_tunnel(int(port))
    if kind == 'request0':
        t.send(T[RFC]['req'], venc(0) + b'\x04' + bytes(4) + b'\x20')
    elif kind == 'truncated':
        t.send(T[RFC]['route'], b'\x04\x01\x02')
    else:
        t.send(T[RFC]['assign'], b'\x00\x05' + bytes(5))
    end = time.time() + 5
    while time.time() < end:
        x, _ = t.next_capsule(end - time.time())
        if x == 'eof' or x is None:
            break
    check(x == 'eof', 'garbage capsule (%s): tunnel closed' % kind)


def tcp4(src, dst, sport, dport, seq, ack, flags, data=b''):
    t = struct.pack('>HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('>BBH', 0, 6, len(t))
    return ip4(src, dst, 6, t[:16] + struct.pack('>H', csum(ph + t)) + t[18:])


def tcp_seg(p):
    ihl = (p[0] & 15) * 4
    t = p[ihl:]
    seq, ack = struct.unpack('>II', t[4:12])
    return t[13], seq, ack, t[(t[12] >> 4) * 4:]


def sc_tcp(port, echo):
    """A handmade TCP exchange through slirp: SYN, SYN-ACK, data, echo."""
    t, a4, a6, r, _ = open_tunnel(int(port), '127.0.0.1', '6')
    e = int(echo)
    is_tcp = lambda p: p[0] >> 4 == 4 and p[9] == 6
    t.packet(tcp4(a4, '127.0.0.1', 41000, e, 1000, 0, 0x02))
    p = t.wait('dg', pred=is_tcp)
    check(p is not None and tcp_seg(p)[0] & 0x12 == 0x12 and tcp_seg(p)[2] == 1001,
          'TCP: SYN-ACK from the target through slirp')
    s = tcp_seg(p)[1] + 1
    t.packet(tcp4(a4, '127.0.0.1', 41000, e, 1001, s, 0x18, b'tcp-data'))
    p = t.wait('dg', pred=lambda p: is_tcp(p) and tcp_seg(p)[3])
    check(p is not None and tcp_seg(p)[3] == b'tcp-data', 'TCP: data echoed by the target')
    t.packet(tcp4(a4, '127.0.0.1', 41000, e, 1009, 0, 0x04))


if __name__ == '__main__':
    sc = globals()['sc_' + sys.argv[1]]
    sc(*sys.argv[2:])

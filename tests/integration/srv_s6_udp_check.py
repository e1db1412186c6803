#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks of socks6ify-server's SOCKS6 UDP ASSOCIATE and "DNS provided by
SOCKS", speaking the protocol by hand. Usage: srv_s6_udp_check.py GROUP
PROXY_PORT [ARGS]; prints one "PASS what" line per check and exits 1 with
"FAIL what: why" on the first failure. GROUP: udp, icmp, dns, idle."""
import os, socket, struct, sys, threading, time

PROXY = None


def check(cond, what, why=''):
    if not cond:
        print('FAIL %s%s' % (what, ': ' + why if why else ''), flush=True)
        sys.exit(1)
    print('PASS %s' % what, flush=True)


# ---- wire helpers

def addr_field(host):
    for atyp, fam in ((1, socket.AF_INET), (4, socket.AF_INET6)):
        try:
            return atyp, socket.inet_pton(fam, host)
        except OSError:
            pass
    b = host.encode()
    f = bytes([len(b)]) + b
    return 3, f + b'\0' * ((-len(f)) % 4)


def stack_opt(level, code, v1, v2=0, leg=2):
    return struct.pack('!HHBBBB', 1, 8, (leg << 6) | level, code, v1, v2)


def recv_exact(s, n):
    b = b''
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            raise EOFError('EOF after %d of %d bytes' % (len(b), n))
        b += x
    return b


def read_addr(atyp, rd):
    if atyp == 1:
        return socket.inet_ntop(socket.AF_INET, rd(4))
    if atyp == 4:
        return socket.inet_ntop(socket.AF_INET6, rd(16))
    n = rd(1)[0]
    name = rd(n)
    rd((-(1 + n)) % 4)
    return name.decode()


def request(cmd, host, port, opts=b''):
    """Request with no authentication; returns the stream, the Operation
    Reply's code, address, port and options."""
    s = socket.create_connection(PROXY, timeout=10)
    atyp, a = addr_field(host)
    s.sendall(struct.pack('!BBHHBB', 6, cmd, len(opts), port, 0, atyp) + a + opts)
    v, t, ol = struct.unpack('!BBH', recv_exact(s, 4))
    assert v == 6 and t == 0, 'authentication reply %d %d' % (v, t)
    recv_exact(s, ol)
    v, code, ol, bport, _, atyp = struct.unpack('!BBHHBB', recv_exact(s, 8))
    baddr = read_addr(atyp, lambda n: recv_exact(s, n))
    return s, code, baddr, bport, recv_exact(s, ol)


def options(b):
    out = []
    while b:
        k, n = struct.unpack('!HH', b[:4])
        out.append((k, b[4:n]))
        b = b[n:]
    return out


def msg(mtype, aid, host=None, port=0, payload=b''):
    body = b''
    if mtype == 3:
        atyp, a = addr_field(host)
        body = struct.pack('!BBH', atyp, 0, port) + a + payload
    return struct.pack('!BBH', 6, mtype, 12 + len(body)) + aid + body


def parse(buf):
    """(type, id, addr, port, payload or (code, reporter))"""
    _, t, n = struct.unpack('!BBH', buf[:4])
    pos = [12]

    def rd(k):
        x = buf[pos[0]:pos[0] + k]
        pos[0] += k
        return x
    if t in (1, 2):
        return t, buf[4:12], None, None, None
    atyp, _, port = struct.unpack('!BBH', rd(4))
    addr = read_addr(atyp, rd)
    if t == 3:
        return t, buf[4:12], addr, port, buf[pos[0]:n]
    ratyp, code, _ = struct.unpack('!BBH', rd(4))
    return t, buf[4:12], addr, port, (code, read_addr(ratyp, rd))


def read_msg(s):
    h = recv_exact(s, 4)
    return parse(h + recv_exact(s, struct.unpack('!H', h[2:4])[0] - 4))


def echo_server(host, family):
    e = socket.socket(family, socket.SOCK_DGRAM)
    e.bind((host, 0))

    def run():
        while True:
            d, a = e.recvfrom(70000)
            e.sendto(d, a)
    threading.Thread(target=run, daemon=True).start()
    return e.getsockname()[1]


def associate(opts=b'', host='0.0.0.0', port=0):
    s, code, baddr, bport, ropts = request(3, host, port, opts)
    assert code == 0, 'reply code %d' % code
    t, aid, *_ = read_msg(s)
    assert t == 1, 'first message type %d, not Association Init' % t
    return s, aid, baddr, bport, ropts


def udp_sock(fam=socket.AF_INET):
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(5)
    return u


# ---- groups

def group_udp():
    ep = echo_server('127.0.0.1', socket.AF_INET)
    s, aid, baddr, bport, _ = associate()
    check(baddr == '127.0.0.1' and bport != 0,
          'reply: the address the client reached, the UDP port', '%s:%d' % (baddr, bport))
    u = udp_sock()
    u.sendto(msg(3, aid, '127.0.0.1', ep, b'hello'), (baddr, bport))
    check(read_msg(s)[:2] == (2, aid), 'first datagram over UDP: Confirmation on the stream')
    d, a = u.recvfrom(70000)
    m = parse(d)
    check(a == (baddr, bport) and m[0] == 3 and m[1] == aid and
          m[2:] == ('127.0.0.1', ep, b'hello'), 'answer comes back over UDP with its source')
    u.sendto(msg(3, b'\x01' * 8, '127.0.0.1', ep, b'other id'), (baddr, bport))
    u.sendto(msg(3, aid, '127.0.0.1', ep, b'padded') + b'PADDING', (baddr, bport))
    check(parse(u.recvfrom(70000)[0])[4] == b'padded',
          'other association ID ignored, padding after LENGTH ignored')
    u.sendto(msg(3, aid, 'echo.s6test', ep, b'by name'), (baddr, bport))
    check(parse(u.recvfrom(70000)[0])[2:] == ('127.0.0.1', ep, b'by name'),
          'domain name destination resolved by the proxy')
    big = os.urandom(65487)   # + 20-byte header = largest IPv4 UDP payload
    u.sendto(msg(3, aid, '127.0.0.1', ep, big), (baddr, bport))
    check(parse(u.recvfrom(70000)[0])[4] == big, '65487-byte payload both ways over UDP')
    other = udp_sock()
    other.sendto(msg(3, aid, '127.0.0.1', ep, b'spoofed'), (baddr, bport))
    u.sendto(msg(3, aid, '127.0.0.1', ep, b'genuine'), (baddr, bport))
    check(parse(u.recvfrom(70000)[0])[4] == b'genuine',
          'our ID from another source is dropped')
    s.close()

    s, aid, baddr, bport, _ = associate()
    s.sendall(msg(2, aid) + msg(3, b'\x02' * 8, '127.0.0.1', ep, b'x') +
              msg(3, aid, '127.0.0.1', ep, b'over tcp'))
    check(read_msg(s)[:2] == (2, aid), 'first datagram over TCP: Confirmation')
    check(read_msg(s)[2:] == ('127.0.0.1', ep, b'over tcp'),
          'answer over the stream; other messages on it skipped')
    big = os.urandom(65507)
    s.sendall(msg(3, aid, '127.0.0.1', ep, big) * 3)
    got = [read_msg(s)[4] for _ in range(3)]
    check(got == [big] * 3, 'three 65507-byte datagrams over the stream')
    u = udp_sock()
    u.sendto(msg(3, aid, '127.0.0.1', ep, b'not mapped'), (baddr, bport))
    s.sendall(msg(3, aid, '127.0.0.1', ep, b'mapped'))
    check(read_msg(s)[4] == b'mapped', 'UDP datagrams after a TCP confirmation dropped')
    s.close()

    s, aid, baddr, bport, _ = associate()
    s.sendall(msg(3, aid, '0.0.0.0', 0))
    check(read_msg(s)[0] == 2, 'empty datagram to 0.0.0.0:0 confirms')
    x = udp_sock()
    x.sendto(b'first from remote', ('127.0.0.1', bport))
    m = read_msg(s)
    check(m[2:] == ('127.0.0.1', x.getsockname()[1], b'first from remote'),
          'a remote host may send first (proxying UDP servers)')
    s.close()

    s, aid, baddr, bport, _ = associate()
    s.sendall(b'\x05' * 12)
    s.settimeout(5)
    check(s.recv(10) == b'', 'malformed message on the stream ends the association')

    for parity in (1, 2):
        s, aid, baddr, bport, ropts = associate(stack_opt(5, 2, parity, 1))
        mate = bport + 1 if bport % 2 == 0 else bport - 1
        t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(('0.0.0.0', mate))
            held = False
        except OSError:
            held = True
        t.close()
        echo = [o for k, o in options(ropts) if k == 1]
        check(bport % 2 == (parity == 2) and held and
              echo == [bytes([0x85, 2, parity, 1])],
              'port parity %s with reserve: port %d, %d held, option echoed' %
              ('even' if parity == 1 else 'odd', bport, mate), repr((echo, held)))
        s2, code, _, p2, _ = request(3, '0.0.0.0', mate)
        check(code == 0 and p2 == mate, 'explicit request claims the reserved port')
        s2.close()
        s.close()
    s, code, _, p, ropts = request(3, '0.0.0.0', 40001, stack_opt(5, 2, 1, 1))
    check(code == 0 and p == 40001 and options(ropts) == [(1, bytes([0x85, 2, 0, 0]))],
          'explicit port: parity ignored, echoed as none')
    s.close()
    s, code, *_ = request(3, 'bind.example', 0)
    check(code == 8, 'domain name as bind address: reply 8')
    s.close()
    if socket.has_ipv6:
        ep6 = echo_server('::1', socket.AF_INET6)
        s, aid, baddr, bport, _ = associate(host='::1')
        u = udp_sock(socket.AF_INET6)
        u.sendto(msg(3, aid, '::1', ep6, b'six'), (baddr, bport))
        read_msg(s)
        check(baddr == '::1' and parse(u.recvfrom(70000)[0])[2:] == ('::1', ep6, b'six'),
              'IPv6 bind address and IPv6 destination')
        s.close()


def group_icmp(v4, v6):
    s, aid, baddr, bport, ropts = associate(stack_opt(5, 1, 2))
    check(options(ropts) == [(1, bytes([0x85, 1, 2, 0]))], 'UDP Error option echoed')
    s.sendall(msg(3, aid, v4, 9999, b'into the void'))
    read_msg(s)
    m = read_msg(s)
    check(m[0] == 4 and m[2:4] == (v4, 9999) and m[4][0] in (1, 2),
          'ICMP unreachable for IPv4 becomes an Error message', repr(m))
    s.sendall(msg(3, aid, v6, 9999, b'v6 void'))
    m = read_msg(s)
    check(m[0] == 4 and m[2:4] == (v6, 9999) and m[4][0] in (1, 2),
          'ICMPv6 unreachable becomes an Error message', repr(m))
    s.close()
    s, aid, *_ = associate()
    s.sendall(msg(3, aid, v4, 9999, b'x'))
    read_msg(s)
    s.settimeout(1.5)
    try:
        m = read_msg(s)
    except socket.timeout:
        m = None
    check(m is None, 'no Error messages without the option', repr(m))


def query(name, qid):
    m = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for label in name.split('.'):
        m += bytes([len(label)]) + label.encode()
    return m + b'\0' + struct.pack('!HH', 1, 1)


def group_dns():
    s, code, baddr, bport, _ = request(1, '0.0.0.0', 53)
    check(code == 0, 'CONNECT 0.0.0.0:53 accepted')
    names = ['a.s6test', 'b.s6test', 'slow.s6test', 'c.s6test'] + \
        ['n%d.s6test' % i for i in range(8)]
    s.sendall(b''.join(struct.pack('!H', len(query(n, i))) + query(n, i)
                       for i, n in enumerate(names)))
    got = []
    for _ in names:
        n = struct.unpack('!H', recv_exact(s, 2))[0]
        a = recv_exact(s, n)
        got.append((struct.unpack('!H', a[:2])[0], a[3] & 15, a[2] & 0x80))
    check([g[0] for g in got] == list(range(len(names))), '12 pipelined queries answered in order')
    check(all(g[2] for g in got) and [g[1] for g in got] == [0, 0, 2] + [0] * 9,
          'resolver failure answered SERVFAIL, the others NOERROR')
    bad = bytearray(query('x.s6test', 99))
    bad[2] |= 0x80
    s.sendall(struct.pack('!H', len(bad)) + bad)
    s.settimeout(5)
    check(s.recv(10) == b'', 'a message that is not a query ends the stream')
    s, *_ = request(1, '::', 53)
    s.sendall(struct.pack('!H', len(query('d.s6test', 7))) + query('d.s6test', 7))
    n = struct.unpack('!H', recv_exact(s, 2))[0]
    check(recv_exact(s, n)[-4:] == bytes([192, 0, 2, 7]), 'CONNECT [::]:53 answers too')
    s.close()


def group_idle():
    s, aid, *_ = associate()
    t0 = time.time()
    s.settimeout(10)
    check(s.recv(10) == b'' and time.time() - t0 < 8, 'idle association closed')


if __name__ == '__main__':
    PROXY = ('127.0.0.1', int(sys.argv[2]))
    {'udp': group_udp, 'icmp': lambda: group_icmp(sys.argv[3], sys.argv[4]),
     'dns': group_dns, 'idle': group_idle}[sys.argv[1]]()

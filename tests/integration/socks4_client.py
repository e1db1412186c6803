#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks socks6ify-server's SOCKS4/SOCKS4a side from the outside.

Run by t_server_socks4.sh, which starts the servers and passes their
addresses. Every socket operation has a timeout; every check prints one
"ok"/"not ok" line; the exit status is 0 only when all checks pass.
Network traffic stays on loopback."""

import argparse
import socket
import struct
import sys
import threading
import time

TIMEOUT = 5.0
GRANTED, REJECTED = 90, 91


# ---------------------------------------------------------------- helpers

class EchoServer:
    """Threaded TCP echo server: echoes until EOF, then closes."""

    def __init__(self, family, host):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(256)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _serve(conn):
        conn.settimeout(30)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopping = True
        self.sock.close()


def parse_hostport(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def connect(proxy):
    host, port = proxy
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((host, port))
    return s


def request(cmd, port, ip="0.0.0.1", user=b"", domain=None):
    """Build a SOCKS4 (domain None) or SOCKS4a request."""
    if domain is not None:
        ip = "0.0.0.1"
    msg = struct.pack(">BBH4s", 4, cmd, port, socket.inet_aton(ip)) + user + b"\0"
    if domain is not None:
        msg += domain.encode() + b"\0"
    return msg


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def read_reply(s):
    vn, cd, port, ip = struct.unpack(">BBH4s", recv_exact(s, 8))
    assert vn == 0, "reply version %d" % vn
    return cd, port, socket.inet_ntoa(ip)


def expect_eof(s, within=TIMEOUT):
    """The server closed: recv returns b"" (a reset counts as closed too)."""
    s.settimeout(within)
    try:
        data = s.recv(100)
    except ConnectionResetError:
        return
    assert data == b"", "expected EOF, got %r" % data


def expect_rejected(s):
    cd, _, _ = read_reply(s)
    assert cd == REJECTED, "reply %d, expected 91" % cd
    expect_eof(s)


def roundtrip(s, payload):
    s.sendall(payload)
    got = recv_exact(s, len(payload))
    assert got == payload, "echo mismatch"


def closed_port(family=socket.AF_INET, host="127.0.0.1"):
    """A loopback port nobody listens on (bound, then released)."""
    t = socket.socket(family, socket.SOCK_STREAM)
    t.bind((host, 0))
    port = t.getsockname()[1]
    t.close()
    return port


# ---------------------------------------------------------------- checks

class Checks:
    def __init__(self, args):
        self.proxy = parse_hostport(args.proxy)
        self.proxy6 = parse_hostport(args.proxy6) if args.proxy6 else None
        self.allow_proxy = args.allow_proxy and parse_hostport(args.allow_proxy)
        self.limit_proxy = args.limit_proxy and parse_hostport(args.limit_proxy)
        self.echo = EchoServer(socket.AF_INET, "127.0.0.1")
        self.echo6 = EchoServer(socket.AF_INET6, "::1") if self.proxy6 else None

    def granted(self, req, proxy=None):
        s = connect(proxy or self.proxy)
        s.sendall(req)
        cd, port, ip = read_reply(s)
        assert cd == GRANTED, "reply %d, expected 90" % cd
        return s

    # -- CONNECT
    def connect_ipv4(self):
        s = self.granted(request(1, self.echo.port, "127.0.0.1", b"alice"))
        roundtrip(s, b"hello over socks4")
        s.close()

    def connect_4a_localhost(self):
        s = self.granted(request(1, self.echo.port, domain="localhost"))
        roundtrip(s, b"hello by name")
        s.close()

    def connect_4a_ipv4_literal(self):
        s = self.granted(request(1, self.echo.port, domain="127.0.0.1"))
        roundtrip(s, b"v4 literal")
        s.close()

    def connect_4a_ipv6_literal(self):
        for name in ("::1", "[::1]"):
            s = self.granted(request(1, self.echo6.port, domain=name))
            roundtrip(s, b"v6 literal " + name.encode())
            s.close()

    def connect_via_ipv6_listener(self):
        s = self.granted(request(1, self.echo.port, "127.0.0.1"), self.proxy6)
        roundtrip(s, b"through [::1]")
        s.close()

    def connect_refused(self):
        s = connect(self.proxy)
        s.sendall(request(1, closed_port(), "127.0.0.1"))
        expect_rejected(s)
        s.close()

    def connect_4a_refused(self):
        s = connect(self.proxy)
        s.sendall(request(1, closed_port(), domain="localhost"))
        expect_rejected(s)
        s.close()

    def early_data(self):
        s = connect(self.proxy)
        s.sendall(request(1, self.echo.port, "127.0.0.1") + b"early bytes")
        cd, _, _ = read_reply(s)
        assert cd == GRANTED
        assert recv_exact(s, 11) == b"early bytes"
        roundtrip(s, b"and later ones")
        s.close()

    def early_data_then_eof(self):
        """Request, data and FIN in one go: the target sees data then EOF."""
        s = connect(self.proxy)
        s.sendall(request(1, self.echo.port, domain="localhost") + b"all at once")
        s.shutdown(socket.SHUT_WR)
        cd, _, _ = read_reply(s)
        assert cd == GRANTED
        assert recv_exact(s, 11) == b"all at once"
        expect_eof(s)
        s.close()

    def half_close(self):
        s = self.granted(request(1, self.echo.port, "127.0.0.1"))
        s.sendall(b"before shutdown")
        s.shutdown(socket.SHUT_WR)
        assert recv_exact(s, 15) == b"before shutdown"
        expect_eof(s)
        s.close()

    def bulk_transfer(self):
        """4 MiB each way through 64 KiB buffers: back-pressure works."""
        s = self.granted(request(1, self.echo.port, "127.0.0.1"))
        payload = bytes(range(256)) * (4 * 4096)
        errors = []

        def sender():
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
            except OSError as exc:
                errors.append(exc)
        t = threading.Thread(target=sender)
        t.start()
        s.settimeout(20)
        got = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        t.join(20)
        assert not errors, errors
        assert bytes(got) == payload, "got %d bytes" % len(got)
        s.close()

    # -- malformed requests
    def malformed_version(self):
        s = connect(self.proxy)
        s.sendall(b"\x05\x01\x00\x50\x7f\x00\x00\x01\x00")
        expect_rejected(s)
        s.close()

    def malformed_command(self):
        s = connect(self.proxy)
        s.sendall(b"\x04\x03\x00\x50\x7f\x00\x00\x01\x00")
        expect_rejected(s)
        s.close()

    def malformed_long_userid(self):
        s = connect(self.proxy)
        s.sendall(struct.pack(">BBH4s", 4, 1, 80, socket.inet_aton("127.0.0.1")) + b"A" * 300)
        expect_rejected(s)
        s.close()

    def malformed_long_domain(self):
        s = connect(self.proxy)
        # DSTIP 0.0.0.1 (4a), user "u", then a domain with no NUL
        s.sendall(request(1, 80, user=b"u") + b"d" * 300)
        expect_rejected(s)
        s.close()

    # -- --allow-user
    def allow_user_accepted(self):
        for user in (b"alice", b"bob"):
            s = self.granted(request(1, self.echo.port, "127.0.0.1", user), self.allow_proxy)
            roundtrip(s, b"allowed " + user)
            s.close()

    def allow_user_denied(self):
        for user in (b"eve", b"", b"alice2"):
            s = connect(self.allow_proxy)
            s.sendall(request(1, self.echo.port, "127.0.0.1", user))
            expect_rejected(s)
            s.close()

    # -- BIND
    def bind_ok(self, domain=None, dstip="127.0.0.1"):
        s = connect(self.proxy)
        s.sendall(request(2, 4321, dstip, b"binder", domain=domain))
        cd, port, ip = read_reply(s)
        assert cd == GRANTED, "first reply %d" % cd
        assert port != 0, "no port in the first reply"
        assert ip == "127.0.0.1", "first reply address %s" % ip
        inbound = socket.create_connection((ip, port), timeout=TIMEOUT)
        cd, _, ip2 = read_reply(s)
        assert cd == GRANTED, "second reply %d" % cd
        assert ip2 == "127.0.0.1", "second reply address %s" % ip2
        up, down = b"to the application server", b"to the client"
        s.sendall(up)
        assert recv_exact(inbound, len(up)) == up
        inbound.sendall(down)
        assert recv_exact(s, len(down)) == down
        inbound.shutdown(socket.SHUT_WR)
        expect_eof(s)
        s.close()
        inbound.close()

    def bind_4a_name(self):
        self.bind_ok(domain="localhost")

    def bind_mismatch(self):
        s = connect(self.proxy)
        s.sendall(request(2, 4321, "127.0.0.2"))
        cd, port, ip = read_reply(s)
        assert cd == GRANTED and port != 0
        inbound = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        expect_rejected(s)
        expect_eof(inbound)
        inbound.close()
        s.close()

    def bind_timeout(self):
        """--bind-timeout 2 in the test: no inbound connection -> 91."""
        s = connect(self.proxy)
        s.sendall(request(2, 4321, "127.0.0.1"))
        cd, _, _ = read_reply(s)
        assert cd == GRANTED
        start = time.monotonic()
        s.settimeout(10)
        expect_rejected(s)
        assert time.monotonic() - start > 1.0, "second reply came too early"
        s.close()

    # -- load and slow clients
    def concurrent_200(self):
        socks = []
        try:
            for i in range(200):
                s = connect(self.proxy)
                s.sendall(request(1, self.echo.port, "127.0.0.1", b"c%d" % i))
                socks.append(s)
            for s in socks:
                cd, _, _ = read_reply(s)
                assert cd == GRANTED
            for i, s in enumerate(socks):
                s.sendall(b"client %03d" % i)
            for i, s in enumerate(socks):
                assert recv_exact(s, 10) == b"client %03d" % i
        finally:
            for s in socks:
                s.close()

    def silent_client(self):
        """Connects and says nothing: others are served meanwhile, and it is
        closed after --handshake-timeout (1 s in the test)."""
        silent = connect(self.proxy)
        start = time.monotonic()
        s = self.granted(request(1, self.echo.port, "127.0.0.1"))
        roundtrip(s, b"not stalled")
        s.close()
        # Served while the silent client is still connected.
        silent.setblocking(False)
        try:
            silent.recv(1)
            raise AssertionError("silent client closed before others were served")
        except BlockingIOError:
            pass
        expect_eof(silent, within=5)
        took = time.monotonic() - start
        assert 0.5 < took < 4, "closed after %.2f s" % took
        silent.close()

    def slow_client(self):
        """One byte per 100 ms: 9 bytes take 0.8 s < 1 s handshake timeout."""
        req = request(1, self.echo.port, "127.0.0.1")
        assert len(req) == 9
        s = connect(self.proxy)
        start = time.monotonic()
        for i, byte in enumerate(req):
            # paced from the start so that sleep overshoots do not add up
            time.sleep(max(0.0, start + 0.1 * i - time.monotonic()))
            s.sendall(bytes([byte]))
        cd, _, _ = read_reply(s)
        assert cd == GRANTED
        roundtrip(s, b"slow but fine")
        s.close()

    def max_clients(self):
        """--max-clients 2: a third client is closed without a reply."""
        a, b = connect(self.limit_proxy), connect(self.limit_proxy)
        time.sleep(0.2)
        c = connect(self.limit_proxy)
        expect_eof(c, within=3)
        for s in (a, b, c):
            s.close()

    def connect_timeout(self):
        """A listener whose backlog is full drops SYNs, so the proxy's
        connect hangs until --connect-timeout (1 s on the limit server)."""
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(0)
        port = lst.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                f = socket.socket()
                f.settimeout(0.3)
                fillers.append(f)
                try:
                    f.connect(("127.0.0.1", port))
                except OSError:
                    break
            else:
                print("# backlog never filled; connect timeout not testable here")
                return
            s = connect(self.limit_proxy)
            start = time.monotonic()
            s.sendall(request(1, port, "127.0.0.1"))
            expect_rejected(s)
            took = time.monotonic() - start
            assert 0.5 < took < 4, "rejected after %.2f s" % took
            s.close()
        finally:
            for f in fillers:
                f.close()
            lst.close()

    def idle_timeout(self):
        """--idle-timeout 1 on the allow server: traffic keeps a relay alive,
        silence ends it."""
        s = self.granted(request(1, self.echo.port, "127.0.0.1", b"alice"), self.allow_proxy)
        for _ in range(4):
            time.sleep(0.5)
            roundtrip(s, b"still here")
        start = time.monotonic()
        expect_eof(s, within=5)
        took = time.monotonic() - start
        assert 0.7 < took < 4, "closed after %.2f s" % took
        s.close()

    def hold(self, ready_path):
        """Leave connections in every phase open, tell the shell, and then
        expect the server to close them all when it gets SIGTERM."""
        relay = self.granted(request(1, self.echo.port, "127.0.0.1"))
        roundtrip(relay, b"relaying")
        bind = connect(self.proxy)
        bind.sendall(request(2, 4321, "127.0.0.1"))
        cd, _, _ = read_reply(bind)
        assert cd == GRANTED
        partial = connect(self.proxy)
        partial.sendall(b"\x04\x01\x00")
        with open(ready_path, "w"):
            pass
        for s in (relay, bind, partial):
            expect_eof(s, within=20)
            s.close()
        print("ok - all connections closed at shutdown")
        return 0

    def run(self):
        names = ["connect_ipv4", "connect_4a_localhost", "connect_4a_ipv4_literal",
                 "connect_refused", "connect_4a_refused", "early_data",
                 "early_data_then_eof", "half_close", "bulk_transfer",
                 "malformed_version", "malformed_command", "malformed_long_userid",
                 "malformed_long_domain", "allow_user_accepted", "allow_user_denied",
                 "bind_ok", "bind_4a_name", "bind_mismatch", "bind_timeout",
                 "concurrent_200", "silent_client", "slow_client", "max_clients",
                 "connect_timeout", "idle_timeout"]
        if self.proxy6:
            names += ["connect_4a_ipv6_literal", "connect_via_ipv6_listener"]
        failed = 0
        for i, name in enumerate(names, 1):
            try:
                getattr(self, name)()
                print("ok %d - %s" % (i, name), flush=True)
            except (AssertionError, OSError) as exc:
                failed += 1
                print("not ok %d - %s: %s: %s" % (i, name, type(exc).__name__, exc),
                      flush=True)
        print("1..%d" % len(names))
        return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--proxy", required=True, help="main server, 127.0.0.1:PORT")
    ap.add_argument("--proxy6", help="main server's [::1]:PORT listener")
    ap.add_argument("--allow-proxy",
                    help="server with --allow-user alice,bob --idle-timeout 1")
    ap.add_argument("--limit-proxy", help="server with --max-clients 2 --connect-timeout 1")
    ap.add_argument("--hold", metavar="READY_FILE",
                    help="only open connections, create READY_FILE, wait for the close")
    args = ap.parse_args()
    if args.hold:
        sys.exit(Checks(args).hold(args.hold))
    if not args.allow_proxy or not args.limit_proxy:
        ap.error("--allow-proxy and --limit-proxy are required")
    sys.exit(Checks(args).run())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A scriptable SOCKS6 (draft-11) proxy with fixed or wrong answers, for
client-side tests of socks6ify and s6_tool.

  fake_socks6.py --listen ADDR:PORT MODE [--log FILE]
  MODE (one):
    --reply-code N          Authentication Reply "success", then an Operation
                            Reply with code N (0: echo what the client sends)
    --version-mismatch [V]  act as a proxy of another protocol version V
                            (default 7): the draft's Version Mismatch Reply
                            carries the proxy's own version, so the client's
                            version-6 request gets the single byte V, then
                            the connection is closed (V=6 gives the one byte
                            a SOCKS6 proxy sends to a non-6 request)
    --session-invalid       the first request carrying a Session ID gets an
                            Authentication Reply "failed" with a Session
                            Invalid option, then the connection is closed;
                            everything else is answered as --reply-code 0,
                            with a new Session ID when one is requested
    --close-after-request   read the whole request, then close without a word

Prints "listening fake-socks6 ADDR:PORT" on stderr once ready and one
"request N: ..." line per request it parsed (command, target, options,
credentials by user name only, initial data length). Each connection is
bounded by --timeout seconds (default 10).
"""
import argparse
import os
import socket
import socketserver
import struct
import sys
import threading

VERSION = 6
CMDS = {0: "NOOP", 1: "CONNECT", 2: "BIND", 3: "UDP_ASSOCIATE"}
STACK_NAMES = {(1, 1): "tos", (1, 2): "he", (1, 3): "ttl", (1, 4): "nofrag",
               (4, 1): "tfo", (4, 2): "mptcp", (4, 3): "backlog",
               (5, 1): "udperr", (5, 2): "parity"}


class Closed(Exception):
    pass


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Closed("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_addr(sock, atyp):
    if atyp == 1:
        return socket.inet_ntop(socket.AF_INET, recv_exact(sock, 4))
    if atyp == 4:
        return "[%s]" % socket.inet_ntop(socket.AF_INET6, recv_exact(sock, 16))
    if atyp == 3:
        n = recv_exact(sock, 1)[0]
        name = recv_exact(sock, n)
        pad = (4 - (1 + n) % 4) % 4
        recv_exact(sock, pad)
        return name.decode("ascii", "replace")
    raise Closed("unknown address type %d" % atyp)


def parse_userpass(data):
    """RFC 1929 request inside Authentication Data: the user name only."""
    if len(data) < 2 or data[0] != 1:
        return "?"
    ulen = data[1]
    return data[2:2 + ulen].decode("ascii", "replace")


def parse_options(raw):
    """Options field -> (dict of what was found, list of words for the log)."""
    found = {"session_id": None, "session_request": False, "idl": 0,
             "stack": [], "teardown": False}
    words = []
    off = 0
    while off + 4 <= len(raw):
        kind, length = struct.unpack_from("!HH", raw, off)
        if length < 4 or off + length > len(raw):
            words.append("bad-option@%d" % off)
            break
        data = raw[off + 4:off + length]
        off += length
        if kind == 1 and len(data) >= 4:
            leg, level, code = data[0] >> 6, data[0] & 0x3f, data[1]
            name = STACK_NAMES.get((level, code), "%d.%d" % (level, code))
            value = data[2] if (level, code) not in ((4, 1), (4, 3)) \
                else struct.unpack_from("!H", data, 2)[0]
            found["stack"].append(data[:4])
            words.append("stack=%s:%d@leg%d" % (name, value, leg))
        elif kind == 2 and len(data) >= 2:
            found["idl"] = struct.unpack_from("!H", data)[0]
            methods = [m for m in data[2:] if m]
            words.append("auth-adv=idl:%d,methods:%s" % (
                found["idl"], "+".join(map(str, methods)) or "-"))
        elif kind == 4 and data:
            user = parse_userpass(data[1:]) if data[0] == 2 else "?"
            words.append("auth-data=method:%d,user:%s" % (data[0], user))
        elif kind == 5:
            found["session_request"] = True
            words.append("session-request")
        elif kind == 6:
            found["session_id"] = bytes(data)
            words.append("session-id=%s" % data.hex())
        elif kind == 10:
            found["teardown"] = True
            words.append("session-teardown")
        elif kind == 11 and len(data) >= 4:
            words.append("idem-request=%d" % struct.unpack_from("!I", data)[0])
        elif kind == 13 and len(data) >= 4:
            words.append("idem-expend=%d" % struct.unpack_from("!I", data)[0])
        else:
            words.append("kind-%d" % kind)
    return found, words


def option(kind, data=b""):
    data += b"\0" * ((4 - len(data) % 4) % 4)
    return struct.pack("!HH", kind, 4 + len(data)) + data


def auth_reply(ok, opts=b""):
    return struct.pack("!BBH", VERSION, 0 if ok else 1, len(opts)) + opts


def op_reply(code, opts=b""):
    return struct.pack("!BBHHBB", VERSION, code, len(opts), 0, 0, 1) + b"\0" * 4 + opts


class Handler(socketserver.BaseRequestHandler):
    def log(self, text):
        srv = self.server
        with srv.lock:
            srv.count += 1
            print("request %d: %s" % (srv.count, text), file=srv.log, flush=True)

    def handle(self):
        sock = self.request
        sock.settimeout(self.server.args.timeout)
        try:
            self.serve(sock)
        except (Closed, OSError) as e:
            print("connection from %s:%d: %s" % (self.client_address[0],
                  self.client_address[1], e), file=self.server.log, flush=True)

    def read_request(self, sock):
        head = recv_exact(sock, 8)
        ver, cmd, optlen, port, _pad, atyp = struct.unpack("!BBHHBB", head)
        target = "%s:%d" % (read_addr(sock, atyp), port)
        found, words = parse_options(recv_exact(sock, optlen))
        idata = recv_exact(sock, found["idl"]) if cmd == 1 and found["idl"] else b""
        self.log("%s %s %s idata=%d" % (CMDS.get(cmd, "CMD-%d" % cmd), target,
                 " ".join(words) or "no-options", len(idata)))
        return cmd, found, idata

    def serve(self, sock):
        args = self.server.args
        if args.version_mismatch is not None:
            first = recv_exact(sock, 1)[0]
            self.log("version %d: version mismatch reply %d"
                     % (first, args.version_mismatch))
            sock.sendall(bytes([args.version_mismatch]))
            return
        first = sock.recv(1, socket.MSG_PEEK)
        if first and first[0] != VERSION:
            self.log("version %d: version mismatch reply" % first[0])
            sock.sendall(bytes([VERSION]))
            return
        cmd, found, idata = self.read_request(sock)
        if args.close_after_request:
            return
        if args.session_invalid and found["session_id"] is not None:
            with self.server.lock:
                fire = not self.server.invalid_sent
                self.server.invalid_sent = True
            if fire:
                sock.sendall(auth_reply(False, option(9)))
                return
        self.answer(sock, cmd, found, idata)

    def answer(self, sock, cmd, found, idata):
        code = self.server.args.reply_code or 0
        opts = b""
        if found["session_request"]:
            opts += option(6, os.urandom(16))
        elif found["session_id"] is not None:
            opts += option(8)
        sock.sendall(auth_reply(True, opts))
        echo = b"".join(option(1, st) for st in found["stack"])
        sock.sendall(op_reply(code, echo))
        if code != 0 or cmd != 1:
            return
        if idata:
            sock.sendall(idata)
        while True:
            data = sock.recv(65536)
            if not data:
                return
            sock.sendall(data)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="ADDR:PORT (port 0: any)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--reply-code", type=int, choices=range(0, 10))
    mode.add_argument("--version-mismatch", type=int, nargs="?", const=7)
    mode.add_argument("--session-invalid", action="store_true")
    mode.add_argument("--close-after-request", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--log", help="append the request lines here, not to stderr")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    Server.address_family = family
    srv = Server((host, int(port)), Handler)
    srv.args = args
    srv.lock = threading.Lock()
    srv.count = 0
    srv.invalid_sent = False
    srv.log = open(args.log, "a") if args.log else sys.stderr
    addr = srv.server_address
    shown = "[%s]" % addr[0] if family == socket.AF_INET6 else addr[0]
    print("listening fake-socks6 %s:%d" % (shown, addr[1]), file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

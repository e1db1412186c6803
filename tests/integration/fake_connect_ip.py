#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A misbehaving CONNECT-IP proxy for the client's HTTP and capsule stage
(plain HTTP/1.1 on loopback). It never carries packets: each scenario
checks one way the engine must refuse or survive a proxy.

usage: fake_connect_ip.py SCENARIO LOGFILE
Prints "port N" once listening; logs one line per request to LOGFILE.

Scenarios:
  status200     answers 200 OK instead of 101
  truncated     101, then a capsule cut short and the connection closed
  malformed     101, then an ADDRESS_ASSIGN with IP version 5
  noroute       101 with an address and a route that misses the target
  ask           101 and nothing until an ADDRESS_REQUEST arrives, then as
                noroute (logs the request)
  badstatus     101 with an invalid Proxy-Status (a bad escape) naming a
                blocked alias, address and a route to everything, then
                closes the tunnel after 0.5 s
  draft00       like noroute in draft-00 codepoints; logs whether the
                request had Capsule-Protocol and the REGISTER capsule
"""
import socket
import sys
import threading
import time


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return (0x4000 | v).to_bytes(2, "big")
    if v < 0x40000000:
        return (0x80000000 | v).to_bytes(4, "big")
    return (0xC000000000000000 | v).to_bytes(8, "big")


def capsule(ctype, body):
    return varint(ctype) + varint(len(body)) + body


D00 = {"assign": 0xFFF100, "request": 0xFFF101, "route": 0xFFF102}
RFC = {"assign": 0x01, "request": 0x02, "route": 0x03}

# The route that misses every test target: 203.0.113.0/24 only.
ROUTE_MISS = bytes([4]) + bytes([203, 0, 113, 0]) + bytes([203, 0, 113, 255]) + bytes([6])
ROUTE_ALL = (bytes([4]) + bytes(4) + bytes([255] * 4) + bytes([0]) +
             bytes([6]) + bytes(16) + bytes([255] * 16) + bytes([0]))


def assign(codes, draft):
    entry = bytes([4, 10, 99, 0, 7, 32])
    return capsule(codes["assign"], entry if draft else varint(0) + entry)


def head(extra=""):
    return ("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            "Upgrade: connect-ip\r\nCapsule-Protocol: ?1\r\n" + extra + "\r\n").encode()


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        more = c.recv(4096)
        if not more:
            break
        data += more
    h, _, rest = data.partition(b"\r\n\r\n")
    return h.decode("latin-1"), rest


def serve(c, scenario, log):
    c.settimeout(10)
    req, rest = read_head(c)
    first = req.split("\r\n", 1)[0]
    log.write("request %s capsule-protocol=%s\n" % (first, "yes" if "Capsule-Protocol: ?1" in req else "no"))
    if scenario == "status200":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    elif scenario == "truncated":
        c.sendall(head() + varint(1) + varint(100) + bytes(10))
    elif scenario == "malformed":
        c.sendall(head() + capsule(1, varint(0) + bytes([5, 1, 2, 3, 4, 32])))
    elif scenario == "noroute":
        c.sendall(head() + assign(RFC, False) + capsule(3, ROUTE_MISS))
    elif scenario == "ask":
        c.sendall(head())
        got = rest
        t0 = time.monotonic()
        while len(got) < 2 and time.monotonic() - t0 < 5:
            got += c.recv(4096)
        log.write("first capsule type %d after %.1f s\n" % (got[0] if got else -1, time.monotonic() - t0))
        c.sendall(assign(RFC, False) + capsule(3, ROUTE_MISS))
    elif scenario == "badstatus":
        ps = 'Proxy-Status: proxy.test; next-hop="198.18.0.1"; next-hop-aliases="dot\\.label.tracker.test"\r\n'
        c.sendall(head(ps) + assign(RFC, False) + capsule(3, ROUTE_ALL))
        time.sleep(0.5)
    elif scenario == "draft00":
        got = rest
        t0 = time.monotonic()
        while len(got) < 7 and time.monotonic() - t0 < 5:
            got += c.recv(4096)
        log.write("register=%s\n" % ("yes" if got[:4] == bytes([0x80, 0xFF, 0x37, 0xA1]) else got[:8].hex()))
        c.sendall(head().replace(b"Capsule-Protocol: ?1\r\n", b"") + assign(D00, True) +
                  capsule(D00["route"], ROUTE_MISS))
    log.flush()
    try:
        time.sleep(0.2)
        c.shutdown(socket.SHUT_WR)
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()


def main():
    scenario, logname = sys.argv[1], sys.argv[2]
    log = open(logname, "a", buffering=1)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    print("port %d" % s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, scenario, log), daemon=True).start()


if __name__ == "__main__":
    main()

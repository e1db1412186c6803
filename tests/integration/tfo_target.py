#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A TCP Fast Open target for the integration tests: listens on 0.0.0.0:PORT
# with TCP_FASTOPEN, prints "got " and the first 12 bytes of each request
# head ("|" for CRLF), answers a tiny HTTP/1.0 response and closes.
import socket, sys, threading
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
l.bind(("0.0.0.0", int(sys.argv[1])))
l.listen(64)
print("target ready", file=sys.stderr, flush=True)
def serve(c):
    c.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    print("got " + data[:12].decode("ascii", "replace").replace("\r\n", "|"), flush=True)
    try:
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhi\n")
    except OSError:
        pass
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()

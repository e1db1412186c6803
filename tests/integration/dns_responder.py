#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A tiny DNS responder for the tests: dns_responder.py BIND_ADDR NAME=ADDR...
# Answers A queries for each NAME with its ADDR over UDP port 53 on
# BIND_ADDR, NXDOMAIN for everything else; logs "query NAME from PEER" per
# datagram on stdout and "dns ready" once bound. NAME=>TARGET makes NAME a
# CNAME: queries of any type get the chain of CNAME records, then the A
# record of its last name for A queries.
import socket
import sys

bind, names, cnames = sys.argv[1], {}, {}


def wire(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"


def chain(q, qname, qtype, question, rd):
    """The answer for a name with CNAMEs: the chain, then A if asked."""
    rrs, cur = [], qname
    while cur in cnames and len(rrs) < 32:
        rrs.append(wire(cur) + b"\0\5\0\1\0\0\0\x3c" + len(wire(cnames[cur])).to_bytes(2, "big")
                   + wire(cnames[cur]))
        cur = cnames[cur]
    if cur in names and qtype == b"\0\1":
        rrs.append(wire(cur) + b"\0\1\0\1\0\0\0\x3c\0\4" + names[cur])
    rcode = 0 if cur in names or cur in cnames else 3
    head = q[:2] + bytes([0x84 | rd, 0x80 | rcode]) + b"\0\1" + len(rrs).to_bytes(2, "big") + b"\0\0\0\0"
    return head + question + b"".join(rrs)


for arg in sys.argv[2:]:
    n, a = arg.split("=", 1)
    if a.startswith(">"):
        cnames[n.lower()] = a[1:].lower()
    else:
        names[n.lower()] = socket.inet_aton(a)
s = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((bind, 53))
print("dns ready", flush=True)
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12:
        continue
    i, labels = 12, []
    while i < len(q) and q[i] and len(labels) < 64:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    qname, qtype = ".".join(labels).lower(), q[i + 1:i + 3]
    question = q[12:i + 5]
    print("query", qname, "from", peer[0], flush=True)
    # Echo the query's RD bit; an OPT record in the query is not answered.
    rd = q[2] & 1
    if qname in cnames:
        s.sendto(chain(q, qname, qtype, question, rd), peer)
        continue
    if qname in names and qtype == b"\0\1":
        head = q[:2] + bytes([0x84 | rd, 0x80]) + b"\0\1\0\1\0\0\0\0"
        rr = b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + names[qname]
    elif qname in names:
        head = q[:2] + bytes([0x84 | rd, 0x80]) + b"\0\1\0\0\0\0\0\0"
        rr = b""
    else:
        head = q[:2] + bytes([0x84 | rd, 0x83]) + b"\0\1\0\0\0\0\0\0"
        rr = b""
    s.sendto(head + question + rr, peer)

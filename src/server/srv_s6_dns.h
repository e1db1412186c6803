/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "DNS provided by SOCKS" (draft-11): a CONNECT to 0.0.0.0 or :: port 53 is
 * not dialled; the stream becomes DNS over TCP (RFC 7766 framing: a 2-byte
 * big-endian length, then the message) answered through the server's system
 * resolver. Queries run off the event loop; answers go back in order. */
#ifndef SRV_S6_DNS_H
#define SRV_S6_DNS_H

#include <stddef.h>
#include <stdint.h>
#include "srv_conn.h"

typedef struct srv_s6dns srv_s6dns;

/* srv_socks6.c has queued the successful Operation Reply. This module sets
 * c->phase to SRV_RELAY, takes over c->client's callback, answers queries
 * already waiting in c->up first, and closes the connection when the
 * client does (or on a framing error, or after the server's idle timeout).
 * NULL (connection closed) on allocation failure. */
srv_s6dns *srv_s6dns_start(srv_conn *c);

/* Stop, cancel queries in flight, free (from the protocol's release). */
void srv_s6dns_free(srv_s6dns *d);

/* One query through the system resolver (res_nsend, blocking: worker
 * threads only): the answer's length in ans, or -1 when the resolver failed
 * or gave less than a header. Also used for DNS datagrams in a UDP
 * association (srv_s6_udp_dns.c). */
int srv_s6dns_nsend(const uint8_t *q, size_t qlen, uint8_t *ans, size_t cap);

#endif

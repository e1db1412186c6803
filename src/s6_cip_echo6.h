/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMPv6 echo forwarded by a CONNECT-IP proxy through ping sockets
 * (socks6ify-server, srv_cip_echo6.c): the client's echo requests leave
 * through an unprivileged ping socket, whose kernel picks its own
 * identifier; what comes back must look to the client as if its request
 * had crossed a router. These build those packets for the client:
 *
 *  - an echo reply from the target, with the client's identifier again and
 *    the ICMPv6 checksum over the pseudo-header of the new addresses;
 *  - an ICMPv6 error (destination unreachable, packet too big, time
 *    exceeded, parameter problem) that the ping socket's error queue
 *    reported, quoting the client's request as the client sent it (its own
 *    addresses and identifier), so that the client can tell which flow it
 *    is about (s6_icmp_classify).
 *
 * Requests are parsed with s6_ippkt_parse (s6_cip_ippkt.h). Pure code: no
 * I/O, no state, every length checked. */
#ifndef S6_CIP_ECHO6_H
#define S6_CIP_ECHO6_H

#include <stddef.h>
#include <stdint.h>

#include "s6_error.h"

#define S6_ECHO6_REPLY 129
#define S6_ECHO6_REQUEST 128
/* An error quotes at most this much, as RFC 4443 2.4(c) asks. */
#define S6_ECHO6_ERROR_MAX 1280

/* The reply to dst (the client) from src (the target) carrying the ICMPv6
 * message icmp as a ping socket returned it (type 129, code 0, at least
 * the 8-byte header), with identifier ident and hop limit hop. icmp may
 * lie anywhere in buf (a receive straight into buf + 40 saves a copy).
 * S6_ERR_INVALID_ARG: not an echo reply; S6_ERR_TOO_LONG: over mtu or
 * cap. */
s6_err s6_echo6_reply_build(const uint8_t src[16], const uint8_t dst[16], uint8_t hop,
			    uint16_t ident, const uint8_t *icmp, size_t len, size_t mtu,
			    uint8_t *buf, size_t cap, size_t *out);

/* An error a ping socket's error queue reported for one of the client's
 * requests. */
typedef struct s6_echo6_err {
	uint8_t reporter[16];     /* who sent it (SO_EE_OFFENDER) */
	uint8_t type, code;       /* ICMPv6 type 1-4 */
	uint32_t info;            /* type 2: the MTU; type 4: the pointer */
	uint8_t client[16];       /* the request's source: the client */
	uint8_t target[16];       /* and destination */
	uint8_t hop;              /* the hop limit it left with */
	uint16_t ident;           /* the client's identifier */
} s6_echo6_err;

/* The error packet to e->client, hop limit 64. quote is the echo request
 * as the error queue returned it (type 128, the kernel's identifier): it
 * is quoted behind an IPv6 header rebuilt from e, with e->ident and its
 * checksum made right, and cut so the error fits S6_ECHO6_ERROR_MAX.
 * S6_ERR_INVALID_ARG: not an error type (1-4) or the quote is no echo
 * request; S6_ERR_TOO_LONG: cap cannot hold it. */
s6_err s6_echo6_error_build(const s6_echo6_err *e, const uint8_t *quote, size_t qlen,
			    uint8_t *out, size_t cap, size_t *outlen);

#endif

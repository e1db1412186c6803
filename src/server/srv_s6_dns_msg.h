/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure helpers of the DNS service (srv_s6_dns.c): RFC 7766 framing (a
 * 2-byte big-endian length, then the message), telling a query from other
 * messages, and the SERVFAIL answer given when the resolver fails. No I/O. */
#ifndef SRV_S6_DNS_MSG_H
#define SRV_S6_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_error.h"

#define SRV_DNS_HDR_LEN 12
#define SRV_DNS_MSG_MAX 65535
#define SRV_DNS_FRAME_MAX (2 + SRV_DNS_MSG_MAX)
#define SRV_DNS_RCODE_SERVFAIL 2

/* One frame at buf[0..len): S6_OK with the message at buf + 2, *msg_len
 * bytes long, and *used = 2 + *msg_len; S6_ERR_NEED_MORE with *need >= 1;
 * S6_ERR_MALFORMED for a zero length (no message is that short). */
s6_err srv_dns_frame(const uint8_t *buf, size_t len, size_t *msg_len,
		     size_t *used, size_t *need);

/* A standard query: a whole header, QR = 0, OPCODE = 0 (QUERY), at least
 * one question, and every question well formed within the message. */
bool srv_dns_is_query(const uint8_t *m, size_t len);

/* The answer to query q when the resolver failed: same ID, QR = 1, the
 * query's OPCODE and RD, RA = 1, RCODE = SERVFAIL (2), the question
 * section copied (QDCOUNT = 0 when it does not parse), no other records.
 * S6_ERR_MALFORMED for less than a header, S6_ERR_TOO_LONG when cap is
 * too small. */
s6_err srv_dns_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
			size_t *outlen);

/* RCODE of a message (0 for less than a header). */
unsigned srv_dns_rcode(const uint8_t *m, size_t len);

/* "example.org/28" (the first question, printable characters only) for
 * logs; "?" when there is none. */
void srv_dns_describe(const uint8_t *m, size_t len, char *buf, size_t cap);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 (draft-olteanu-intarea-socks-6-11) constants shared by the message,
 * option and UDP codecs, plus the one address field all of them carry.
 *
 * Address field (Requests, Operation Replies, UDP Datagram/Error messages):
 *   IPv4:   4 bytes
 *   IPv6:   16 bytes
 *   Domain: LEN(1) NAME(LEN) NUL padding
 *
 * Our reading of the domain padding ("not NUL-terminated, but padded by NUL
 * characters, if needed", spec lines 462 and 594): LEN counts only the name;
 * the field LEN(1)+NAME is padded with NULs to the next multiple of 4 bytes.
 * Draft-07 states "All fields are now aligned" (line 131), every fixed part
 * that precedes an address is a multiple of 4 long, and the options that
 * follow it start with 2-byte kinds and lengths kept in multiples of 4; so
 * "if needed" means "to restore 4-byte alignment" and a field whose 1+LEN is
 * already a multiple of 4 (e.g. LEN 3 or 255) carries no padding. The
 * reference implementation (libsocks6msg) pads the same way. The UDP
 * Datagram Header text (line 700) omits "but padded"; we use the one address
 * encoding everywhere, so that header is padded too (see s6_socks6_udp.h).
 * A parser accepts exactly this: LEN >= 1, no NUL inside the name, and the
 * 0..3 padding bytes all zero. */
#ifndef S6_SOCKS6_H
#define S6_SOCKS6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_SOCKS6_VERSION 6
#define S6_SOCKS6_ALIGN 4               /* every field is 4-byte aligned */
#define S6_SOCKS6_OPTIONS_MAX 16384     /* "MUST NOT exceed 16KB" */
#define S6_SOCKS6_DOMAIN_MAX 255
#define S6_SOCKS6_ADDR_WIRE_MAX 256     /* 1 + 255, already aligned */

enum {
	S6_SOCKS6_CMD_NOOP = 0x00,
	S6_SOCKS6_CMD_CONNECT = 0x01,
	S6_SOCKS6_CMD_BIND = 0x02,
	S6_SOCKS6_CMD_UDP_ASSOCIATE = 0x03,
};

enum {
	S6_SOCKS6_ATYP_IPV4 = 0x01,
	S6_SOCKS6_ATYP_DOMAIN = 0x03,
	S6_SOCKS6_ATYP_IPV6 = 0x04,
};

/* Authentication Reply types. */
enum {
	S6_SOCKS6_AUTH_SUCCESS = 0x00,
	S6_SOCKS6_AUTH_FAILED = 0x01,
};

/* Operation Reply codes. */
enum {
	S6_SOCKS6_REP_SUCCESS = 0x00,
	S6_SOCKS6_REP_FAILURE = 0x01,          /* general SOCKS server failure */
	S6_SOCKS6_REP_NOT_ALLOWED = 0x02,      /* not allowed by ruleset */
	S6_SOCKS6_REP_NET_UNREACH = 0x03,
	S6_SOCKS6_REP_HOST_UNREACH = 0x04,
	S6_SOCKS6_REP_REFUSED = 0x05,
	S6_SOCKS6_REP_TTL_EXPIRED = 0x06,
	S6_SOCKS6_REP_CMD_UNSUPPORTED = 0x07,
	S6_SOCKS6_REP_ATYP_UNSUPPORTED = 0x08,
	S6_SOCKS6_REP_TIMEOUT = 0x09,          /* connection attempt timed out */
	S6_SOCKS6_REP__MAX = 0x09,
};

/* An address as carried on the wire. ip holds 4 (IPv4) or 16 (IPv6) bytes in
 * network order; domain is NUL-terminated with domain_len == strlen(domain)
 * for the domain type. Unused members are ignored by pack and zeroed by
 * parse. */
typedef struct s6_s6_addr {
	uint8_t type;                            /* S6_SOCKS6_ATYP_* */
	uint8_t ip[16];
	char domain[S6_SOCKS6_DOMAIN_MAX + 1];
	uint8_t domain_len;
} s6_s6_addr;

/* Bytes x occupies once padded to S6_SOCKS6_ALIGN. */
static inline size_t s6_s6_pad4(size_t x)
{
	return (x + (S6_SOCKS6_ALIGN - 1)) & ~(size_t)(S6_SOCKS6_ALIGN - 1);
}

/* Wire length of the address field (padding included); 0 when the address
 * cannot be encoded (unknown type, domain_len 0, NUL inside the name). */
size_t s6_s6_addr_wire_len(const s6_s6_addr *a);

/* Write the address field (without its type byte, which lives in each
 * message's fixed part). S6_ERR_INVALID_ARG when it cannot be encoded,
 * S6_ERR_TOO_LONG when cap is too small. */
s6_err s6_s6_addr_pack(const s6_s6_addr *a, uint8_t *buf, size_t cap, size_t *outlen);

/* Parse an address field of the given type from buf. S6_OK with *used the
 * field length (padding included); S6_ERR_NEED_MORE with *need >= 1 the
 * minimum additional bytes; S6_ERR_MALFORMED for an unknown type, domain
 * length 0, a NUL inside the name or non-zero padding. */
s6_err s6_s6_addr_parse(uint8_t type, const uint8_t *buf, size_t len,
			s6_s6_addr *out, size_t *used, size_t *need);

/* IPv4 0.0.0.0 or IPv6 :: (the "no particular address" of BIND/UDP, NOOP). */
bool s6_s6_addr_is_unspecified(const s6_s6_addr *a);

/* Operation Reply code to text ("unknown reply code" outside 0..9) and to
 * the error a program sees:
 *   0 S6_OK                      5 S6_ERR_REFUSED (ECONNREFUSED)
 *   1 S6_ERR_PROXY_FAILURE       6 S6_ERR_HOST_UNREACHABLE (TTL expired)
 *     (ECONNREFUSED)             7 S6_ERR_CMD_UNSUPPORTED (EOPNOTSUPP)
 *   2 S6_ERR_NOT_ALLOWED (EACCES) 8 S6_ERR_TARGET_UNSUPPORTED (EAFNOSUPPORT)
 *   3 S6_ERR_NET_UNREACHABLE     9 S6_ERR_TARGET_TIMEOUT (ETIMEDOUT)
 *   4 S6_ERR_HOST_UNREACHABLE    other: S6_ERR_PROXY_PROTOCOL            */
const char *s6_s6_reply_str(uint8_t code);
s6_err s6_s6_reply_err(uint8_t code);

#endif

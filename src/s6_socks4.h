/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4 / SOCKS4a wire codec (socks4-and-socks4a.txt). Pure: bytes in,
 * structs out and back; no I/O. Shared by the client and the server.
 *
 * Request: VN=4 CD DSTPORT(2) DSTIP(4) USERID NUL [DOMAIN NUL]
 *   SOCKS4a: DSTIP = 0.0.0.x with x != 0, then DOMAIN NUL.
 * Reply:   VN=0 CD(90..93) DSTPORT(2) DSTIP(4)                              */
#ifndef S6_SOCKS4_H
#define S6_SOCKS4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_SOCKS4_VERSION 4
#define S6_SOCKS4_REPLY_VERSION 0

enum {
	S6_SOCKS4_CMD_CONNECT = 1,
	S6_SOCKS4_CMD_BIND = 2,
};

enum {
	S6_SOCKS4_GRANTED = 90,
	S6_SOCKS4_REJECTED = 91,
	S6_SOCKS4_NO_IDENTD = 92,
	S6_SOCKS4_IDENT_MISMATCH = 93,
};

#define S6_SOCKS4_REPLY_LEN 8
#define S6_SOCKS4_HEADER_LEN 8          /* VN CD DSTPORT DSTIP */
#define S6_SOCKS4_USERID_MAX 255        /* bytes, without NUL */
#define S6_SOCKS4_DOMAIN_MAX 255        /* bytes, without NUL */
#define S6_SOCKS4_REQUEST_MAX \
	(S6_SOCKS4_HEADER_LEN + S6_SOCKS4_USERID_MAX + 1 + S6_SOCKS4_DOMAIN_MAX + 1)

typedef struct s6_socks4_request {
	uint8_t command;                         /* CONNECT or BIND */
	uint16_t port;                           /* host order */
	uint8_t ip[4];                           /* network order; 0.0.0.x for 4a */
	char userid[S6_SOCKS4_USERID_MAX + 1];
	char domain[S6_SOCKS4_DOMAIN_MAX + 1];   /* "" unless SOCKS4a */
} s6_socks4_request;

typedef struct s6_socks4_reply {
	uint8_t code;      /* 90..93 */
	uint16_t port;     /* host order */
	uint8_t ip[4];
} s6_socks4_reply;

/* 0.0.0.x with x != 0: the SOCKS4a marker. */
bool s6_socks4_ip_is_4a(const uint8_t ip[4]);

/* Pack a request. When domain is non-empty the request is SOCKS4a and ip is
 * written as 0.0.0.1 whatever req->ip holds. Fails with S6_ERR_TOO_LONG
 * (userid/domain over 255 or cap too small) or S6_ERR_INVALID_ARG (bad
 * command, NUL-less strings are impossible here). */
s6_err s6_socks4_request_pack(const s6_socks4_request *req, uint8_t *buf,
			      size_t cap, size_t *outlen);

/* Incremental request parser (server side). On S6_OK *used is the request
 * length. On S6_ERR_NEED_MORE *need is how many more bytes are needed at least
 * (>= 1). Errors: S6_ERR_BAD_VERSION, S6_ERR_MALFORMED (bad command, empty
 * 4a domain), S6_ERR_TOO_LONG (userid or domain over 255 without NUL). */
s6_err s6_socks4_request_parse(const uint8_t *buf, size_t len,
			       s6_socks4_request *out, size_t *used, size_t *need);

void s6_socks4_reply_pack(const s6_socks4_reply *rep, uint8_t out[S6_SOCKS4_REPLY_LEN]);

/* Reply parser (client side). S6_ERR_NEED_MORE with *need, S6_ERR_BAD_VERSION
 * (VN != 0), S6_ERR_MALFORMED (code outside 90..93). */
s6_err s6_socks4_reply_parse(const uint8_t *buf, size_t len,
			     s6_socks4_reply *out, size_t *used, size_t *need);

/* Meaning of a reply code, and the error a program sees for it:
 * 90 S6_OK, 91 S6_ERR_REFUSED (ECONNREFUSED), 92/93 S6_ERR_NOT_ALLOWED (EACCES). */
const char *s6_socks4_reply_str(uint8_t code);
s6_err s6_socks4_reply_err(uint8_t code);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Username/Password authentication (RFC 1929) and its SOCKS6 carriage in
 * Authentication Data options, method 2 (draft-11, "Username/Password
 * Authentication"). Pure: no I/O.
 *
 * Request: VER=1 ULEN UNAME(1..255) PLEN PASSWD(1..255)
 * Reply:   VER=1 STATUS (0 = success, anything else = failure)
 *
 * Names and passwords are byte strings: they may contain NUL, so compare
 * them with their lengths, never as C strings.                            */
#ifndef S6_USERPASS_H
#define S6_USERPASS_H

#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"
#include "s6_socks6_opt.h"

#define S6_UP_VERSION 1
#define S6_UP_FIELD_MAX 255
#define S6_UP_REQUEST_MAX (3 + 2 * S6_UP_FIELD_MAX)
#define S6_UP_REPLY_LEN 2
#define S6_UP_SUCCESS 0
#define S6_UP_FAILURE 1   /* what we send; any non-zero status is failure */

typedef struct s6_userpass {
	size_t ulen;
	size_t plen;
	uint8_t user[S6_UP_FIELD_MAX + 1];   /* NUL-terminated for logging */
	uint8_t pass[S6_UP_FIELD_MAX + 1];
} s6_userpass;

/* Pack a request. S6_ERR_INVALID_ARG for an empty user or password (RFC 1929
 * allows 1..255), S6_ERR_TOO_LONG for one over 255 or a too small cap. */
s6_err s6_userpass_pack(const void *user, size_t ulen, const void *pass, size_t plen,
			uint8_t *buf, size_t cap, size_t *outlen);

/* Incremental request parser (server side). S6_OK with *used; or
 * S6_ERR_NEED_MORE with *need >= 1 more bytes; S6_ERR_BAD_VERSION (VER != 1);
 * S6_ERR_MALFORMED (ULEN or PLEN zero). */
s6_err s6_userpass_parse(const uint8_t *buf, size_t len, s6_userpass *out,
			 size_t *used, size_t *need);

void s6_userpass_reply_pack(uint8_t status, uint8_t out[S6_UP_REPLY_LEN]);

/* S6_OK with *status (0 success) and *used = 2; S6_ERR_NEED_MORE with *need;
 * S6_ERR_BAD_VERSION when VER != 1. */
s6_err s6_userpass_reply_parse(const uint8_t *buf, size_t len, uint8_t *status,
			       size_t *used, size_t *need);

/* SOCKS6: the request / reply as an Authentication Data option, method 2. */
s6_err s6_s6opt_put_userpass(s6_s6opt_buf *b, const void *user, size_t ulen,
			     const void *pass, size_t plen);
s6_err s6_s6opt_put_userpass_reply(s6_s6opt_buf *b, uint8_t status);

/* Decode the Authentication Data of method 2: exactly one request (or
 * reply) followed by minimal zero padding; S6_ERR_MALFORMED otherwise
 * (including a truncated request), S6_ERR_BAD_VERSION for VER != 1,
 * S6_ERR_INVALID_ARG when ad->method is not 2. */
s6_err s6_userpass_from_authdata(const s6_s6authdata *ad, s6_userpass *out);
s6_err s6_userpass_reply_from_authdata(const s6_s6authdata *ad, uint8_t *status);

#endif

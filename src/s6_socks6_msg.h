/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 (draft-11) TCP-stream messages. Pure: bytes in, structs out and
 * back; no I/O. Shared by the client and the server. Options are carried as
 * one opaque byte range; s6_socks6_opt.h decodes them.
 *
 * Request:          VER=6 CMD OPTLEN(2) | PORT(2) PAD=0 ATYP | ADDR | OPTIONS
 * Version Mismatch: VER=6                        (then the proxy closes)
 * Auth Reply:       VER=6 TYPE OPTLEN(2) | OPTIONS
 * Operation Reply:  VER=6 CODE OPTLEN(2) | PORT(2) PAD=0 ATYP | ADDR | OPTIONS
 *
 * Parsers are incremental: S6_ERR_NEED_MORE sets *need to the exact minimum
 * number of additional bytes (>= 1) before the answer can change; fixed
 * fields are checked as soon as they are present, so garbage is rejected
 * early. On S6_OK *used is the message length; bytes after it (initial
 * data, the next message) are not looked at. On any other result *out is
 * unspecified (it may be partly filled).
 *
 * Options: a parsed message's opts points into the caller's buffer (opts_off
 * is the same place as an offset) and stays valid only as long as that
 * buffer is neither freed nor moved; copy the range before compacting the
 * buffer. OPTLEN must be at most S6_SOCKS6_OPTIONS_MAX (else
 * S6_ERR_TOO_LONG) and a multiple of 4: every option's length is a multiple
 * of 4 (spec line 815), so their sum is too (else S6_ERR_MALFORMED).
 *
 * Telling a Version Mismatch Reply from an Authentication Reply: both start
 * with the byte 6, and the mismatch reply is nothing more. A client whose
 * auth-reply parse returns S6_ERR_NEED_MORE and then sees EOF asks
 * s6_s6_reply_at_eof() what the buffered bytes were. */
#ifndef S6_SOCKS6_MSG_H
#define S6_SOCKS6_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"
#include "s6_socks6.h"

#define S6_SOCKS6_REQ_FIXED_LEN 8       /* up to and including ATYP */
#define S6_SOCKS6_AUTH_REPLY_FIXED_LEN 4
#define S6_SOCKS6_OP_REPLY_FIXED_LEN 8
#define S6_SOCKS6_VERSION_MISMATCH_LEN 1
/* Largest Request / Operation Reply: fixed part, longest address, options. */
#define S6_SOCKS6_MSG_MAX \
	(S6_SOCKS6_REQ_FIXED_LEN + S6_SOCKS6_ADDR_WIRE_MAX + S6_SOCKS6_OPTIONS_MAX)

typedef struct s6_s6_request {
	uint8_t command;            /* S6_SOCKS6_CMD_*; parse accepts any value */
	uint16_t port;              /* host order */
	s6_s6_addr addr;
	const uint8_t *opts;        /* parse: into the buffer; pack: bytes to append */
	size_t opts_len;
	size_t opts_off;            /* parse only: offset of opts in the buffer */
} s6_s6_request;

typedef struct s6_s6_auth_reply {
	uint8_t type;               /* S6_SOCKS6_AUTH_SUCCESS / _FAILED */
	const uint8_t *opts;
	size_t opts_len;
	size_t opts_off;
} s6_s6_auth_reply;

typedef struct s6_s6_op_reply {
	uint8_t code;               /* S6_SOCKS6_REP_*, 0..9 */
	uint16_t port;              /* bind port, host order */
	s6_s6_addr addr;            /* bind address */
	const uint8_t *opts;
	size_t opts_len;
	size_t opts_off;
} s6_s6_op_reply;

/* Pack a request. S6_ERR_INVALID_ARG: unencodable address, NOOP with an
 * address other than 0.0.0.0/:: or a non-zero port, options length not a
 * multiple of 4 or opts NULL with a length; S6_ERR_TOO_LONG: options over
 * S6_SOCKS6_OPTIONS_MAX or cap too small. Any command byte is packed (a test
 * client may want to send an unknown one). */
s6_err s6_s6_request_pack(const s6_s6_request *req, uint8_t *buf, size_t cap,
			  size_t *outlen);

/* Server side. Errors: S6_ERR_BAD_VERSION (first byte not 6: answer with a
 * Version Mismatch Reply and close), S6_ERR_TOO_LONG (OPTLEN > 16384),
 * S6_ERR_MALFORMED (non-zero padding, unknown address type, bad domain
 * field, OPTLEN not a multiple of 4, NOOP whose address type is not IPv4/IPv6
 * or whose address or port is not zero, spec line 476). Unknown command
 * codes parse fine: the proxy answers them with S6_SOCKS6_REP_CMD_UNSUPPORTED. */
s6_err s6_s6_request_parse(const uint8_t *buf, size_t len, s6_s6_request *out,
			   size_t *used, size_t *need);

/* The one-byte Version Mismatch Reply (server side). */
void s6_s6_version_mismatch_pack(uint8_t out[S6_SOCKS6_VERSION_MISMATCH_LEN]);

/* Client side, when the proxy closed the stream while a reply parser still
 * said S6_ERR_NEED_MORE on buf[0..len): S6_ERR_BAD_VERSION when the bytes are
 * exactly a Version Mismatch Reply (the proxy does not speak our version),
 * S6_ERR_PROXY_CLOSED otherwise (nothing or a truncated reply). */
s6_err s6_s6_reply_at_eof(const uint8_t *buf, size_t len);

/* S6_ERR_INVALID_ARG for a type other than 0/1 or bad opts, S6_ERR_TOO_LONG
 * as for requests. */
s6_err s6_s6_auth_reply_pack(const s6_s6_auth_reply *rep, uint8_t *buf,
			     size_t cap, size_t *outlen);

/* Client side. S6_ERR_BAD_VERSION (first byte not 6), S6_ERR_MALFORMED
 * (type other than 0/1, OPTLEN not a multiple of 4), S6_ERR_TOO_LONG. */
s6_err s6_s6_auth_reply_parse(const uint8_t *buf, size_t len,
			      s6_s6_auth_reply *out, size_t *used, size_t *need);

/* S6_ERR_INVALID_ARG for a code over 9, an unencodable address or bad opts;
 * S6_ERR_TOO_LONG as for requests. */
s6_err s6_s6_op_reply_pack(const s6_s6_op_reply *rep, uint8_t *buf, size_t cap,
			   size_t *outlen);

/* Client side. S6_ERR_BAD_VERSION, S6_ERR_TOO_LONG, S6_ERR_MALFORMED (code
 * over 9, padding, address, OPTLEN not a multiple of 4). */
s6_err s6_s6_op_reply_parse(const uint8_t *buf, size_t len,
			    s6_s6_op_reply *out, size_t *used, size_t *need);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 (draft-olteanu-intarea-socks-6-11) options codec. Pure: bytes in,
 * structs out and back; no I/O. Shared by the client and the server.
 *
 * Every option: Kind (2) Length (2) Data. Length counts the 4-byte header and
 * is a multiple of 4; the options of one message total at most 16384 bytes.
 * Unknown kinds are skipped silently (the draft says an endpoint MUST ignore
 * an unsupported option); broken framing is an error.
 *
 * Slices in parsed results (auth data) point into the caller's buffer, which
 * must outlive the parsed struct. Session IDs are copied.                   */
#ifndef S6_SOCKS6_OPT_H
#define S6_SOCKS6_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_S6OPT_HDR_LEN 4
#define S6_S6OPT_TOTAL_MAX 16384        /* Options Length limit per message */
#define S6_S6_INITIAL_DATA_MAX 16384    /* Initial Data Length limit (2^14) */

/* Option kinds (IANA Considerations). 7 and 16..18 belonged to removed
 * options and are treated as unknown. */
enum {
	S6_S6OPT_STACK = 1,
	S6_S6OPT_AUTH_METHOD_ADV = 2,
	S6_S6OPT_AUTH_METHOD_SEL = 3,
	S6_S6OPT_AUTH_DATA = 4,
	S6_S6OPT_SESSION_REQUEST = 5,
	S6_S6OPT_SESSION_ID = 6,
	S6_S6OPT_SESSION_OK = 8,
	S6_S6OPT_SESSION_INVALID = 9,
	S6_S6OPT_SESSION_TEARDOWN = 10,
	S6_S6OPT_IDEM_REQUEST = 11,
	S6_S6OPT_IDEM_WINDOW = 12,
	S6_S6OPT_IDEM_EXPEND = 13,
	S6_S6OPT_IDEM_ACCEPTED = 14,
	S6_S6OPT_IDEM_REJECTED = 15,
	S6_S6OPT_EXPERIMENTAL_MIN = 64512,
};

/* Authentication method numbers this project uses. */
enum {
	S6_S6_METHOD_NONE = 0x00,
	S6_S6_METHOD_USERPASS = 0x02,
	S6_S6_METHOD_NO_ACCEPTABLE = 0xff,
};

/* Stack option header: Leg (2 bits) Level (6 bits) Code (8 bits). */
enum {
	S6_S6_LEG_CLIENT_PROXY = 1,
	S6_S6_LEG_PROXY_REMOTE = 2,
	S6_S6_LEG_BOTH = 3,
};

enum {
	S6_S6_LEVEL_IP = 1,
	S6_S6_LEVEL_IPV4 = 2,
	S6_S6_LEVEL_IPV6 = 3,
	S6_S6_LEVEL_TCP = 4,
	S6_S6_LEVEL_UDP = 5,
};

/* Codes, per level. */
enum {
	S6_S6_IP_TOS = 1,            /* value: TOS byte; any leg */
	S6_S6_IP_HAPPY_EYEBALLS = 2, /* value: availability; proxy-remote leg */
	S6_S6_IP_TTL = 3,            /* value: TTL byte; any leg */
	S6_S6_IP_NOFRAG = 4,         /* value: availability; any leg */
	S6_S6_TCP_TFO = 1,           /* value: 16-bit payload size; proxy-remote */
	S6_S6_TCP_MULTIPATH = 2,     /* value: availability; proxy-remote */
	S6_S6_TCP_BACKLOG = 3,       /* value: 16-bit backlog; proxy-remote */
	S6_S6_UDP_ERROR = 1,         /* value: availability; proxy-remote */
	S6_S6_UDP_PORT_PARITY = 2,   /* value: parity, reserve; proxy-remote */
};

/* Availability byte of Happy Eyeballs, No Fragmentation, Multipath, UDP
 * Error: 1 = not desired / not done, 2 = desired / done. */
enum {
	S6_S6_AVAIL_NO = 1,
	S6_S6_AVAIL_YES = 2,
};

enum {
	S6_S6_PARITY_ANY = 0,
	S6_S6_PARITY_EVEN = 1,
	S6_S6_PARITY_ODD = 2,
};

/* ---- Generic TLV layer --------------------------------------------------- */

typedef struct s6_s6opt {
	uint16_t kind;
	uint16_t len;            /* total, header included */
	const uint8_t *data;     /* len - 4 bytes after the header */
	size_t data_len;
	size_t offset;           /* of the option in the iterated range */
} s6_s6opt;

typedef struct s6_s6opt_iter {
	const uint8_t *buf;
	size_t len;
	size_t off;
	s6_err err;              /* S6_OK at a clean end */
	const char *why;         /* static reason when err != S6_OK */
} s6_s6opt_iter;

/* Iterate over an options byte range (exactly the Options field). */
void s6_s6opt_iter_init(s6_s6opt_iter *it, const uint8_t *buf, size_t len);

/* Yield the next option of any kind. Returns false at the end or on an error:
 * then it->err is S6_OK (clean end), S6_ERR_TOO_LONG (range over 16384) or
 * S6_ERR_MALFORMED (truncated header, length < 4, not a multiple of 4, or
 * running past the range), with it->why and it->off at the bad option. */
bool s6_s6opt_next(s6_s6opt_iter *it, s6_s6opt *opt);

/* True for the kinds this codec decodes. */
bool s6_s6opt_kind_known(uint16_t kind);
const char *s6_s6opt_kind_name(uint16_t kind);

/* Encoder: appends options to caller memory. */
typedef struct s6_s6opt_buf {
	uint8_t *buf;
	size_t cap;
	size_t len;
} s6_s6opt_buf;

void s6_s6opt_buf_init(s6_s6opt_buf *b, uint8_t *mem, size_t cap);

/* Append one option whose data is part1 then part2 (either may be empty),
 * zero-padded to a multiple of 4. S6_ERR_TOO_LONG when it does not fit in the
 * buffer or would take the total over 16384; the buffer is then unchanged. */
s6_err s6_s6opt_put(s6_s6opt_buf *b, uint16_t kind, const uint8_t *part1, size_t len1,
		    const uint8_t *part2, size_t len2);

/* ---- Stack options ------------------------------------------------------- */

typedef struct s6_s6stack {
	uint8_t leg;
	uint8_t level;
	uint8_t code;
	uint16_t value;          /* TOS, TTL, availability, parity: 8-bit;
				    TFO payload size, backlog: 16-bit */
	uint8_t reserve;         /* Port Parity's Reserve (0/1); else 0 */
} s6_s6stack;

/* Decode one Stack option (opt->kind == 1). *supported is false for a
 * level/code/leg the draft does not define (to be ignored silently). Errors:
 * S6_ERR_MALFORMED with *why for a supported option whose length is not 8,
 * whose padding is not zero or whose values are out of range. */
s6_err s6_s6stack_decode(const s6_s6opt *opt, s6_s6stack *st, bool *supported,
			 const char **why);

/* Encode one Stack option; S6_ERR_INVALID_ARG for what decode would not
 * accept as supported and valid. */
s6_err s6_s6opt_put_stack(s6_s6opt_buf *b, const s6_s6stack *st);

/* Both options apply to a common leg (leg 3 overlaps 1 and 2). */
bool s6_s6stack_legs_overlap(uint8_t a, uint8_t b);

/* ---- Typed builders ------------------------------------------------------ */

/* methods must not contain 0 ("no authentication" is implied and would be
 * indistinguishable from padding); n_methods may be 0; idl <= 16384. */
s6_err s6_s6opt_put_auth_adv(s6_s6opt_buf *b, uint16_t idl, const uint8_t *methods,
			     size_t n_methods);
s6_err s6_s6opt_put_auth_select(s6_s6opt_buf *b, uint8_t method);
/* data is method-specific and must delimit itself: a parser cannot tell
 * trailing padding from data. */
s6_err s6_s6opt_put_auth_data(s6_s6opt_buf *b, uint8_t method, const uint8_t *data,
			      size_t len);
s6_err s6_s6opt_put_session_request(s6_s6opt_buf *b);
/* len: a non-zero multiple of 4, at most S6_S6_SESSION_ID_MAX. */
s6_err s6_s6opt_put_session_id(s6_s6opt_buf *b, const uint8_t *id, size_t len);
s6_err s6_s6opt_put_session_ok(s6_s6opt_buf *b);
s6_err s6_s6opt_put_session_invalid(s6_s6opt_buf *b);
s6_err s6_s6opt_put_session_teardown(s6_s6opt_buf *b);
/* size: 1 .. 2^31-1 (a window must be non-empty and below 2^31). */
s6_err s6_s6opt_put_idem_request(s6_s6opt_buf *b, uint32_t size);
s6_err s6_s6opt_put_idem_window(s6_s6opt_buf *b, uint32_t base, uint32_t size);
/* Always Length 8 (the draft's figure says 4, its text 8; 8 holds the token). */
s6_err s6_s6opt_put_idem_expend(s6_s6opt_buf *b, uint32_t token);
s6_err s6_s6opt_put_idem_accepted(s6_s6opt_buf *b);
s6_err s6_s6opt_put_idem_rejected(s6_s6opt_buf *b);

/* ---- Parsed options of one message -------------------------------------- */

/* Without duplicates at most 12 supported stack options coexist (TOS, TTL,
 * No Fragmentation on legs 1 and 2; six proxy-remote-only options). */
#define S6_S6_STACK_MAX 18
#define S6_S6_METHODS_MAX 255
/* Auth Data is limited to one per method; we keep this many methods. */
#define S6_S6_AUTHDATA_MAX 16
/* Session IDs are opaque, a multiple of 4 bytes; we accept up to 256. */
#define S6_S6_SESSION_ID_MAX 256

typedef struct s6_s6authdata {
	uint8_t method;
	const uint8_t *data;     /* into the parsed buffer, padding included */
	size_t len;
} s6_s6authdata;

typedef struct s6_s6opts {
	s6_s6stack stack[S6_S6_STACK_MAX];
	size_t n_stack;

	bool has_auth_adv;
	uint16_t initial_data_len;
	uint8_t methods[S6_S6_METHODS_MAX];  /* advertised, in order, no 0, unique */
	size_t n_methods;

	bool has_auth_select;
	uint8_t auth_select;

	s6_s6authdata auth_data[S6_S6_AUTHDATA_MAX];
	size_t n_auth_data;

	bool session_request;
	bool has_session_id;
	uint8_t session_id[S6_S6_SESSION_ID_MAX];
	size_t session_id_len;
	bool session_ok;
	bool session_invalid;
	bool session_teardown;

	bool has_idem_request;
	uint32_t idem_request_size;
	bool has_idem_window;
	uint32_t idem_window_base;
	uint32_t idem_window_size;
	bool has_idem_expend;
	uint32_t idem_token;
	bool idem_accepted;
	bool idem_rejected;

	size_t n_ignored;        /* unknown kinds and unsupported stack options */
} s6_s6opts;

/* Parse a whole Options field. On error writes a one-line reason into why
 * (may be NULL). Errors: S6_ERR_MALFORMED (framing, bad lengths, non-zero
 * padding, values out of range, duplicates, contradictions),
 * S6_ERR_TOO_LONG (over 16384 bytes, Session ID over 256, more than
 * S6_S6_AUTHDATA_MAX Auth Data options). */
s6_err s6_s6opts_parse(const uint8_t *buf, size_t len, s6_s6opts *out,
		       char *why, size_t whylen);

const s6_s6stack *s6_s6opts_find_stack(const s6_s6opts *o, uint8_t level,
				       uint8_t code, uint8_t leg);
const s6_s6authdata *s6_s6opts_find_auth_data(const s6_s6opts *o, uint8_t method);
bool s6_s6opts_advertises(const s6_s6opts *o, uint8_t method);

/* Token order and window arithmetic: s6_token.h (s6_token_lt, ...). */

#endif

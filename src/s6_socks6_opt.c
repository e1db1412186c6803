/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 options: TLV iterator, encoder, and the builders of
 * non-stack options (see s6_socks6_opt.h). */
#include <string.h>

#include "s6_bytes.h"
#include "s6_socks6_opt.h"
#include "s6_token.h"

void s6_s6opt_iter_init(s6_s6opt_iter *it, const uint8_t *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
	it->err = S6_OK;
	it->why = NULL;
	if (len > S6_S6OPT_TOTAL_MAX) {
		it->err = S6_ERR_TOO_LONG;
		it->why = "options longer than 16384 bytes";
	}
}

static bool iter_fail(s6_s6opt_iter *it, const char *why)
{
	it->err = S6_ERR_MALFORMED;
	it->why = why;
	return false;
}

bool s6_s6opt_next(s6_s6opt_iter *it, s6_s6opt *opt)
{
	size_t left;
	uint16_t olen;

	if (it->err != S6_OK || it->off == it->len)
		return false;
	left = it->len - it->off;
	if (left < S6_S6OPT_HDR_LEN)
		return iter_fail(it, "truncated option header");
	olen = s6_get_u16be(it->buf + it->off + 2);
	if (olen < S6_S6OPT_HDR_LEN)
		return iter_fail(it, "option length below 4");
	if (olen % 4 != 0)
		return iter_fail(it, "option length not a multiple of 4");
	if (olen > left)
		return iter_fail(it, "option runs past the options field");
	opt->kind = s6_get_u16be(it->buf + it->off);
	opt->len = olen;
	opt->data = it->buf + it->off + S6_S6OPT_HDR_LEN;
	opt->data_len = olen - S6_S6OPT_HDR_LEN;
	opt->offset = it->off;
	it->off += olen;
	return true;
}

static const char *const kind_names[] = {
	[S6_S6OPT_STACK] = "Stack",
	[S6_S6OPT_AUTH_METHOD_ADV] = "Authentication Method Advertisement",
	[S6_S6OPT_AUTH_METHOD_SEL] = "Authentication Method Selection",
	[S6_S6OPT_AUTH_DATA] = "Authentication Data",
	[S6_S6OPT_SESSION_REQUEST] = "Session Request",
	[S6_S6OPT_SESSION_ID] = "Session ID",
	[S6_S6OPT_SESSION_OK] = "Session OK",
	[S6_S6OPT_SESSION_INVALID] = "Session Invalid",
	[S6_S6OPT_SESSION_TEARDOWN] = "Session Teardown",
	[S6_S6OPT_IDEM_REQUEST] = "Idempotence Request",
	[S6_S6OPT_IDEM_WINDOW] = "Idempotence Window",
	[S6_S6OPT_IDEM_EXPEND] = "Idempotence Expenditure",
	[S6_S6OPT_IDEM_ACCEPTED] = "Idempotence Accepted",
	[S6_S6OPT_IDEM_REJECTED] = "Idempotence Rejected",
};

bool s6_s6opt_kind_known(uint16_t kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind];
}

const char *s6_s6opt_kind_name(uint16_t kind)
{
	if (s6_s6opt_kind_known(kind))
		return kind_names[kind];
	return kind >= S6_S6OPT_EXPERIMENTAL_MIN ? "Experimental" : "Unknown";
}

void s6_s6opt_buf_init(s6_s6opt_buf *b, uint8_t *mem, size_t cap)
{
	b->buf = mem;
	b->cap = cap;
	b->len = 0;
}

s6_err s6_s6opt_put(s6_s6opt_buf *b, uint16_t kind, const uint8_t *part1, size_t len1,
		    const uint8_t *part2, size_t len2)
{
	size_t body, total;
	uint8_t *p;

	if (!b || (len1 && !part1) || (len2 && !part2))
		return S6_ERR_INVALID_ARG;
	/* Each part is checked alone first so that the sum cannot wrap. */
	if (len1 > S6_S6OPT_TOTAL_MAX || len2 > S6_S6OPT_TOTAL_MAX)
		return S6_ERR_TOO_LONG;
	body = S6_S6OPT_HDR_LEN + len1 + len2;
	total = (body + 3) & ~(size_t)3;
	if (b->len > S6_S6OPT_TOTAL_MAX || total > S6_S6OPT_TOTAL_MAX - b->len ||
	    b->len > b->cap || total > b->cap - b->len)
		return S6_ERR_TOO_LONG;
	p = b->buf + b->len;
	s6_put_u16be(p, kind);
	s6_put_u16be(p + 2, (uint16_t)total);
	if (len1)
		memcpy(p + S6_S6OPT_HDR_LEN, part1, len1);
	if (len2)
		memcpy(p + S6_S6OPT_HDR_LEN + len1, part2, len2);
	memset(p + body, 0, total - body);
	b->len += total;
	return S6_OK;
}

s6_err s6_s6opt_put_auth_adv(s6_s6opt_buf *b, uint16_t idl, const uint8_t *methods,
			     size_t n_methods)
{
	uint8_t head[2];

	if (idl > S6_S6_INITIAL_DATA_MAX || n_methods > S6_S6_METHODS_MAX ||
	    (n_methods && !methods) || (n_methods && memchr(methods, 0, n_methods)))
		return S6_ERR_INVALID_ARG;
	s6_put_u16be(head, idl);
	return s6_s6opt_put(b, S6_S6OPT_AUTH_METHOD_ADV, head, 2, methods, n_methods);
}

s6_err s6_s6opt_put_auth_select(s6_s6opt_buf *b, uint8_t method)
{
	return s6_s6opt_put(b, S6_S6OPT_AUTH_METHOD_SEL, &method, 1, NULL, 0);
}

s6_err s6_s6opt_put_auth_data(s6_s6opt_buf *b, uint8_t method, const uint8_t *data,
			      size_t len)
{
	return s6_s6opt_put(b, S6_S6OPT_AUTH_DATA, &method, 1, data, len);
}

s6_err s6_s6opt_put_session_request(s6_s6opt_buf *b)
{
	return s6_s6opt_put(b, S6_S6OPT_SESSION_REQUEST, NULL, 0, NULL, 0);
}

s6_err s6_s6opt_put_session_id(s6_s6opt_buf *b, const uint8_t *id, size_t len)
{
	if (!id || len == 0 || len % 4 != 0 || len > S6_S6_SESSION_ID_MAX)
		return S6_ERR_INVALID_ARG;
	return s6_s6opt_put(b, S6_S6OPT_SESSION_ID, id, len, NULL, 0);
}

s6_err s6_s6opt_put_session_ok(s6_s6opt_buf *b)
{
	return s6_s6opt_put(b, S6_S6OPT_SESSION_OK, NULL, 0, NULL, 0);
}

s6_err s6_s6opt_put_session_invalid(s6_s6opt_buf *b)
{
	return s6_s6opt_put(b, S6_S6OPT_SESSION_INVALID, NULL, 0, NULL, 0);
}

s6_err s6_s6opt_put_session_teardown(s6_s6opt_buf *b)
{
	return s6_s6opt_put(b, S6_S6OPT_SESSION_TEARDOWN, NULL, 0, NULL, 0);
}

s6_err s6_s6opt_put_idem_request(s6_s6opt_buf *b, uint32_t size)
{
	uint8_t v[4];

	if (!s6_token_size_valid(size))
		return S6_ERR_INVALID_ARG;
	s6_put_u32be(v, size);
	return s6_s6opt_put(b, S6_S6OPT_IDEM_REQUEST, v, 4, NULL, 0);
}

s6_err s6_s6opt_put_idem_window(s6_s6opt_buf *b, uint32_t base, uint32_t size)
{
	uint8_t v[8];

	if (!s6_token_size_valid(size))
		return S6_ERR_INVALID_ARG;
	s6_put_u32be(v, base);
	s6_put_u32be(v + 4, size);
	return s6_s6opt_put(b, S6_S6OPT_IDEM_WINDOW, v, 8, NULL, 0);
}

s6_err s6_s6opt_put_idem_expend(s6_s6opt_buf *b, uint32_t token)
{
	uint8_t v[4];

	s6_put_u32be(v, token);
	return s6_s6opt_put(b, S6_S6OPT_IDEM_EXPEND, v, 4, NULL, 0);
}

s6_err s6_s6opt_put_idem_accepted(s6_s6opt_buf *b)
{
	return s6_s6opt_put(b, S6_S6OPT_IDEM_ACCEPTED, NULL, 0, NULL, 0);
}

s6_err s6_s6opt_put_idem_rejected(s6_s6opt_buf *b)
{
	return s6_s6opt_put(b, S6_S6OPT_IDEM_REJECTED, NULL, 0, NULL, 0);
}

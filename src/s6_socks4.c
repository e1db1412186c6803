/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4 / SOCKS4a wire codec (see s6_socks4.h for the formats). */
#include "config.h"

#include <string.h>

#include "s6_bytes.h"
#include "s6_socks4.h"

bool s6_socks4_ip_is_4a(const uint8_t ip[4])
{
	return ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0;
}

static bool command_ok(uint8_t cd)
{
	return cd == S6_SOCKS4_CMD_CONNECT || cd == S6_SOCKS4_CMD_BIND;
}

/* Length of a string held in a fixed array of cap bytes; cap when it has no
 * NUL, which the callers treat as too long. */
static size_t field_len(const char *s, size_t cap)
{
	const char *nul = memchr(s, '\0', cap);

	return nul ? (size_t)(nul - s) : cap;
}

s6_err s6_socks4_request_pack(const s6_socks4_request *req, uint8_t *buf,
			      size_t cap, size_t *outlen)
{
	size_t ulen, dlen, total, off;

	if (!req || !buf || !outlen || !command_ok(req->command))
		return S6_ERR_INVALID_ARG;
	ulen = field_len(req->userid, sizeof(req->userid));
	dlen = field_len(req->domain, sizeof(req->domain));
	if (ulen > S6_SOCKS4_USERID_MAX || dlen > S6_SOCKS4_DOMAIN_MAX)
		return S6_ERR_TOO_LONG;
	total = S6_SOCKS4_HEADER_LEN + ulen + 1 + (dlen ? dlen + 1 : 0);
	if (cap < total)
		return S6_ERR_TOO_LONG;

	buf[0] = S6_SOCKS4_VERSION;
	buf[1] = req->command;
	s6_put_u16be(buf + 2, req->port);
	if (dlen) {
		/* SOCKS4a: the conventional marker, whatever req->ip says. */
		static const uint8_t marker[4] = { 0, 0, 0, 1 };
		memcpy(buf + 4, marker, 4);
	} else {
		memcpy(buf + 4, req->ip, 4);
	}
	off = S6_SOCKS4_HEADER_LEN;
	memcpy(buf + off, req->userid, ulen);
	off += ulen;
	buf[off++] = 0;
	if (dlen) {
		memcpy(buf + off, req->domain, dlen);
		off += dlen;
		buf[off++] = 0;
	}
	*outlen = off;
	return S6_OK;
}

/* Find the NUL ending a string field that starts at buf[start]. The field
 * may hold at most max bytes before its NUL. On S6_OK *end is the index of
 * the NUL; on S6_ERR_NEED_MORE *seen is how many field bytes are present. */
static s6_err find_field(const uint8_t *buf, size_t len, size_t start,
			 size_t max, size_t *end, size_t *seen)
{
	size_t avail = len > start ? len - start : 0;
	size_t scan = avail < max + 1 ? avail : max + 1;
	const uint8_t *nul = memchr(buf + start, 0, scan);

	if (nul) {
		*end = (size_t)(nul - buf);
		return S6_OK;
	}
	if (scan == max + 1)
		return S6_ERR_TOO_LONG;
	*seen = avail;
	return S6_ERR_NEED_MORE;
}

/* Check the bytes of the fixed header that are present, so that a wrong
 * version or command is reported before the rest arrives. */
static s6_err check_header(const uint8_t *buf, size_t len)
{
	if (len >= 1 && buf[0] != S6_SOCKS4_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 2 && !command_ok(buf[1]))
		return S6_ERR_MALFORMED;
	return S6_OK;
}

static void copy_field(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The domain part of a SOCKS4a request, which starts at buf[start]. */
static s6_err parse_domain(const uint8_t *buf, size_t len, size_t start,
			   s6_socks4_request *out, size_t *used, size_t *need)
{
	size_t end = 0, seen = 0;
	s6_err err = find_field(buf, len, start, S6_SOCKS4_DOMAIN_MAX, &end, &seen);

	if (err == S6_ERR_NEED_MORE) {
		/* A domain has at least one byte, then its NUL. */
		*need = seen ? 1 : 2;
		return err;
	}
	if (err != S6_OK)
		return err;
	if (end == start)
		return S6_ERR_MALFORMED;
	copy_field(out->domain, buf + start, end - start);
	*used = end + 1;
	return S6_OK;
}

s6_err s6_socks4_request_parse(const uint8_t *buf, size_t len,
			       s6_socks4_request *out, size_t *used, size_t *need)
{
	size_t uend = 0, seen = 0;
	bool is4a;
	s6_err err;

	if ((!buf && len) || !out || !used || !need)
		return S6_ERR_INVALID_ARG;
	err = check_header(buf, len);
	if (err != S6_OK)
		return err;
	if (len < S6_SOCKS4_HEADER_LEN) {
		*need = S6_SOCKS4_HEADER_LEN + 1 - len;   /* + USERID's NUL */
		return S6_ERR_NEED_MORE;
	}
	is4a = s6_socks4_ip_is_4a(buf + 4);
	err = find_field(buf, len, S6_SOCKS4_HEADER_LEN, S6_SOCKS4_USERID_MAX,
			 &uend, &seen);
	if (err == S6_ERR_NEED_MORE) {
		*need = is4a ? 3 : 1;   /* NUL, or NUL + domain byte + NUL */
		return err;
	}
	if (err != S6_OK)
		return err;

	memset(out, 0, sizeof(*out));
	out->command = buf[1];
	out->port = s6_get_u16be(buf + 2);
	memcpy(out->ip, buf + 4, 4);
	copy_field(out->userid, buf + S6_SOCKS4_HEADER_LEN,
		   uend - S6_SOCKS4_HEADER_LEN);
	if (is4a)
		return parse_domain(buf, len, uend + 1, out, used, need);
	*used = uend + 1;
	return S6_OK;
}

void s6_socks4_reply_pack(const s6_socks4_reply *rep, uint8_t out[S6_SOCKS4_REPLY_LEN])
{
	out[0] = S6_SOCKS4_REPLY_VERSION;
	out[1] = rep->code;
	s6_put_u16be(out + 2, rep->port);
	memcpy(out + 4, rep->ip, 4);
}

static bool reply_code_ok(uint8_t code)
{
	return code >= S6_SOCKS4_GRANTED && code <= S6_SOCKS4_IDENT_MISMATCH;
}

s6_err s6_socks4_reply_parse(const uint8_t *buf, size_t len,
			     s6_socks4_reply *out, size_t *used, size_t *need)
{
	if ((!buf && len) || !out || !used || !need)
		return S6_ERR_INVALID_ARG;
	if (len >= 1 && buf[0] != S6_SOCKS4_REPLY_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 2 && !reply_code_ok(buf[1]))
		return S6_ERR_MALFORMED;
	if (len < S6_SOCKS4_REPLY_LEN) {
		*need = S6_SOCKS4_REPLY_LEN - len;
		return S6_ERR_NEED_MORE;
	}
	out->code = buf[1];
	out->port = s6_get_u16be(buf + 2);
	memcpy(out->ip, buf + 4, 4);
	*used = S6_SOCKS4_REPLY_LEN;
	return S6_OK;
}

const char *s6_socks4_reply_str(uint8_t code)
{
	switch (code) {
	case S6_SOCKS4_GRANTED:
		return "request granted";
	case S6_SOCKS4_REJECTED:
		return "request rejected or failed";
	case S6_SOCKS4_NO_IDENTD:
		return "request rejected: proxy cannot reach identd on the client";
	case S6_SOCKS4_IDENT_MISMATCH:
		return "request rejected: identd reports a different user-id";
	default:
		return "unknown reply code";
	}
}

s6_err s6_socks4_reply_err(uint8_t code)
{
	switch (code) {
	case S6_SOCKS4_GRANTED:
		return S6_OK;
	case S6_SOCKS4_REJECTED:
		return S6_ERR_REFUSED;
	case S6_SOCKS4_NO_IDENTD:
	case S6_SOCKS4_IDENT_MISMATCH:
		return S6_ERR_NOT_ALLOWED;
	default:
		/* Not a code the protocol defines: the proxy is broken. */
		return S6_ERR_PROXY_PROTOCOL;
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "s6_cip_http.h"
#include "s6_cip_http_req.h"

#define FAIL(e, reason) do { if (why) *why = (reason); return (e); } while (0)

/* tchar of RFC 9110 section 5.6.2. */
static bool is_tchar(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}

static s6_err field(s6_cip_req *r, const char *l, size_t n, const char **why)
{
	const char *colon = memchr(l, ':', n);
	size_t nl, vs, ve;

	if (!colon || colon == l)
		FAIL(S6_ERR_MALFORMED, "field line without a name");
	nl = (size_t)(colon - l);
	for (size_t i = 0; i < nl; i++)
		if (!is_tchar((unsigned char)l[i]))
			FAIL(S6_ERR_MALFORMED, "bad field name");
	for (vs = nl + 1; vs < n && (l[vs] == ' ' || l[vs] == '\t'); vs++)
		;
	for (ve = n; ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'); ve--)
		;
	for (size_t i = vs; i < ve; i++)
		if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
			FAIL(S6_ERR_MALFORMED, "control character in a field value");
	if (++r->nfields > S6_CIP_REQ_FIELDS_MAX)
		FAIL(S6_ERR_TOO_LONG, "too many header fields");
#define IS(name) (nl == strlen(name) && strncasecmp(l, name, nl) == 0)
	if (IS("Host") && !copy_value(r->host, sizeof r->host, l + vs, ve - vs))
		FAIL(S6_ERR_TOO_LONG, "Host too long");
	if (IS("Upgrade") && s6_cip_http_list_has(l + vs, ve - vs, "connect-ip"))
		r->upgrade_connect_ip = true;
	if (IS("Connection") && s6_cip_http_list_has(l + vs, ve - vs, "upgrade"))
		r->connection_upgrade = true;
	if (IS("Capsule-Protocol") && ve - vs == 2 && memcmp(l + vs, "?1", 2) == 0)
		r->capsule_protocol = true;
	if (IS("Content-Length") || IS("Transfer-Encoding"))
		r->has_body_framing = true;
	if (IS("Proxy-Authorization")) {
		if (!copy_value(r->auth, sizeof r->auth, l + vs, ve - vs))
			FAIL(S6_ERR_TOO_LONG, "Proxy-Authorization too long");
		r->has_auth = true;
	}
#undef IS
	return S6_OK;
}

static s6_err request_line(s6_cip_req *r, const char *l, size_t n, const char **why)
{
	const char *sp1 = memchr(l, ' ', n), *sp2;
	size_t ml, pl;

	if (!sp1 || sp1 == l)
		FAIL(S6_ERR_MALFORMED, "bad request line");
	ml = (size_t)(sp1 - l);
	sp2 = memchr(sp1 + 1, ' ', n - ml - 1);
	if (!sp2 || sp2 == sp1 + 1)
		FAIL(S6_ERR_MALFORMED, "bad request line");
	pl = (size_t)(sp2 - sp1 - 1);
	for (size_t i = 0; i < ml; i++)
		if (!is_tchar((unsigned char)l[i]))
			FAIL(S6_ERR_MALFORMED, "bad method");
	if (!copy_value(r->method, sizeof r->method, l, ml))
		FAIL(S6_ERR_MALFORMED, "bad method");
	for (size_t i = 0; i < pl; i++)
		if ((unsigned char)sp1[1 + i] <= 0x20 || (unsigned char)sp1[1 + i] >= 0x7f)
			FAIL(S6_ERR_MALFORMED, "bad request target");
	if (!copy_value(r->path, sizeof r->path, sp1 + 1, pl))
		FAIL(S6_ERR_TOO_LONG, "request target too long");
	n -= (size_t)(sp2 + 1 - l);
	if (n == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0)
		r->http11 = true;
	else if (!(n == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0))
		FAIL(S6_ERR_MALFORMED, "not HTTP/1.x");
	return S6_OK;
}

s6_err s6_cip_req_parse(const uint8_t *buf, size_t len, s6_cip_req *out,
			size_t *used, size_t *need, const char **why)
{
	const char *b = (const char *)buf;
	size_t pos = 0, line = 0;
	s6_err e;

	memset(out, 0, sizeof *out);
	for (;;) {
		const char *lf = pos < len ? memchr(b + pos, '\n', len - pos) : NULL;
		size_t n;

		if (!lf) {
			if (len >= S6_CIP_REQ_HEAD_MAX)
				FAIL(S6_ERR_TOO_LONG, "request head too long");
			*need = 1;
			return S6_ERR_NEED_MORE;
		}
		n = (size_t)(lf - (b + pos));
		if ((size_t)(lf - b) + 1 > S6_CIP_REQ_HEAD_MAX)
			FAIL(S6_ERR_TOO_LONG, "request head too long");
		if (n == 0 || b[pos + n - 1] != '\r')
			FAIL(S6_ERR_MALFORMED, "bare LF");
		n--;
		if (memchr(b + pos, '\r', n) || memchr(b + pos, '\0', n))
			FAIL(S6_ERR_MALFORMED, "bare CR or NUL");
		if (n == 0 && line > 0) {
			*used = (size_t)(lf - b) + 1;
			return S6_OK;
		}
		if (line == 0)
			e = request_line(out, b + pos, n, why);
		else if (b[pos] == ' ' || b[pos] == '\t')
			FAIL(S6_ERR_MALFORMED, "obsolete line folding");
		else
			e = field(out, b + pos, n, why);
		if (e != S6_OK)
			return e;
		line++;
		pos = (size_t)(lf - b) + 1;
	}
}

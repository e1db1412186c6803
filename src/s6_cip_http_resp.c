/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proxy's response head to a CONNECT-IP Upgrade (see s6_cip_http.h).
 * Strict RFC 9112 syntax: CRLF line ends only, no obs-fold, field names are
 * tokens compared case-insensitively, values without controls. */
#include <string.h>
#include <strings.h>

#include "s6_cip_http.h"

struct line {
	const uint8_t *p;
	size_t len;
};

static void set_why(const char **why, const char *text)
{
	if (why)
		*why = text;
}

static bool tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* field-vchar / SP / HTAB (obs-text included). */
static bool value_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Find the end of the line starting at pos. 1: a whole line at [pos, *eol)
 * followed by CRLF; 0: need more; -1: error (*e set). */
static int next_line(const uint8_t *buf, size_t len, size_t pos, size_t *eol, s6_err *e,
		     const char **why)
{
	size_t lim = len < S6_CIP_HTTP_HEAD_MAX ? len : S6_CIP_HTTP_HEAD_MAX;

	for (size_t i = pos; i < lim; i++) {
		if (buf[i] == '\n') {
			set_why(why, "bare LF in the response head");
			*e = S6_ERR_MALFORMED;
			return -1;
		}
		if (buf[i] != '\r')
			continue;
		if (i + 1 >= lim)
			break;
		if (buf[i + 1] != '\n') {
			set_why(why, "bare CR in the response head");
			*e = S6_ERR_MALFORMED;
			return -1;
		}
		*eol = i;
		return 1;
	}
	if (len >= S6_CIP_HTTP_HEAD_MAX) {
		set_why(why, "response head too long");
		*e = S6_ERR_TOO_LONG;
		return -1;
	}
	return 0;
}

static void keep_status_line(s6_cip_http_resp *out, struct line l)
{
	size_t n = l.len < sizeof(out->status_line) - 1 ? l.len : sizeof(out->status_line) - 1;

	for (size_t i = 0; i < n; i++)
		out->status_line[i] = l.p[i] >= 0x20 && l.p[i] < 0x7f ? (char)l.p[i] : '?';
	out->status_line[n] = '\0';
}

/* HTTP/1.x SP 3DIGIT [SP reason] */
static s6_err status_line(struct line l, s6_cip_http_resp *out, const char **why)
{
	const uint8_t *p = l.p;

	if (l.len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || !is_digit(p[7]) || p[8] != ' ' ||
	    !is_digit(p[9]) || !is_digit(p[10]) || !is_digit(p[11]) ||
	    (l.len > 12 && p[12] != ' ')) {
		set_why(why, "malformed status line");
		return S6_ERR_MALFORMED;
	}
	for (size_t i = 13; i < l.len; i++)
		if (!value_char(p[i])) {
			set_why(why, "control character in the status line");
			return S6_ERR_MALFORMED;
		}
	out->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (out->status < 100 || out->status > 599) {
		set_why(why, "status code out of range");
		return S6_ERR_MALFORMED;
	}
	keep_status_line(out, l);
	return S6_OK;
}

/* Does the comma-separated list v[0..n) have a member equal to word
 * (case-insensitive, OWS around members)? */
bool s6_cip_http_list_has(const char *v, size_t n, const char *word)
{
	size_t wl = strlen(word), i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == wl && strncasecmp(v + s, word, wl) == 0)
			return true;
	}
	return false;
}

static void add_proxy_status(s6_cip_http_resp *out, const uint8_t *v, size_t n)
{
	size_t sep = out->has_proxy_status ? 2 : 0;

	out->has_proxy_status = true;
	if (out->proxy_status_len + sep + n >= sizeof(out->proxy_status)) {
		out->proxy_status_overflow = true;
		return;
	}
	memcpy(out->proxy_status + out->proxy_status_len, ", ", sep);
	memcpy(out->proxy_status + out->proxy_status_len + sep, v, n);
	out->proxy_status_len += sep + n;
	out->proxy_status[out->proxy_status_len] = '\0';
}

static bool name_is(struct line l, size_t nlen, const char *name)
{
	return strlen(name) == nlen && strncasecmp((const char *)l.p, name, nlen) == 0;
}

static void use_field(s6_cip_http_resp *out, struct line l, size_t nlen,
		      const uint8_t *v, size_t vlen)
{
	if (name_is(l, nlen, "upgrade") && s6_cip_http_list_has((const char *)v, vlen, "connect-ip"))
		out->upgrade_connect_ip = true;
	else if (name_is(l, nlen, "connection") && s6_cip_http_list_has((const char *)v, vlen, "upgrade"))
		out->connection_upgrade = true;
	else if (name_is(l, nlen, "capsule-protocol"))
		out->capsule_protocol = vlen >= 2 && v[0] == '?' && v[1] == '1' &&
					(vlen == 2 || v[2] == ';');
	else if (name_is(l, nlen, "content-length") || name_is(l, nlen, "transfer-encoding"))
		out->has_body_framing = true;
	else if (name_is(l, nlen, "proxy-status"))
		add_proxy_status(out, v, vlen);
}

/* name ":" OWS value OWS */
static s6_err field_line(struct line l, s6_cip_http_resp *out, const char **why)
{
	size_t n = 0, s, e;

	if (l.p[0] == ' ' || l.p[0] == '\t') {
		set_why(why, "obsolete line folding in the response head");
		return S6_ERR_MALFORMED;
	}
	if (++out->nfields > S6_CIP_HTTP_FIELDS_MAX) {
		set_why(why, "too many response header fields");
		return S6_ERR_TOO_LONG;
	}
	while (n < l.len && tchar(l.p[n]))
		n++;
	if (n == 0 || n == l.len || l.p[n] != ':') {
		set_why(why, "malformed header field name");
		return S6_ERR_MALFORMED;
	}
	for (s = n + 1; s < l.len; s++)
		if (!value_char(l.p[s])) {
			set_why(why, "control character in a header field value");
			return S6_ERR_MALFORMED;
		}
	for (s = n + 1; s < l.len && (l.p[s] == ' ' || l.p[s] == '\t');)
		s++;
	for (e = l.len; e > s && (l.p[e - 1] == ' ' || l.p[e - 1] == '\t');)
		e--;
	use_field(out, l, n, l.p + s, e - s);
	return S6_OK;
}

static s6_err verdict(const s6_cip_http_resp *out, const char **why)
{
	if (out->status == 101) {
		if (!out->upgrade_connect_ip) {
			set_why(why, "101 response without Upgrade: connect-ip");
			return S6_ERR_PROXY_PROTOCOL;
		}
		if (out->has_body_framing) {
			set_why(why, "101 response with Content-Length or Transfer-Encoding");
			return S6_ERR_PROXY_PROTOCOL;
		}
		return S6_OK;
	}
	set_why(why, "proxy answered without switching to connect-ip");
	if (out->status == 401 || out->status == 403 || out->status == 407)
		return S6_ERR_NOT_ALLOWED;
	return S6_ERR_REFUSED;
}

/* A status line must start with "HTTP/1.": refuse anything else (a TLS
 * record, another protocol) as soon as its first bytes are in. */
static bool bad_start(const uint8_t *buf, size_t len, size_t pos, bool first,
		      const char **why)
{
	size_t n = len - pos < 7 ? len - pos : 7;

	if (!first || memcmp(buf + pos, "HTTP/1.", n) == 0)
		return false;
	set_why(why, "response does not start with HTTP/1.");
	return true;
}

s6_err s6_cip_http_response(const uint8_t *buf, size_t len, s6_cip_http_resp *out,
			    size_t *used, size_t *need, const char **why)
{
	size_t pos = 0, eol = 0;
	bool first = true;
	s6_err e = S6_OK;
	int r;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct line l;

		if (bad_start(buf, len, pos, first, why))
			return S6_ERR_MALFORMED;
		r = next_line(buf, len, pos, &eol, &e, why);
		if (r <= 0)
			break;
		l.p = buf + pos;
		l.len = eol - pos;

		pos = eol + 2;
		if (first)
			e = status_line(l, out, why);
		else if (l.len)
			e = field_line(l, out, why);
		first = false;
		if (e != S6_OK)
			return e;
		if (l.len)
			continue;
		/* End of a head. An interim 1xx other than 101 (100, 103) is
		 * followed by the real one: parse on after it. */
		if (out->status >= 100 && out->status < 200 && out->status != 101) {
			memset(out, 0, sizeof(*out));
			first = true;
			continue;
		}
		*used = pos;
		return verdict(out, why);
	}
	if (r < 0)
		return e;
	*need = 1;
	return S6_ERR_NEED_MORE;
}

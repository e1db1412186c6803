/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy URL parser: scheme://[userinfo@]host[:port][/path].
 * The parser works on the caller's string in place (pointers and lengths,
 * no copies of the whole URL), needs no allocation and keeps no state, so
 * the preload library can call it from any thread. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "s6_url.h"
#include "s6_digits.h"

static const struct {
	const char *name;
	uint16_t default_port;
	bool path_allowed;  /* only https carries the CONNECT-IP URI template */
} s6_schemes[S6_SCHEME__COUNT] = {
	[S6_SCHEME_SOCKS4A] = {"socks4a", 1080, false},
	[S6_SCHEME_SOCKS6] = {"socks6", 1080, false},
	[S6_SCHEME_SOCKS6_TLS] = {"socks6+tls", 1080, false},
	[S6_SCHEME_CONNECT_IP] = {"connect-ip", 443, false},
	[S6_SCHEME_HTTPS] = {"https", 443, true},
};

#define S6_KNOWN_SCHEMES "socks4a, socks6, socks6+tls, connect-ip, https"

const char *s6_scheme_name(s6_scheme scheme)
{
	if ((unsigned)scheme >= S6_SCHEME__COUNT)
		return "?";
	return s6_schemes[scheme].name;
}

bool s6_scheme_implemented(s6_scheme scheme)
{
	return (unsigned)scheme < S6_SCHEME__COUNT;
}

bool s6_scheme_is_socks6(s6_scheme scheme)
{
	return scheme == S6_SCHEME_SOCKS6 || scheme == S6_SCHEME_SOCKS6_TLS;
}

/* A reason for the caller, tolerant of a NULL or empty buffer. */
__attribute__((format(printf, 4, 5)))
static s6_err url_fail(s6_err err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static s6_err parse_scheme(const char *text, s6_scheme *scheme, const char **rest,
			   char *why, size_t whylen)
{
	const char *sep = strstr(text, "://");
	size_t len;

	if (!sep)
		return url_fail(S6_ERR_URL, why, whylen,
				"missing scheme (expected SCHEME://HOST[:PORT], SCHEME one of "
				S6_KNOWN_SCHEMES ")");
	len = (size_t)(sep - text);
	for (int i = 0; i < S6_SCHEME__COUNT; i++) {
		const char *name = s6_schemes[i].name;
		if (strlen(name) == len && strncasecmp(text, name, len) == 0) {
			*scheme = (s6_scheme)i;
			*rest = sep + 3;
			return S6_OK;
		}
	}
	if (len == 0)
		return url_fail(S6_ERR_URL, why, whylen,
				"empty scheme (known schemes: " S6_KNOWN_SCHEMES ")");
	/* Only echo what can be a scheme (RFC 3986 characters): text like
	 * "user:pw@socks4a://" must not put a password into an error line. */
	if (strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") < len)
		return url_fail(S6_ERR_URL, why, whylen,
				"malformed scheme (known schemes: " S6_KNOWN_SCHEMES ")");
	return url_fail(S6_ERR_URL, why, whylen, "unknown scheme '%.*s' (known schemes: "
			S6_KNOWN_SCHEMES ")", (int)(len > 32 ? 32 : len), text);
}

/* Percent-decode src[0..len) into dst (S6_URL_CRED_MAX + 1 bytes). */
static s6_err decode_cred(const char *src, size_t len, char *dst, const char *what,
			  char *why, size_t whylen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			int hi = i + 2 < len ? s6_hex_digit(src[i + 1]) : -1;
			int lo = hi >= 0 ? s6_hex_digit(src[i + 2]) : -1;
			if (lo < 0)
				return url_fail(S6_ERR_URL, why, whylen,
						"bad percent-escape in %s (expected %%XX with hex digits)", what);
			c = (char)(hi << 4 | lo);
			if (c == '\0')
				return url_fail(S6_ERR_URL, why, whylen,
						"%s decodes to a NUL byte (%%00)", what);
			i += 2;
		}
		if (o >= S6_URL_CRED_MAX)
			return url_fail(S6_ERR_TOO_LONG, why, whylen,
					"%s longer than %d bytes", what, S6_URL_CRED_MAX);
		dst[o++] = c;
	}
	dst[o] = '\0';
	return S6_OK;
}

/* USERID (socks4a) or USER[:PASS] (the others). */
static s6_err parse_userinfo(const char *ui, size_t len, s6_proxy_url *out,
			     char *why, size_t whylen)
{
	const char *colon = memchr(ui, ':', len);
	size_t ulen = colon ? (size_t)(colon - ui) : len;
	s6_err err;

	if (colon && out->scheme == S6_SCHEME_SOCKS4A)
		return url_fail(S6_ERR_URL, why, whylen,
				"socks4a carries a user id, not a password (write ':' in a user id as %%3A)");
	if (ulen == 0)
		return url_fail(S6_ERR_URL, why, whylen, "empty user name before '@'");
	err = decode_cred(ui, ulen, out->user, "user name", why, whylen);
	if (err != S6_OK)
		return err;
	out->has_user = true;
	if (!colon)
		return S6_OK;
	err = decode_cred(colon + 1, len - ulen - 1, out->pass, "password", why, whylen);
	if (err != S6_OK)
		return err;
	out->has_pass = true;
	return S6_OK;
}

static bool is_dns_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* Letters, digits, '-', '_' in dot-separated labels of 1..63 bytes (one
 * trailing dot allowed). Digits-and-dots only must be a real IPv4 literal,
 * so that "10.0.0.256" is an error and not a "name". */
static s6_err check_dns_name(const char *host, size_t len, char *why, size_t whylen)
{
	size_t label = 0;
	bool numeric = true;

	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		if (!is_dns_char(c))
			return url_fail(S6_ERR_URL, why, whylen,
					"bad character '%c' in host name (letters, digits, '-', '.', '_' only)", c);
		if (c != '.' && (c < '0' || c > '9'))
			numeric = false;
		if (c != '.' && ++label > 63)
			return url_fail(S6_ERR_URL, why, whylen, "host name label longer than 63 bytes");
		if (c == '.' && label == 0)
			return url_fail(S6_ERR_URL, why, whylen, "empty label in host name");
		if (c == '.')
			label = 0;
	}
	if (numeric) {
		struct in_addr a4;
		if (inet_pton(AF_INET, host, &a4) != 1)
			return url_fail(S6_ERR_URL, why, whylen, "bad IPv4 address '%s'", host);
	}
	return S6_OK;
}

/* "[v6]" or a name / IPv4 literal; hp[0..len) is the host part only. */
static s6_err parse_host(const char *hp, size_t len, s6_proxy_url *out,
			 char *why, size_t whylen)
{
	struct in6_addr a6;
	bool bracket = len > 0 && hp[0] == '[';

	if (bracket) {
		hp++;
		len -= 2; /* the caller found the closing ']' at hp[len - 1] */
	}
	if (len == 0)
		return url_fail(S6_ERR_URL, why, whylen, "missing host");
	if (len > S6_URL_HOST_MAX)
		return url_fail(S6_ERR_TOO_LONG, why, whylen,
				"host longer than %d bytes", S6_URL_HOST_MAX);
	memcpy(out->host, hp, len);
	out->host[len] = '\0';
	if (!bracket)
		return check_dns_name(out->host, len, why, whylen);
	if (inet_pton(AF_INET6, out->host, &a6) != 1)
		return url_fail(S6_ERR_URL, why, whylen, "bad IPv6 address '[%.*s]'",
				(int)(len > 64 ? 64 : len), hp);
	out->host_is_ipv6 = true;
	return S6_OK;
}

/* Decimal 1..65535: digits only (no sign, no spaces, no hex), at most five. */
static s6_err parse_port(const char *p, size_t len, uint16_t *port, char *why, size_t whylen)
{
	unsigned long v = 0;

	if (len == 0)
		return url_fail(S6_ERR_URL, why, whylen, "empty port after ':'");
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return url_fail(S6_ERR_URL, why, whylen,
					"bad port '%.*s' (expected a number 1..65535)",
					(int)(len > 16 ? 16 : len), p);
		if (i >= 5)
			break; /* six digits is out of range whatever they are */
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (len > 5 || v == 0 || v > 65535)
		return url_fail(S6_ERR_URL, why, whylen, "port '%.*s' out of range (1..65535)",
				(int)(len > 16 ? 16 : len), p);
	*port = (uint16_t)v;
	return S6_OK;
}

/* HOST[:PORT] with HOST possibly bracketed. */
static s6_err parse_hostport(const char *hp, size_t len, s6_proxy_url *out,
			     char *why, size_t whylen)
{
	const char *colon;
	size_t hlen;
	s6_err err;

	if (len > 0 && hp[0] == '[') {
		const char *close = memchr(hp, ']', len);
		if (!close)
			return url_fail(S6_ERR_URL, why, whylen, "missing ']' after IPv6 address");
		hlen = (size_t)(close - hp) + 1;
		if (hlen < len && hp[hlen] != ':')
			return url_fail(S6_ERR_URL, why, whylen, "unexpected text after ']'");
		colon = hlen < len ? hp + hlen : NULL;
	} else {
		colon = memchr(hp, ':', len);
		if (colon && memchr(colon + 1, ':', len - (size_t)(colon - hp) - 1))
			return url_fail(S6_ERR_URL, why, whylen,
					"an IPv6 address needs brackets, e.g. [2001:db8::1]:1080");
		hlen = colon ? (size_t)(colon - hp) : len;
	}
	err = parse_host(hp, hlen, out, why, whylen);
	if (err != S6_OK || !colon)
		return err;
	return parse_port(colon + 1, len - hlen - 1, &out->port, why, whylen);
}

/* Only https may carry a path (the CONNECT-IP URI template); "/" alone means
 * "the default" everywhere. */
static s6_err parse_path(const char *path, size_t len, s6_proxy_url *out,
			 char *why, size_t whylen)
{
	if (len == 0 || (len == 1 && path[0] == '/'))
		return S6_OK;
	if (!s6_schemes[out->scheme].path_allowed)
		return url_fail(S6_ERR_URL, why, whylen, "%s URLs take no path (got '%.*s')",
				s6_schemes[out->scheme].name, (int)(len > 64 ? 64 : len), path);
	if (len > S6_URL_PATH_MAX)
		return url_fail(S6_ERR_TOO_LONG, why, whylen, "path longer than %d bytes",
				S6_URL_PATH_MAX);
	memcpy(out->path, path, len);
	out->path[len] = '\0';
	return S6_OK;
}

/* Length, then no spaces or control bytes anywhere (they would only ever be
 * paste accidents, and they must not reach log lines). */
static s6_err check_text(const char *text, char *why, size_t whylen)
{
	size_t len = strnlen(text, S6_URL_TEXT_MAX + 1);

	if (len > S6_URL_TEXT_MAX)
		return url_fail(S6_ERR_TOO_LONG, why, whylen, "URL longer than %d bytes",
				S6_URL_TEXT_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c <= ' ' || c == 0x7f)
			return url_fail(S6_ERR_URL, why, whylen,
					"space or control character in URL (percent-encode it)");
	}
	return S6_OK;
}

static s6_err parse_after_scheme(const char *rest, s6_proxy_url *out, char *why, size_t whylen)
{
	size_t auth_len = strcspn(rest, "/?#");
	const char *tail = rest + auth_len;
	size_t path_len = strcspn(tail, "?#");
	const char *at = NULL;
	s6_err err;

	/* Before the authority: an unencoded '#' or '?' in a password would
	 * otherwise surface as a baffling host or port error. */
	if (tail[path_len] == '?')
		return url_fail(S6_ERR_URL, why, whylen,
				"a query ('?') is not allowed in a proxy URL (percent-encode '?' in a password as %%3F)");
	if (tail[path_len] == '#')
		return url_fail(S6_ERR_URL, why, whylen,
				"a fragment ('#') is not allowed in a proxy URL (percent-encode '#' in a password as %%23)");
	for (size_t i = 0; i < auth_len; i++)
		if (rest[i] == '@')
			at = rest + i; /* the last '@': the host never contains one */
	if (at) {
		err = parse_userinfo(rest, (size_t)(at - rest), out, why, whylen);
		if (err != S6_OK)
			return err;
		auth_len -= (size_t)(at + 1 - rest);
		rest = at + 1;
	}
	err = parse_hostport(rest, auth_len, out, why, whylen);
	if (err != S6_OK)
		return err;
	return parse_path(tail, path_len, out, why, whylen);
}

s6_err s6_url_parse(const char *text, s6_proxy_url *out, char *why, size_t whylen)
{
	const char *rest = NULL;
	s6_err err;

	memset(out, 0, sizeof *out);
	if (why && whylen > 0)
		why[0] = '\0';
	if (!text)
		return url_fail(S6_ERR_URL, why, whylen, "no URL given");
	err = check_text(text, why, whylen);
	if (err == S6_OK)
		err = parse_scheme(text, &out->scheme, &rest, why, whylen);
	if (err == S6_OK) {
		out->port = s6_schemes[out->scheme].default_port;
		err = parse_after_scheme(rest, out, why, whylen);
	}
	if (err != S6_OK) {
		/* Leave no half-decoded credentials behind. */
		s6_url_wipe(out);
		memset(out, 0, sizeof *out);
	}
	return err;
}

/* snprintf-like appender that never overruns and always terminates. */
struct s6_out {
	char *buf;
	size_t len;
	size_t pos;
};

static void out_char(struct s6_out *o, char c)
{
	if (o->pos + 1 < o->len) {
		o->buf[o->pos++] = c;
		o->buf[o->pos] = '\0';
	}
}

static void out_str(struct s6_out *o, const char *s)
{
	while (*s)
		out_char(o, *s++);
}

/* The user name goes to logs: percent-encode everything but the RFC 3986
 * unreserved set so the line stays printable and re-parseable. */
static void out_cred(struct s6_out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_dns_char((char)c) || c == '~') {
			out_char(o, (char)c);
		} else {
			out_char(o, '%');
			out_char(o, hex[c >> 4]);
			out_char(o, hex[c & 15]);
		}
	}
}

char *s6_url_format(const s6_proxy_url *url, char *buf, size_t len)
{
	struct s6_out o = {buf, len, 0};
	char port[8];

	if (len == 0)
		return buf;
	buf[0] = '\0';
	out_str(&o, s6_scheme_name(url->scheme));
	out_str(&o, "://");
	if (url->has_user) {
		out_cred(&o, url->user);
		out_char(&o, '@');
	}
	if (url->host_is_ipv6)
		out_char(&o, '[');
	out_str(&o, url->host);
	if (url->host_is_ipv6)
		out_char(&o, ']');
	snprintf(port, sizeof port, ":%u", (unsigned)url->port);
	out_str(&o, port);
	out_str(&o, url->path);
	return buf;
}

void s6_url_wipe(s6_proxy_url *url)
{
	/* explicit_bzero: a store the compiler may not drop as dead. */
	explicit_bzero(url->user, sizeof url->user);
	explicit_bzero(url->pass, sizeof url->pass);
	url->has_user = false;
	url->has_pass = false;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scope (target, ipproto) and Basic credentials of a CONNECT-IP request;
 * see s6_cip_http_req.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "s6_cip_http_req.h"
#include "s6_digits.h"

#define FAIL(e, reason) do { if (why) *why = (reason); return (e); } while (0)

/* Percent-decode s[0..n) into out; false on a bad escape, a decoded
 * control byte or no room. */
static bool pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return false;
			h = s6_hex_digit(s[i + 1]);
			l = s6_hex_digit(s[i + 2]);
			if (h < 0 || l < 0)
				return false;
			c = h * 16 + l;
			i += 2;
		}
		if (c < 0x21 || c == 0x7f || o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

static s6_err set_target(s6_cip_scope *sc, const char *v, size_t n, const char **why)
{
	if (!pct_decode(v, n, sc->target, sizeof sc->target))
		FAIL(S6_ERR_MALFORMED, "bad target escape");
	if (sc->target[0] == '\0')
		FAIL(S6_ERR_MALFORMED, "empty target");
	sc->any_target = strcmp(sc->target, "*") == 0;
	if (sc->any_target)
		sc->target[0] = '\0';
	return S6_OK;
}

static s6_err set_proto(s6_cip_scope *sc, const char *v, size_t n, const char **why)
{
	char d[8];
	unsigned val = 0;

	if (!pct_decode(v, n, d, sizeof d))
		FAIL(S6_ERR_MALFORMED, "bad ipproto");
	if (strcmp(d, "*") == 0) {
		sc->any_proto = true;
		sc->ipproto = 0;
		return S6_OK;
	}
	for (size_t i = 0; d[i]; i++) {
		if (d[i] < '0' || d[i] > '9' || i >= 3)
			FAIL(S6_ERR_MALFORMED, "ipproto is not 0..255 or *");
		val = val * 10 + (unsigned)(d[i] - '0');
	}
	if (d[0] == '\0' || val > 255)
		FAIL(S6_ERR_MALFORMED, "ipproto is not 0..255 or *");
	sc->ipproto = (uint8_t)val;
	sc->any_proto = val == 0;
	return S6_OK;
}

/* ?target=..&ipproto=.. (or ip_proto); other variables are ignored. */
static s6_err query_form(const char *q, s6_cip_scope *sc, const char **why)
{
	while (*q) {
		size_t n = strcspn(q, "&"), kl = strcspn(q, "=");
		s6_err e = S6_OK;

		if (kl < n) {
			const char *v = q + kl + 1;
			size_t vl = n - kl - 1;

			if (kl == 6 && strncmp(q, "target", 6) == 0)
				e = set_target(sc, v, vl, why);
			else if ((kl == 7 && strncmp(q, "ipproto", 7) == 0) ||
				 (kl == 8 && strncmp(q, "ip_proto", 8) == 0))
				e = set_proto(sc, v, vl, why);
		}
		if (e != S6_OK)
			return e;
		q += n + (q[n] == '&');
	}
	return S6_OK;
}

s6_err s6_cip_req_scope(const char *path, const char *prefix, s6_cip_scope *out,
			const char **why)
{
	size_t pl = strlen(prefix);
	const char *q = strchr(path, '?'), *t, *slash;
	s6_err e;

	memset(out, 0, sizeof *out);
	out->any_target = out->any_proto = true;
	if (q)
		return query_form(q + 1, out, why);
	if (strncmp(path, prefix, pl) != 0)
		FAIL(S6_ERR_MALFORMED, "path matches no CONNECT-IP template");
	t = path + pl;
	slash = strchr(t, '/');
	if (!slash)
		FAIL(S6_ERR_MALFORMED, "path matches no CONNECT-IP template");
	e = set_target(out, t, (size_t)(slash - t), why);
	if (e != S6_OK)
		return e;
	t = slash + 1;
	slash = strchr(t, '/');
	/* The template ends with '/'; tolerate its absence, nothing more. */
	if ((slash && slash[1] != '\0') || (!slash && *t == '\0'))
		FAIL(S6_ERR_MALFORMED, "path matches no CONNECT-IP template");
	return set_proto(out, t, slash ? (size_t)(slash - t) : strlen(t), why);
}

/* Strict RFC 4648 with padding; out gets n bytes. */
static bool b64_decode(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s), o = 0;

	if (len % 4)
		return false;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			v[k] = s[i + k] == '=' && i + 4 == len && k >= 2 ? (pad++, 0)
								   : s6_b64_digit(s[i + k]);
			if (v[k] < 0 || (pad && s[i + k] != '='))
				return false;
		}
		if (o + 3 - (size_t)pad > cap)
			return false;
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
	}
	*n = o;
	return true;
}

s6_err s6_cip_req_basic(const char *value, s6_userpass *out, const char **why)
{
	uint8_t raw[2 * S6_UP_FIELD_MAX + 2];
	const uint8_t *colon;
	size_t n;

	memset(out, 0, sizeof *out);
	if (strncasecmp(value, "Basic ", 6) != 0)
		FAIL(S6_ERR_MALFORMED, "not Basic credentials");
	value += 6;
	while (*value == ' ')
		value++;
	if (strlen(value) > 4 * ((sizeof raw + 2) / 3))
		FAIL(S6_ERR_TOO_LONG, "credentials too long");
	if (!b64_decode(value, raw, sizeof raw, &n))
		FAIL(S6_ERR_MALFORMED, "bad base64 in credentials");
	colon = memchr(raw, ':', n);
	if (!colon || colon == raw)
		FAIL(S6_ERR_MALFORMED, "credentials without user:password");
	out->ulen = (size_t)(colon - raw);
	out->plen = n - out->ulen - 1;
	if (out->ulen > S6_UP_FIELD_MAX || out->plen > S6_UP_FIELD_MAX)
		FAIL(S6_ERR_TOO_LONG, "user or password over 255 bytes");
	memcpy(out->user, raw, out->ulen);
	memcpy(out->pass, colon + 1, out->plen);
	return S6_OK;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP Upgrade request (see s6_cip_http.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s6_cip_http.h"

#define CRED_MAX 255

s6_err s6_cip_base64(const uint8_t *src, size_t len, char *out, size_t cap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	if (!out || (len && !src))
		return S6_ERR_INVALID_ARG;
	if (cap == 0 || (len + 2) / 3 > (cap - 1) / 4)
		return S6_ERR_TOO_LONG;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)src[i + 1] << 8;
		if (left > 2)
			v |= src[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = left > 1 ? tab[(v >> 6) & 63] : '=';
		out[o++] = left > 2 ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return S6_OK;
}

/* Printable ASCII without space: a request target or a Host value. */
static bool visible(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* No controls (they could end the field line); other bytes are encoded. */
static bool no_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

struct sink {
	char *buf;
	size_t cap, len;
	bool full;
};

static void emit(struct sink *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct sink *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (k->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(k->buf + k->len, k->cap - k->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= k->cap - k->len)
		k->full = true;
	else
		k->len += (size_t)n;
}

/* "Proxy-Authorization: Basic ..." for user:pass (RFC 7617). */
static s6_err emit_auth(struct sink *k, const char *user, const char *pass)
{
	char pair[2 * CRED_MAX + 2], b64[((2 * CRED_MAX + 1) + 2) / 3 * 4 + 1];
	size_t ul = strlen(user), pl = pass ? strlen(pass) : 0;

	if (ul > CRED_MAX || pl > CRED_MAX || strchr(user, ':') || !no_ctl(user) ||
	    (pass && !no_ctl(pass)))
		return S6_ERR_INVALID_ARG;
	memcpy(pair, user, ul);
	pair[ul] = ':';
	if (pl)
		memcpy(pair + ul + 1, pass, pl);
	if (s6_cip_base64((const uint8_t *)pair, ul + 1 + pl, b64, sizeof(b64)) == S6_OK)
		emit(k, "Proxy-Authorization: Basic %s\r\n", b64);
	/* The password stays only in the caller's request buffer. */
	explicit_bzero(pair, sizeof(pair));
	explicit_bzero(b64, sizeof(b64));
	return S6_OK;
}

s6_err s6_cip_http_request(const s6_cip_http_req *req, char *buf, size_t cap,
			   size_t *outlen)
{
	struct sink k = { buf, cap, 0, false };

	if (!req || !buf || !outlen || cap == 0 || !visible(req->authority) ||
	    !visible(req->path) || req->path[0] != '/')
		return S6_ERR_INVALID_ARG;
	emit(&k, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"
	     "Upgrade: connect-ip\r\n", req->path, req->authority);
	if (req->mode == S6_CIP_MODE_RFC9484)
		emit(&k, "Capsule-Protocol: ?1\r\n");
	if (req->user && emit_auth(&k, req->user, req->pass) != S6_OK)
		return S6_ERR_INVALID_ARG;
	emit(&k, "\r\n");
	if (k.full)
		return S6_ERR_TOO_LONG;
	*outlen = k.len;
	return S6_OK;
}

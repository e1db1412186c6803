/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Username/Password authentication (RFC 1929), plain and inside SOCKS6
 * Authentication Data options (see s6_userpass.h). */
#include <string.h>

#include "s6_userpass.h"

s6_err s6_userpass_pack(const void *user, size_t ulen, const void *pass, size_t plen,
			uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t total;

	if (!user || !pass || !buf || !outlen || ulen == 0 || plen == 0)
		return S6_ERR_INVALID_ARG;
	if (ulen > S6_UP_FIELD_MAX || plen > S6_UP_FIELD_MAX)
		return S6_ERR_TOO_LONG;
	total = 3 + ulen + plen;
	if (cap < total)
		return S6_ERR_TOO_LONG;
	buf[0] = S6_UP_VERSION;
	buf[1] = (uint8_t)ulen;
	memcpy(buf + 2, user, ulen);
	buf[2 + ulen] = (uint8_t)plen;
	memcpy(buf + 3 + ulen, pass, plen);
	*outlen = total;
	return S6_OK;
}

static s6_err need_more(size_t have, size_t want, size_t *need)
{
	*need = want - have;
	return S6_ERR_NEED_MORE;
}

s6_err s6_userpass_parse(const uint8_t *buf, size_t len, s6_userpass *out,
			 size_t *used, size_t *need)
{
	size_t ulen, plen, total;

	if ((len && !buf) || !out || !used || !need)
		return S6_ERR_INVALID_ARG;
	/* The version is checked as soon as it is there: fail fast. */
	if (len >= 1 && buf[0] != S6_UP_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len < 2)
		return need_more(len, 2, need);
	ulen = buf[1];
	if (ulen == 0)
		return S6_ERR_MALFORMED;
	if (len < 3 + ulen)
		return need_more(len, 3 + ulen, need);
	plen = buf[2 + ulen];
	if (plen == 0)
		return S6_ERR_MALFORMED;
	total = 3 + ulen + plen;
	if (len < total)
		return need_more(len, total, need);
	out->ulen = ulen;
	memcpy(out->user, buf + 2, ulen);
	out->user[ulen] = 0;
	out->plen = plen;
	memcpy(out->pass, buf + 3 + ulen, plen);
	out->pass[plen] = 0;
	*used = total;
	return S6_OK;
}

void s6_userpass_reply_pack(uint8_t status, uint8_t out[S6_UP_REPLY_LEN])
{
	out[0] = S6_UP_VERSION;
	out[1] = status;
}

s6_err s6_userpass_reply_parse(const uint8_t *buf, size_t len, uint8_t *status,
			       size_t *used, size_t *need)
{
	if ((len && !buf) || !status || !used || !need)
		return S6_ERR_INVALID_ARG;
	if (len >= 1 && buf[0] != S6_UP_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len < S6_UP_REPLY_LEN)
		return need_more(len, S6_UP_REPLY_LEN, need);
	*status = buf[1];
	*used = S6_UP_REPLY_LEN;
	return S6_OK;
}

s6_err s6_s6opt_put_userpass(s6_s6opt_buf *b, const void *user, size_t ulen,
			     const void *pass, size_t plen)
{
	uint8_t req[S6_UP_REQUEST_MAX];
	size_t n;
	s6_err err = s6_userpass_pack(user, ulen, pass, plen, req, sizeof(req), &n);

	if (err == S6_OK)
		err = s6_s6opt_put_auth_data(b, S6_S6_METHOD_USERPASS, req, n);
	/* The password is a secret: do not leave it on the stack. */
	explicit_bzero(req, sizeof(req));
	return err;
}

s6_err s6_s6opt_put_userpass_reply(s6_s6opt_buf *b, uint8_t status)
{
	uint8_t rep[S6_UP_REPLY_LEN];

	s6_userpass_reply_pack(status, rep);
	return s6_s6opt_put_auth_data(b, S6_S6_METHOD_USERPASS, rep, sizeof(rep));
}

/* The Authentication Data after the method byte is the message, then the
 * minimal zero padding that brings 4 (header) + 1 (method) + used to a
 * multiple of 4. */
static bool padding_ok(const s6_s6authdata *ad, size_t used)
{
	size_t pad = (4 - (1 + used) % 4) % 4;
	size_t i;

	if (ad->len - used != pad)
		return false;
	for (i = used; i < ad->len; i++)
		if (ad->data[i])
			return false;
	return true;
}

s6_err s6_userpass_from_authdata(const s6_s6authdata *ad, s6_userpass *out)
{
	size_t used, need;
	s6_err err;

	if (!ad || !out || ad->method != S6_S6_METHOD_USERPASS)
		return S6_ERR_INVALID_ARG;
	err = s6_userpass_parse(ad->data, ad->len, out, &used, &need);
	if (err == S6_ERR_NEED_MORE)
		return S6_ERR_MALFORMED;
	if (err != S6_OK)
		return err;
	return padding_ok(ad, used) ? S6_OK : S6_ERR_MALFORMED;
}

s6_err s6_userpass_reply_from_authdata(const s6_s6authdata *ad, uint8_t *status)
{
	size_t used, need;
	s6_err err;

	if (!ad || !status || ad->method != S6_S6_METHOD_USERPASS)
		return S6_ERR_INVALID_ARG;
	err = s6_userpass_reply_parse(ad->data, ad->len, status, &used, &need);
	if (err == S6_ERR_NEED_MORE)
		return S6_ERR_MALFORMED;
	if (err != S6_OK)
		return err;
	return padding_ok(ad, used) ? S6_OK : S6_ERR_MALFORMED;
}

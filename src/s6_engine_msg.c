/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handoff header and status record of the engine (see s6_engine_msg.h). */
#include <string.h>
#include "s6_bytes.h"
#include "s6_engine_msg.h"

static const uint8_t hdr_magic[4] = {'S', '6', 'E', 'H'};
static const uint8_t status_magic[4] = {'S', '6', 'E', 'S'};

static bool str_fits(const char *s, size_t max, size_t *len)
{
	*len = strnlen(s, max + 1);
	return *len <= max;
}

s6_err s6_eng_hdr_encode(const s6_eng_hdr *h, uint8_t *buf, size_t cap, size_t *len)
{
	size_t hl, sl, cl, total;

	if (!str_fits(h->host, S6_ENG_HOST_MAX, &hl) || hl == 0 ||
	    !str_fits(h->sni, S6_ENG_HOST_MAX, &sl) ||
	    !str_fits(h->ca_file, S6_ENG_PATH_MAX, &cl) || h->n_pins > S6_ENG_PINS_MAX)
		return S6_ERR_INVALID_ARG;
	total = S6_ENG_HDR_FIXED + hl + sl + cl + (size_t)h->n_pins * S6_ENG_PIN_LEN;
	if (total > cap)
		return S6_ERR_TOO_LONG;
	memcpy(buf, hdr_magic, 4);
	buf[4] = S6_ENG_VERSION;
	buf[5] = (h->verify ? S6_ENG_FLAG_VERIFY : 0) | (h->cip ? S6_ENG_FLAG_CIP : 0) |
		 (h->no_tfo ? S6_ENG_FLAG_NO_TFO : 0);
	memcpy(buf + 6, h->secret, S6_ENG_SECRET_LEN);
	s6_put_u16be(buf + 38, h->port);
	s6_put_u16be(buf + 40, h->early_len);
	buf[42] = (uint8_t)hl;
	buf[43] = (uint8_t)sl;
	s6_put_u16be(buf + 44, (uint16_t)cl);
	buf[46] = h->n_pins;
	uint8_t *p = buf + S6_ENG_HDR_FIXED;
	memcpy(p, h->host, hl);
	memcpy(p += hl, h->sni, sl);
	memcpy(p += sl, h->ca_file, cl);
	memcpy(p + cl, h->pins, (size_t)h->n_pins * S6_ENG_PIN_LEN);
	*len = total;
	return S6_OK;
}

/* A string field: no NUL inside (it would cut the name the engine checks). */
static bool take_str(char *dst, const uint8_t *src, size_t n)
{
	if (memchr(src, 0, n))
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

static s6_err hdr_check_fixed(const uint8_t *buf, size_t len, size_t *need)
{
	/* Judge the magic and version on the first bytes that hold them. */
	if (memcmp(buf, hdr_magic, len < 4 ? len : 4) != 0)
		return S6_ERR_MALFORMED;
	if (len >= 5 && buf[4] != S6_ENG_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 6 && (buf[5] & ~(S6_ENG_FLAG_VERIFY | S6_ENG_FLAG_CIP | S6_ENG_FLAG_NO_TFO)))
		return S6_ERR_MALFORMED;
	if (len < S6_ENG_HDR_FIXED) {
		*need = S6_ENG_HDR_FIXED;
		return S6_ERR_NEED_MORE;
	}
	if (buf[42] == 0 || buf[46] > S6_ENG_PINS_MAX || s6_get_u16be(buf + 44) > S6_ENG_PATH_MAX)
		return S6_ERR_MALFORMED;
	return S6_OK;
}

s6_err s6_eng_hdr_parse(const uint8_t *buf, size_t len, s6_eng_hdr *out, size_t *used,
			size_t *need)
{
	s6_err err = hdr_check_fixed(buf, len, need);
	size_t hl, sl, cl, np, total;

	if (err != S6_OK)
		return err;
	hl = buf[42];
	sl = buf[43];
	cl = s6_get_u16be(buf + 44);
	np = buf[46];
	total = S6_ENG_HDR_FIXED + hl + sl + cl + np * S6_ENG_PIN_LEN;
	if (len < total) {
		*need = total;
		return S6_ERR_NEED_MORE;
	}
	memset(out, 0, sizeof *out);
	out->verify = buf[5] & S6_ENG_FLAG_VERIFY;
	out->cip = buf[5] & S6_ENG_FLAG_CIP;
	out->no_tfo = buf[5] & S6_ENG_FLAG_NO_TFO;
	memcpy(out->secret, buf + 6, S6_ENG_SECRET_LEN);
	out->port = s6_get_u16be(buf + 38);
	out->early_len = s6_get_u16be(buf + 40);
	const uint8_t *p = buf + S6_ENG_HDR_FIXED;
	if (out->port == 0 || !take_str(out->host, p, hl) || !take_str(out->sni, p + hl, sl) ||
	    !take_str(out->ca_file, p + hl + sl, cl))
		return S6_ERR_MALFORMED;
	memcpy(out->pins, p + hl + sl + cl, np * S6_ENG_PIN_LEN);
	out->n_pins = (uint8_t)np;
	*used = total;
	return S6_OK;
}

s6_err s6_eng_status_encode(const s6_eng_status *s, uint8_t *buf, size_t cap, size_t *len)
{
	size_t rl = strnlen(s->reason, S6_ENG_REASON_MAX);

	if (cap < S6_ENG_STATUS_FIXED + rl)
		return S6_ERR_TOO_LONG;
	if (s->code > S6_ENG_FAILED)
		return S6_ERR_INVALID_ARG;
	memcpy(buf, status_magic, 4);
	buf[4] = S6_ENG_VERSION;
	buf[5] = s->code;
	s6_put_u16be(buf + 6, s->err);
	buf[8] = (uint8_t)rl;
	memcpy(buf + S6_ENG_STATUS_FIXED, s->reason, rl);
	*len = S6_ENG_STATUS_FIXED + rl;
	return S6_OK;
}

s6_err s6_eng_status_parse(const uint8_t *buf, size_t len, s6_eng_status *out, size_t *used,
			   size_t *need)
{
	size_t total;

	if (memcmp(buf, status_magic, len < 4 ? len : 4) != 0)
		return S6_ERR_MALFORMED;
	if (len >= 5 && buf[4] != S6_ENG_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 6 && buf[5] > S6_ENG_FAILED)
		return S6_ERR_MALFORMED;
	if (len < S6_ENG_STATUS_FIXED) {
		*need = S6_ENG_STATUS_FIXED;
		return S6_ERR_NEED_MORE;
	}
	total = S6_ENG_STATUS_FIXED + buf[8];
	if (len < total) {
		*need = total;
		return S6_ERR_NEED_MORE;
	}
	out->code = buf[5];
	out->err = s6_get_u16be(buf + 6);
	/* A failure must say which errno; success carries none. */
	if ((out->code == S6_ENG_OK) != (out->err == 0))
		return S6_ERR_MALFORMED;
	if (!take_str(out->reason, buf + S6_ENG_STATUS_FIXED, buf[8]))
		return S6_ERR_MALFORMED;
	*used = total;
	return S6_OK;
}

bool s6_eng_secret_equal(const uint8_t *a, const uint8_t *b)
{
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < S6_ENG_SECRET_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

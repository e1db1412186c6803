/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP record of the engine handoff (see s6_engine_cip.h). */
#include <string.h>
#include "s6_bytes.h"
#include "s6_cip_capsule.h"
#include "s6_engine_cip.h"

static const uint8_t cip_magic[4] = {'S', '6', 'E', 'C'};

static bool fits(const char *s, size_t max, size_t *len)
{
	*len = strnlen(s, max + 1);
	return *len <= max;
}

static bool cip_lengths(const s6_eng_cip *c, size_t l[4], size_t *total)
{
	if (!fits(c->target, S6_ENG_CIP_TARGET_MAX, &l[0]) || l[0] == 0 ||
	    !fits(c->tmpl, S6_ENG_CIP_TMPL_MAX, &l[1]) ||
	    !fits(c->user, S6_ENG_CIP_CRED_MAX, &l[2]) || !fits(c->pass, S6_ENG_CIP_CRED_MAX, &l[3]) ||
	    (c->has_user && l[2] == 0) || c->n_block > S6_ENG_CIP_BLOCK_MAX || c->port == 0 ||
	    c->mode > S6_CIP_MODE_DRAFT00)
		return false;
	*total = S6_ENG_CIP_FIXED + l[0] + l[1] + l[2] + l[3];
	for (unsigned i = 0; i < c->n_block; i++) {
		size_t pl;
		if (!fits(c->block[i], S6_ENG_CIP_PATTERN_MAX, &pl) || pl == 0)
			return false;
		*total += 1 + pl;
	}
	return true;
}

s6_err s6_eng_cip_encode(const s6_eng_cip *c, uint8_t *buf, size_t cap, size_t *len)
{
	size_t l[4], total;
	uint8_t *p;

	if (!cip_lengths(c, l, &total))
		return S6_ERR_INVALID_ARG;
	if (total > cap)
		return S6_ERR_TOO_LONG;
	memcpy(buf, cip_magic, 4);
	buf[4] = 1;
	buf[5] = c->mode;
	buf[6] = c->plain ? S6_ENG_CIP_FLAG_PLAIN : 0;
	buf[7] = c->ipproto;
	s6_put_u16be(buf + 8, c->port);
	buf[10] = (uint8_t)l[0];
	s6_put_u16be(buf + 11, (uint16_t)l[1]);
	buf[13] = c->has_user ? (uint8_t)l[2] : 0;
	buf[14] = c->has_user ? (uint8_t)l[3] : 0;
	buf[15] = c->n_block;
	p = buf + S6_ENG_CIP_FIXED;
	memcpy(p, c->target, l[0]);
	memcpy(p += l[0], c->tmpl, l[1]);
	p += l[1];
	if (c->has_user) {
		memcpy(p, c->user, l[2]);
		memcpy(p += l[2], c->pass, l[3]);
		p += l[3];
	}
	for (unsigned i = 0; i < c->n_block; i++) {
		size_t pl = strlen(c->block[i]);
		*p++ = (uint8_t)pl;
		memcpy(p, c->block[i], pl);
		p += pl;
	}
	*len = (size_t)(p - buf);
	return S6_OK;
}

static bool take(char *dst, const uint8_t *src, size_t n)
{
	if (memchr(src, 0, n))
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

static s6_err cip_fixed(const uint8_t *buf, size_t len, size_t *need)
{
	if (memcmp(buf, cip_magic, len < 4 ? len : 4) != 0)
		return S6_ERR_MALFORMED;
	if (len >= 5 && buf[4] != 1)
		return S6_ERR_BAD_VERSION;
	if (len >= 6 && buf[5] > S6_CIP_MODE_DRAFT00)
		return S6_ERR_MALFORMED;
	if (len >= 7 && (buf[6] & ~S6_ENG_CIP_FLAG_PLAIN))
		return S6_ERR_MALFORMED;
	if (len < S6_ENG_CIP_FIXED) {
		*need = S6_ENG_CIP_FIXED;
		return S6_ERR_NEED_MORE;
	}
	if (buf[10] == 0 || s6_get_u16be(buf + 8) == 0 || s6_get_u16be(buf + 11) > S6_ENG_CIP_TMPL_MAX ||
	    buf[15] > S6_ENG_CIP_BLOCK_MAX || (buf[14] && !buf[13]))
		return S6_ERR_MALFORMED;
	return S6_OK;
}

/* The patterns at buf[off..len): each a length byte and its text. */
static s6_err cip_patterns(const uint8_t *buf, size_t len, size_t off, s6_eng_cip *out,
			   size_t *used, size_t *need)
{
	for (unsigned i = 0; i < buf[15]; i++) {
		if (off + 1 > len || off + 1 + buf[off] > len) {
			*need = off + 1 + (off < len ? buf[off] : 0);
			return S6_ERR_NEED_MORE;
		}
		if (buf[off] == 0 || !take(out->block[i], buf + off + 1, buf[off]))
			return S6_ERR_MALFORMED;
		off += 1 + buf[off];
	}
	out->n_block = buf[15];
	*used = off;
	return S6_OK;
}

s6_err s6_eng_cip_parse(const uint8_t *buf, size_t len, s6_eng_cip *out, size_t *used,
			size_t *need)
{
	s6_err err = cip_fixed(buf, len, need);
	size_t tl, ml, ul, pl, off;
	const uint8_t *p;

	if (err != S6_OK)
		return err;
	tl = buf[10];
	ml = s6_get_u16be(buf + 11);
	ul = buf[13];
	pl = buf[14];
	off = S6_ENG_CIP_FIXED + tl + ml + ul + pl;
	if (len < off) {
		*need = off;
		return S6_ERR_NEED_MORE;
	}
	memset(out, 0, sizeof *out);
	out->mode = buf[5];
	out->plain = buf[6] & S6_ENG_CIP_FLAG_PLAIN;
	out->ipproto = buf[7];
	out->port = s6_get_u16be(buf + 8);
	out->has_user = ul > 0;
	p = buf + S6_ENG_CIP_FIXED;
	if (!take(out->target, p, tl) || !take(out->tmpl, p + tl, ml) ||
	    !take(out->user, p + tl + ml, ul) || !take(out->pass, p + tl + ml + ul, pl))
		return S6_ERR_MALFORMED;
	return cip_patterns(buf, len, off, out, used, need);
}

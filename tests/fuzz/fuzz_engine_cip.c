/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP record of the engine handoff (s6_engine_cip.h).
 *   - The parser on every prefix of the input (fuzz_prefix.h: need exact,
 *     OK stable, errors final, no read past the prefix); its *need is a
 *     total, turned into what is missing. Only the documented errors;
 *     BAD_VERSION exactly for the right magic and a wrong version byte; a
 *     wrong magic byte refused as soon as it is present.
 *   - A parsed record: the fields agree with the bytes, used is the sum of
 *     the lengths, encode(parse(x)) == x and one byte less room is TOO_LONG.
 *   - A record spelled from the input's bytes: encode refuses it
 *     (INVALID_ARG) exactly when a rule of the header is broken, and what it
 *     encodes parses back to itself. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "s6_cip_capsule.h"
#include "s6_engine_cip.h"

/* After OK, how many longer prefixes are still parsed. */
#define TAIL 64

static s6_eng_cip rec, rec2;
static uint8_t out[S6_ENG_CIP_MAX + 1];

static s6_err parse_rec(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	s6_err e = s6_eng_cip_parse(b, len, &rec, used, need);

	if (e == S6_ERR_NEED_MORE) {
		FUZZ_CHECK(*need > len);
		*need -= len;
	}
	return e;
}

static void check_errors(const struct fuzz_res *res, size_t stop, const uint8_t *data)
{
	bool magic_ok = stop >= 4 && memcmp(data, "S6EC", 4) == 0;

	for (size_t k = 0; k <= stop; k++) {
		s6_err e = res[k].err;

		FUZZ_CHECK(e == S6_OK || e == S6_ERR_NEED_MORE || e == S6_ERR_BAD_VERSION ||
			   e == S6_ERR_MALFORMED);
		if (k >= 5 && magic_ok)
			FUZZ_CHECK((e == S6_ERR_BAD_VERSION) == (data[4] != 1));
		else
			FUZZ_CHECK(e != S6_ERR_BAD_VERSION);
		for (size_t i = 0; i < 4 && i < k; i++)
			if (data[i] != (uint8_t)"S6EC"[i])
				FUZZ_CHECK(e == S6_ERR_MALFORMED);
	}
}

static bool same_rec(const s6_eng_cip *a, const s6_eng_cip *b)
{
	if (a->mode != b->mode || a->plain != b->plain || a->ipproto != b->ipproto ||
	    a->port != b->port || a->has_user != b->has_user || a->n_block != b->n_block ||
	    strcmp(a->target, b->target) || strcmp(a->tmpl, b->tmpl))
		return false;
	if (a->has_user && (strcmp(a->user, b->user) || strcmp(a->pass, b->pass)))
		return false;
	for (unsigned i = 0; i < a->n_block; i++)
		if (strcmp(a->block[i], b->block[i]))
			return false;
	return true;
}

/* The parsed record (rec, from b[0..used)) against its bytes. */
static void check_parsed(const uint8_t *b, size_t used)
{
	size_t tl = b[10], ml = s6_get_u16be(b + 11), ul = b[13], pl = b[14], n = 0;
	size_t total = S6_ENG_CIP_FIXED + tl + ml + ul + pl;

	FUZZ_CHECK(rec.mode == b[5] && rec.mode <= S6_CIP_MODE_DRAFT00);
	FUZZ_CHECK(rec.plain == (b[6] == S6_ENG_CIP_FLAG_PLAIN) && rec.ipproto == b[7]);
	FUZZ_CHECK(rec.port == s6_get_u16be(b + 8) && rec.port != 0);
	FUZZ_CHECK(strlen(rec.target) == tl && tl >= 1 && strlen(rec.tmpl) == ml);
	FUZZ_CHECK(ml <= S6_ENG_CIP_TMPL_MAX && rec.has_user == (ul > 0));
	FUZZ_CHECK(strlen(rec.user) == ul && strlen(rec.pass) == pl);
	FUZZ_CHECK(rec.n_block == b[15] && rec.n_block <= S6_ENG_CIP_BLOCK_MAX);
	for (unsigned i = 0; i < rec.n_block; i++) {
		size_t l = strlen(rec.block[i]);

		FUZZ_CHECK(l >= 1 && b[total] == l && memcmp(b + total + 1, rec.block[i], l) == 0);
		total += 1 + l;
	}
	FUZZ_CHECK(used == total && used <= S6_ENG_CIP_MAX);
	FUZZ_CHECK(memcmp(b + S6_ENG_CIP_FIXED, rec.target, tl) == 0);
	FUZZ_CHECK(s6_eng_cip_encode(&rec, out, sizeof out, &n) == S6_OK);
	FUZZ_CHECK(n == used && memcmp(out, b, used) == 0);
	FUZZ_CHECK(s6_eng_cip_encode(&rec, out, used - 1, &n) == S6_ERR_TOO_LONG);
}

/* Copy up to max bytes of src (cut at a NUL) into dst; returns bytes read. */
static size_t cut(char *dst, size_t cap, const uint8_t **src, size_t *left, size_t want)
{
	size_t n = want < *left ? want : *left, k = 0;

	while (k < n && k + 1 < cap && (*src)[k])
		k++;
	memcpy(dst, *src, k);
	dst[k] = '\0';
	*src += n;
	*left -= n;
	return k;
}

/* A record from bytes: byte 0 mode, 1 flags, 2 ipproto, 3-4 port, 5 block
 * count, then length-prefixed strings (lengths may overrun the limits). */
static void check_encode(const uint8_t *d, size_t size)
{
	size_t left = size, n = 0, tl, ml, ul, pl, bad_pat = 0;
	bool ok;
	s6_err e;

	if (size < 6)
		return;
	memset(&rec2, 0, sizeof rec2);
	rec2.mode = d[0] & 3;
	rec2.plain = d[1] & 1;
	rec2.has_user = d[1] & 2;
	rec2.ipproto = d[2];
	rec2.port = s6_get_u16be(d + 3);
	rec2.n_block = d[5] % (S6_ENG_CIP_BLOCK_MAX + 2);
	d += 6;
	left -= 6;
	tl = cut(rec2.target, sizeof rec2.target, &d, &left, left ? 2 * d[0] : 0);
	ml = cut(rec2.tmpl, sizeof rec2.tmpl, &d, &left, left ? 5 * d[0] : 0);
	ul = cut(rec2.user, sizeof rec2.user, &d, &left, left ? 2 * d[0] : 0);
	pl = cut(rec2.pass, sizeof rec2.pass, &d, &left, left ? 2 * d[0] : 0);
	for (unsigned i = 0; i < rec2.n_block && i < S6_ENG_CIP_BLOCK_MAX; i++) {
		size_t l = cut(rec2.block[i], sizeof rec2.block[i], &d, &left, left ? d[0] : 0);

		bad_pat += l == 0 || l > S6_ENG_CIP_PATTERN_MAX;
	}
	ok = tl >= 1 && tl <= S6_ENG_CIP_TARGET_MAX && ml <= S6_ENG_CIP_TMPL_MAX &&
	     ul <= S6_ENG_CIP_CRED_MAX && pl <= S6_ENG_CIP_CRED_MAX && rec2.port != 0 &&
	     rec2.mode <= S6_CIP_MODE_DRAFT00 && rec2.n_block <= S6_ENG_CIP_BLOCK_MAX && !bad_pat &&
	     !(rec2.has_user && ul == 0);
	e = s6_eng_cip_encode(&rec2, out, sizeof out, &n);
	FUZZ_CHECK(e == (ok ? S6_OK : S6_ERR_INVALID_ARG));
	if (e != S6_OK)
		return;
	/* A user-less record sends no credentials; none are read back. */
	if (!rec2.has_user)
		rec2.user[0] = rec2.pass[0] = '\0';
	FUZZ_CHECK(s6_eng_cip_parse(out, n, &rec, &left, &ml) == S6_OK && left == n);
	FUZZ_CHECK(same_rec(&rec, &rec2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < S6_ENG_CIP_MAX + 16 ? size : S6_ENG_CIP_MAX + 16;
	struct fuzz_res *res = malloc((n + 1) * sizeof(*res));
	struct fuzz_view v;
	size_t last, first_ok;

	if (!res)
		abort();
	fuzz_view_open(&v, data, n);
	last = fuzz_parse_prefixes(&v, n, parse_rec, res, TAIL);
	first_ok = fuzz_check_prefixes(res, last);
	check_errors(res, last, data);
	if (first_ok <= last) {
		size_t used = 0, need = 0;

		FUZZ_CHECK(s6_eng_cip_parse(v.buf, n, &rec, &used, &need) == S6_OK);
		check_parsed(v.buf, used);
	}
	fuzz_view_close(&v);
	free(res);
	check_encode(data, size);
	return 0;
}

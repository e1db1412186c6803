/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shim/engine handoff header and the engine's status record
 * (s6_engine_msg.h), each run on every prefix of the input (fuzz_prefix.h:
 * need exact, OK stable, errors final, no read past the prefix). Their
 * *need is the message's total length known so far, so the adapters turn it
 * into the bytes still missing; it must lie beyond the prefix. Besides: only
 * the documented errors, the fields agree with the bytes, encoding a parsed
 * message gives back exactly data[0..used), and a message built from the
 * input's bytes and encoded parses back to itself. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "s6_engine_msg.h"

/* After OK, how many longer prefixes are still parsed (each copies the
 * whole header; the tail of a 4 KiB input need not be swept to its end). */
#define TAIL 64

static s6_eng_hdr hdr, hdr2;
static s6_eng_status st, st2;

/* The parsers' need is a total; fuzz_prefix.h wants what is missing. */
static s6_err missing(s6_err e, size_t len, size_t *need)
{
	if (e == S6_ERR_NEED_MORE) {
		FUZZ_CHECK(*need > len);
		*need -= len;
	}
	return e;
}

static s6_err parse_hdr(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return missing(s6_eng_hdr_parse(b, len, &hdr, used, need), len, need);
}

static s6_err parse_st(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return missing(s6_eng_status_parse(b, len, &st, used, need), len, need);
}

/* Documented errors; BAD_VERSION exactly when the magic is right and the
 * version byte is present and wrong (the magic is judged first). */
static void check_errors(const struct fuzz_res *res, size_t stop, const uint8_t *data,
			 const char *magic)
{
	bool magic_ok = stop >= 4 && memcmp(data, magic, 4) == 0;

	for (size_t k = 0; k <= stop; k++) {
		s6_err e = res[k].err;

		FUZZ_CHECK(e == S6_OK || e == S6_ERR_NEED_MORE || e == S6_ERR_BAD_VERSION ||
			   e == S6_ERR_MALFORMED);
		if (k >= 5 && magic_ok)
			FUZZ_CHECK((e == S6_ERR_BAD_VERSION) == (data[4] != S6_ENG_VERSION));
		else
			FUZZ_CHECK(e != S6_ERR_BAD_VERSION);
		/* A wrong magic byte is refused as soon as it is present. */
		for (size_t i = 0; i < 4 && i < k; i++)
			if (data[i] != (uint8_t)magic[i])
				FUZZ_CHECK(e == S6_ERR_MALFORMED);
	}
}

static void check_hdr(const uint8_t *b, size_t used, uint8_t *out)
{
	size_t hl = b[42], sl = b[43], cl = s6_get_u16be(b + 44), n = 0;

	FUZZ_CHECK(used == S6_ENG_HDR_FIXED + hl + sl + cl + (size_t)b[46] * S6_ENG_PIN_LEN);
	FUZZ_CHECK(hdr.port == s6_get_u16be(b + 38) && hdr.port != 0);
	FUZZ_CHECK(hdr.early_len == s6_get_u16be(b + 40));
	FUZZ_CHECK(hdr.verify == !!(b[5] & S6_ENG_FLAG_VERIFY));
	FUZZ_CHECK(hdr.cip == !!(b[5] & S6_ENG_FLAG_CIP));
	FUZZ_CHECK(strlen(hdr.host) == hl && hl >= 1 && strlen(hdr.sni) == sl);
	FUZZ_CHECK(strlen(hdr.ca_file) == cl && hdr.n_pins == b[46]);
	FUZZ_CHECK(hdr.n_pins <= S6_ENG_PINS_MAX && used <= S6_ENG_HDR_MAX);
	FUZZ_CHECK(s6_eng_secret_equal(hdr.secret, b + 6));
	FUZZ_CHECK(s6_eng_hdr_encode(&hdr, out, S6_ENG_HDR_MAX, &n) == S6_OK);
	FUZZ_CHECK(n == used && memcmp(out, b, used) == 0);
	/* One byte less room is refused, never a short write. */
	FUZZ_CHECK(s6_eng_hdr_encode(&hdr, out, used - 1, &n) == S6_ERR_TOO_LONG);
}

static void check_st(const uint8_t *b, size_t used, uint8_t *out)
{
	size_t n = 0;

	FUZZ_CHECK(used == S6_ENG_STATUS_FIXED + (size_t)b[8] && used <= S6_ENG_STATUS_MAX);
	FUZZ_CHECK(st.code == b[5] && st.code <= S6_ENG_FAILED);
	FUZZ_CHECK(st.err == s6_get_u16be(b + 6) && (st.code == S6_ENG_OK) == (st.err == 0));
	FUZZ_CHECK(strlen(st.reason) == b[8]);
	FUZZ_CHECK(s6_eng_status_encode(&st, out, S6_ENG_STATUS_MAX, &n) == S6_OK);
	FUZZ_CHECK(n == used && memcmp(out, b, used) == 0);
	FUZZ_CHECK(s6_eng_status_encode(&st, out, used - 1, &n) == S6_ERR_TOO_LONG);
}

static void run_one(struct fuzz_view *v, const uint8_t *data, size_t n, fuzz_parse_fn parse,
		    void (*check)(const uint8_t *, size_t, uint8_t *), const char *magic,
		    struct fuzz_res *res, uint8_t *out)
{
	size_t stop = fuzz_parse_prefixes(v, n, parse, res, TAIL), ok, used = 0, need = 0;
	const uint8_t *b;

	check_errors(res, stop, data, magic);
	ok = fuzz_check_prefixes(res, stop);
	if (ok > stop)
		return;
	b = fuzz_view_limit(v, ok);
	FUZZ_CHECK(parse(b, ok, &used, &need) == S6_OK && used == ok);
	check(b, used, out);
}

/* A string field of up to max bytes from the input (NULs end it early). */
static size_t take(char *dst, size_t max, const uint8_t **p, const uint8_t *end)
{
	size_t n = (size_t)(end - *p) < max ? (size_t)(end - *p) : max;

	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p += n;
	return strlen(dst);
}

/* Field by field: bytes after a string's NUL are not part of it. */
static bool hdr_same(const s6_eng_hdr *a, const s6_eng_hdr *b)
{
	return memcmp(a->secret, b->secret, S6_ENG_SECRET_LEN) == 0 && a->verify == b->verify && a->cip == b->cip &&
	       a->port == b->port && a->early_len == b->early_len &&
	       strcmp(a->host, b->host) == 0 && strcmp(a->sni, b->sni) == 0 &&
	       strcmp(a->ca_file, b->ca_file) == 0 && a->n_pins == b->n_pins &&
	       memcmp(a->pins, b->pins, (size_t)a->n_pins * S6_ENG_PIN_LEN) == 0;
}

/* Encoder and decoder agree on any header and status the input spells:
 * encode succeeds exactly for the valid ones, and parses back to them. */
static void check_encode(const uint8_t *data, size_t n, uint8_t *out)
{
	const uint8_t *p = data, *end = data + n;
	size_t len = 0, used = 0, need = 0;
	s6_err e;

	if (n < 8)
		return;
	memset(&hdr2, 0, sizeof hdr2);
	hdr2.verify = p[0] & 1;
	hdr2.cip = p[0] & 2;
	hdr2.n_pins = p[1] % (S6_ENG_PINS_MAX + 2);
	hdr2.port = s6_get_u16be(p + 2);
	hdr2.early_len = s6_get_u16be(p + 4);
	memcpy(hdr2.secret, data, n < S6_ENG_SECRET_LEN ? n : S6_ENG_SECRET_LEN);
	p += 6;
	take(hdr2.host, p[0] % 40, &p, end);
	take(hdr2.sni, p < end ? p[0] % 40 : 0, &p, end);
	take(hdr2.ca_file, p < end ? p[0] : 0, &p, end);
	memcpy(hdr2.pins, data, n < sizeof hdr2.pins ? n : sizeof hdr2.pins);
	e = s6_eng_hdr_encode(&hdr2, out, S6_ENG_HDR_MAX, &len);
	FUZZ_CHECK((e == S6_OK) == (hdr2.host[0] != '\0' && hdr2.n_pins <= S6_ENG_PINS_MAX));
	if (e == S6_OK) {
		e = s6_eng_hdr_parse(out, len, &hdr, &used, &need);
		/* Port 0 is the one field the encoder lets through. */
		FUZZ_CHECK(e == (hdr2.port ? S6_OK : S6_ERR_MALFORMED));
		if (e == S6_OK)
			FUZZ_CHECK(used == len && hdr_same(&hdr, &hdr2));
	}
	memset(&st2, 0, sizeof st2);
	st2.code = data[1] & 1;
	st2.err = st2.code ? (uint16_t)(s6_get_u16be(data + 2) | 1) : 0;
	take(st2.reason, S6_ENG_REASON_MAX, &p, end);
	FUZZ_CHECK(s6_eng_status_encode(&st2, out, S6_ENG_STATUS_MAX, &len) == S6_OK);
	FUZZ_CHECK(s6_eng_status_parse(out, len, &st, &used, &need) == S6_OK && used == len);
	FUZZ_CHECK(st.code == st2.code && st.err == st2.err && strcmp(st.reason, st2.reason) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_res *res = malloc((size + 1) * sizeof *res);
	uint8_t *out = malloc(S6_ENG_HDR_MAX);
	struct fuzz_view v;

	if (!res || !out)
		abort();
	fuzz_view_open(&v, data, size);
	run_one(&v, data, size, parse_hdr, check_hdr, "S6EH", res, out);
	run_one(&v, data, size, parse_st, check_st, "S6ES", res, out);
	fuzz_view_close(&v);
	check_encode(data, size, out);
	/* The secret comparison is plain equality. */
	if (size >= 2 * S6_ENG_SECRET_LEN)
		FUZZ_CHECK(s6_eng_secret_equal(data, data + S6_ENG_SECRET_LEN) ==
			   (memcmp(data, data + S6_ENG_SECRET_LEN, S6_ENG_SECRET_LEN) == 0));
	free(out);
	free(res);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QUIC variable-length integers: the RFC 9000 appendix A.1 examples,
 * boundaries, non-minimal encodings, prefixes, encoder errors. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_varint.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct vec {
	uint8_t wire[8];
	size_t len;
	uint64_t value;
	bool minimal;
};

/* RFC 9000 A.1 (the two-byte 0x4025 is the non-minimal form of 37). */
static const struct vec rfc_vecs[] = {
	{ { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c }, 8, 151288809941952652ULL, true },
	{ { 0x9d, 0x7f, 0x3e, 0x7d }, 4, 494878333, true },
	{ { 0x7b, 0xbd }, 2, 15293, true },
	{ { 0x25 }, 1, 37, true },
	{ { 0x40, 0x25 }, 2, 37, false },
};

/* Decode from an exactly sized heap copy so ASan sees over-reads. */
static s6_err decode(const uint8_t *wire, size_t len, uint64_t *v, size_t *used, size_t *need)
{
	uint8_t *copy = malloc(len ? len : 1);
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wire, len);
	e = s6_cip_varint_decode(copy, len, v, used, need);
	free(copy);
	return e;
}

START_TEST(test_rfc9000_vectors)
{
	for (size_t i = 0; i < N(rfc_vecs); i++) {
		const struct vec *t = &rfc_vecs[i];
		uint64_t v = 0;
		size_t used = 0, need = 0;

		ck_assert_int_eq(decode(t->wire, t->len, &v, &used, &need), S6_OK);
		ck_assert_uint_eq(v, t->value);
		ck_assert_uint_eq(used, t->len);
		for (size_t k = 0; k < t->len; k++) {
			ck_assert_int_eq(decode(t->wire, k, &v, &used, &need), S6_ERR_NEED_MORE);
			/* With no byte the length is unknown: one more is due. */
			ck_assert_uint_eq(need, k == 0 ? 1 : t->len - k);
		}
		if (t->minimal) {
			uint8_t out[8];
			size_t n = 0;

			ck_assert_int_eq(s6_cip_varint_encode(t->value, out, sizeof(out), &n),
					 S6_OK);
			ck_assert_uint_eq(n, t->len);
			ck_assert_mem_eq(out, t->wire, n);
		}
	}
}
END_TEST

START_TEST(test_bytes_after_are_ignored)
{
	static const uint8_t w[] = { 0x7b, 0xbd, 0xff, 0xff };
	uint64_t v = 0;
	size_t used = 0, need = 0;

	ck_assert_int_eq(decode(w, sizeof(w), &v, &used, &need), S6_OK);
	ck_assert_uint_eq(v, 15293);
	ck_assert_uint_eq(used, 2);
}
END_TEST

START_TEST(test_boundaries)
{
	static const struct { uint64_t v; size_t len; } b[] = {
		{ 0, 1 }, { 63, 1 }, { 64, 2 }, { 16383, 2 }, { 16384, 4 },
		{ (1ULL << 30) - 1, 4 }, { 1ULL << 30, 8 }, { S6_CIP_VARINT_MAX, 8 },
	};

	for (size_t i = 0; i < N(b); i++) {
		uint8_t out[8];
		uint64_t v = 0;
		size_t n = 0, used = 0, need = 0;

		ck_assert_uint_eq(s6_cip_varint_len(b[i].v), b[i].len);
		ck_assert_int_eq(s6_cip_varint_encode(b[i].v, out, sizeof(out), &n), S6_OK);
		ck_assert_uint_eq(n, b[i].len);
		ck_assert_uint_eq(s6_cip_varint_len_of(out[0]), n);
		ck_assert_int_eq(decode(out, n, &v, &used, &need), S6_OK);
		ck_assert_uint_eq(v, b[i].v);
	}
	ck_assert_uint_eq(s6_cip_varint_len(S6_CIP_VARINT_MAX + 1), 0);
}
END_TEST

START_TEST(test_non_minimal_decodes)
{
	/* 5 in every width; 16384 in eight bytes. */
	static const uint8_t w2[] = { 0x40, 0x05 }, w4[] = { 0x80, 0, 0, 5 };
	static const uint8_t w8[] = { 0xc0, 0, 0, 0, 0, 0, 0x40, 0x00 };
	uint64_t v = 0;
	size_t used = 0, need = 0;

	ck_assert_int_eq(decode(w2, 2, &v, &used, &need), S6_OK);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(decode(w4, 4, &v, &used, &need), S6_OK);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(decode(w8, 8, &v, &used, &need), S6_OK);
	ck_assert_uint_eq(v, 16384);
	ck_assert_uint_eq(used, 8);
}
END_TEST

START_TEST(test_encode_errors)
{
	uint8_t out[8];
	size_t n = 0;

	ck_assert_int_eq(s6_cip_varint_encode(S6_CIP_VARINT_MAX + 1, out, 8, &n),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_cip_varint_encode(16384, out, 3, &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_cip_varint_encode(1, out, 0, &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_cip_varint_encode(1, NULL, 8, &n), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_cip_varint_encode_width(37, 2, out, 8), S6_OK);
	ck_assert_uint_eq(out[0], 0x40);
	ck_assert_uint_eq(out[1], 0x25);
	ck_assert_int_eq(s6_cip_varint_encode_width(16384, 2, out, 8), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_cip_varint_encode_width(1, 3, out, 8), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_cip_varint_encode_width(1, 8, out, 7), S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(test_round_trip_walk)
{
	/* Powers of two and their neighbours across the whole range. */
	for (unsigned int bit = 0; bit < 62; bit++) {
		for (int d = -1; d <= 1; d++) {
			uint64_t x = (1ULL << bit) + (uint64_t)(int64_t)d, v = 0;
			uint8_t out[8];
			size_t n = 0, used = 0, need = 0;

			if (x > S6_CIP_VARINT_MAX)
				continue;
			ck_assert_int_eq(s6_cip_varint_encode(x, out, sizeof(out), &n), S6_OK);
			ck_assert_int_eq(decode(out, n, &v, &used, &need), S6_OK);
			ck_assert_uint_eq(v, x);
			ck_assert_uint_eq(used, n);
		}
	}
}
END_TEST

static Suite *varint_suite(void)
{
	Suite *s = suite_create("cip_varint");
	TCase *tc = tcase_create("varint");

	tcase_add_test(tc, test_rfc9000_vectors);
	tcase_add_test(tc, test_bytes_after_are_ignored);
	tcase_add_test(tc, test_boundaries);
	tcase_add_test(tc, test_non_minimal_decodes);
	tcase_add_test(tc, test_encode_errors);
	tcase_add_test(tc, test_round_trip_walk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(varint_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

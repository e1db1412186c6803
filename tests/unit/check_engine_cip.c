/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP record of the engine handoff (s6_engine_cip.h) and the
 * header flag that announces it: round trips, every truncation, limits
 * and malformed input. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_capsule.h"
#include "s6_engine_cip.h"
#include "s6_engine_msg.h"

static void fill(s6_eng_cip *c)
{
	memset(c, 0, sizeof *c);
	c->mode = S6_CIP_MODE_DRAFT00;
	c->plain = true;
	c->ipproto = 6;
	c->port = 443;
	strcpy(c->target, "www.example.com");
	strcpy(c->tmpl, "/ip/{target}/{ipproto}/");
	c->has_user = true;
	strcpy(c->user, "alice");
	strcpy(c->pass, "s:cret");
	c->n_block = 2;
	strcpy(c->block[0], "*.tracker.example");
	strcpy(c->block[1], "trk?.example.com");
}

START_TEST(test_roundtrip)
{
	static uint8_t buf[S6_ENG_CIP_MAX + 8];
	static s6_eng_cip c, out;
	size_t len, used = 0, need = 0;

	fill(&c);
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_CIP_FIXED + 15 + 23 + 5 + 6 + 1 + 17 + 1 + 16);
	memset(buf + len, 0xee, 8); /* what follows is not the record's */
	ck_assert_int_eq(s6_eng_cip_parse(buf, len + 8, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_int_eq(out.mode, S6_CIP_MODE_DRAFT00);
	ck_assert(out.plain);
	ck_assert_uint_eq(out.ipproto, 6);
	ck_assert_uint_eq(out.port, 443);
	ck_assert_str_eq(out.target, "www.example.com");
	ck_assert_str_eq(out.tmpl, "/ip/{target}/{ipproto}/");
	ck_assert(out.has_user);
	ck_assert_str_eq(out.user, "alice");
	ck_assert_str_eq(out.pass, "s:cret");
	ck_assert_uint_eq(out.n_block, 2);
	ck_assert_str_eq(out.block[1], "trk?.example.com");
	/* Every prefix is incomplete, and says how much it needs at least. */
	for (size_t i = 0; i < len; i++) {
		need = 0;
		ck_assert_int_eq(s6_eng_cip_parse(buf, i, &out, &used, &need), S6_ERR_NEED_MORE);
		ck_assert_uint_gt(need, i);
		ck_assert_uint_le(need, len);
	}
}
END_TEST

START_TEST(test_minimal)
{
	uint8_t buf[64];
	s6_eng_cip c = {.port = 80, .ipproto = 6}, out;
	size_t len, used, need;

	strcpy(c.target, "2001:db8::1");
	strcpy(c.user, "ignored without has_user");
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_CIP_FIXED + 11);
	ck_assert_int_eq(s6_eng_cip_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_int_eq(out.mode, S6_CIP_MODE_RFC9484);
	ck_assert(!out.plain && !out.has_user);
	ck_assert_str_eq(out.user, "");
	ck_assert_str_eq(out.tmpl, "");
	ck_assert_uint_eq(out.n_block, 0);
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, len - 1, &len), S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(test_encode_invalid)
{
	static uint8_t buf[S6_ENG_CIP_MAX];
	static s6_eng_cip c;
	size_t len;

	fill(&c);
	c.target[0] = '\0';
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	fill(&c);
	c.port = 0;
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	fill(&c);
	c.mode = 7;
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	fill(&c);
	c.n_block = S6_ENG_CIP_BLOCK_MAX + 1;
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	fill(&c);
	c.block[1][0] = '\0';
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	fill(&c);
	memset(c.tmpl, 'a', sizeof c.tmpl); /* no NUL within the limit */
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	/* Seen writing fuzz_engine_cip: a user-less password was encoded into a
	 * record the parser refuses. */
	fill(&c);
	c.user[0] = '\0';
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
}
END_TEST

/* The largest record fits S6_ENG_CIP_MAX exactly. */
START_TEST(test_max)
{
	static uint8_t buf[S6_ENG_CIP_MAX];
	static s6_eng_cip c, out;
	size_t len, used, need;

	memset(&c, 0, sizeof c);
	c.port = 1;
	memset(c.target, 't', S6_ENG_CIP_TARGET_MAX);
	memset(c.tmpl, '/', S6_ENG_CIP_TMPL_MAX);
	c.has_user = true;
	memset(c.user, 'u', S6_ENG_CIP_CRED_MAX);
	memset(c.pass, 'p', S6_ENG_CIP_CRED_MAX);
	c.n_block = S6_ENG_CIP_BLOCK_MAX;
	for (int i = 0; i < S6_ENG_CIP_BLOCK_MAX; i++)
		memset(c.block[i], 'b', S6_ENG_CIP_PATTERN_MAX);
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_CIP_MAX);
	ck_assert_int_eq(s6_eng_cip_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_int_eq(memcmp(&out, &c, sizeof c), 0);
}
END_TEST

START_TEST(test_malformed)
{
	static uint8_t buf[S6_ENG_CIP_MAX], b2[S6_ENG_CIP_MAX];
	static s6_eng_cip c, out;
	size_t len, used, need;

	fill(&c);
	ck_assert_int_eq(s6_eng_cip_encode(&c, buf, sizeof buf, &len), S6_OK);
	const struct {
		size_t off;
		uint8_t v;
		s6_err err;
	} cases[] = {
		{0, 'X', S6_ERR_MALFORMED},     /* magic */
		{4, 2, S6_ERR_BAD_VERSION},
		{5, 2, S6_ERR_MALFORMED},       /* mode */
		{6, 0x80, S6_ERR_MALFORMED},    /* unknown flag */
		{10, 0, S6_ERR_MALFORMED},      /* empty target */
		{13, 0, S6_ERR_MALFORMED},      /* a password without a user */
		{15, S6_ENG_CIP_BLOCK_MAX + 1, S6_ERR_MALFORMED},
		{S6_ENG_CIP_FIXED + 3, 0, S6_ERR_MALFORMED}, /* NUL inside the target */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(b2, buf, len);
		b2[cases[i].off] = cases[i].v;
		ck_assert_msg(s6_eng_cip_parse(b2, len, &out, &used, &need) == cases[i].err,
			      "case %zu", i);
	}
	/* Magic and version are judged on the first bytes already. */
	memcpy(b2, buf, len);
	b2[1] = 'Q';
	ck_assert_int_eq(s6_eng_cip_parse(b2, 2, &out, &used, &need), S6_ERR_MALFORMED);
	/* A zero-length pattern. */
	memcpy(b2, buf, len);
	b2[len - 17 - 1 - 1 - 16 + 0] = 0; /* first pattern's length byte */
	ck_assert_int_eq(s6_eng_cip_parse(b2, len, &out, &used, &need), S6_ERR_MALFORMED);
}
END_TEST

/* The header flag that says a record follows. */
START_TEST(test_hdr_flag)
{
	static uint8_t buf[S6_ENG_HDR_MAX];
	s6_eng_hdr h = {.port = 443, .cip = true, .early_len = 99}, out;
	size_t len, used, need;

	strcpy(h.host, "127.0.0.1");
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(buf[5], S6_ENG_FLAG_CIP);
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert(out.cip && !out.verify);
	ck_assert_uint_eq(out.early_len, 99);
	h.cip = false;
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert(!out.cip);
	buf[5] = 0x08; /* still unknown */
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_ERR_MALFORMED);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine_cip");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_encode_invalid);
	tcase_add_test(tc, test_max);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_hdr_flag);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

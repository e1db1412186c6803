/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 options codec: exact layouts from the draft-11 figures, round
 * trips, framing errors, duplicates, unknown kinds. Token arithmetic is
 * tested in check_token.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_socks6_opt.h"

static s6_s6opts opts;   /* large: keep it off the stack */
static char why[160];

static void parse_ok(const uint8_t *b, size_t n)
{
	why[0] = 0;
	ck_assert_msg(s6_s6opts_parse(b, n, &opts, why, sizeof(why)) == S6_OK, "%s", why);
}

static void parse_fails(const uint8_t *b, size_t n, s6_err want)
{
	why[0] = 0;
	ck_assert_int_eq(s6_s6opts_parse(b, n, &opts, why, sizeof(why)), want);
	ck_assert_msg(why[0] != 0, "no reason given");
}

/* Encode with fn into a dirty buffer (padding must be written as zeros) and
 * compare with the literal bytes. */
#define CHECK_ENC(want, call) do { \
	uint8_t mem_[64]; \
	s6_s6opt_buf b_; \
	memset(mem_, 0xaa, sizeof(mem_)); \
	s6_s6opt_buf_init(&b_, mem_, sizeof(mem_)); \
	ck_assert_int_eq((call), S6_OK); \
	ck_assert_uint_eq(b_.len, sizeof(want)); \
	ck_assert_mem_eq(mem_, want, sizeof(want)); \
} while (0)
#define B (&b_)

START_TEST(kinds_iana)
{
	ck_assert_int_eq(S6_S6OPT_STACK, 1);
	ck_assert_int_eq(S6_S6OPT_AUTH_DATA, 4);
	ck_assert_int_eq(S6_S6OPT_SESSION_ID, 6);
	ck_assert_int_eq(S6_S6OPT_SESSION_OK, 8);
	ck_assert_int_eq(S6_S6OPT_IDEM_REJECTED, 15);
	ck_assert(s6_s6opt_kind_known(13));
	/* 7 (Session Untrusted) and 16..18 (resolution) are gone. */
	ck_assert(!s6_s6opt_kind_known(0));
	ck_assert(!s6_s6opt_kind_known(7));
	ck_assert(!s6_s6opt_kind_known(16));
	ck_assert(!s6_s6opt_kind_known(18));
	ck_assert(!s6_s6opt_kind_known(0xffff));
	ck_assert_str_eq(s6_s6opt_kind_name(64512), "Experimental");
	ck_assert_str_eq(s6_s6opt_kind_name(12), "Idempotence Window");
}
END_TEST

struct stack_case {
	s6_s6stack st;
	uint8_t wire[8];
};

/* One per figure of "Stack options". Byte 4 is Leg << 6 | Level. */
static const struct stack_case stack_cases[] = {
	{ { 1, 1, 1, 0xb8, 0 }, { 0, 1, 0, 8, 0x41, 0x01, 0xb8, 0x00 } },   /* TOS */
	{ { 2, 1, 2, 2, 0 }, { 0, 1, 0, 8, 0x81, 0x02, 0x02, 0x00 } },      /* HE */
	{ { 3, 1, 3, 64, 0 }, { 0, 1, 0, 8, 0xc1, 0x03, 0x40, 0x00 } },     /* TTL */
	{ { 2, 1, 4, 2, 0 }, { 0, 1, 0, 8, 0x81, 0x04, 0x02, 0x00 } },      /* DF */
	{ { 2, 4, 1, 1400, 0 }, { 0, 1, 0, 8, 0x84, 0x01, 0x05, 0x78 } },   /* TFO */
	{ { 2, 4, 2, 1, 0 }, { 0, 1, 0, 8, 0x84, 0x02, 0x01, 0x00 } },      /* MPTCP */
	{ { 2, 4, 3, 0x1234, 0 }, { 0, 1, 0, 8, 0x84, 0x03, 0x12, 0x34 } }, /* backlog */
	{ { 2, 5, 1, 2, 0 }, { 0, 1, 0, 8, 0x85, 0x01, 0x02, 0x00 } },      /* UDP err */
	{ { 2, 5, 2, 2, 1 }, { 0, 1, 0, 8, 0x85, 0x02, 0x02, 0x01 } },      /* parity */
};

START_TEST(stack_layouts)
{
	const struct stack_case *c = &stack_cases[_i];
	const s6_s6stack *got;

	CHECK_ENC(c->wire, s6_s6opt_put_stack(B, &c->st));
	parse_ok(c->wire, sizeof(c->wire));
	ck_assert_uint_eq(opts.n_stack, 1);
	got = &opts.stack[0];
	ck_assert_uint_eq(got->leg, c->st.leg);
	ck_assert_uint_eq(got->level, c->st.level);
	ck_assert_uint_eq(got->code, c->st.code);
	ck_assert_uint_eq(got->value, c->st.value);
	ck_assert_uint_eq(got->reserve, c->st.reserve);
	ck_assert_ptr_eq(s6_s6opts_find_stack(&opts, c->st.level, c->st.code, c->st.leg), got);
}
END_TEST

START_TEST(stack_invalid)
{
	static const uint8_t long_tos[] = { 0, 1, 0, 12, 0x41, 1, 8, 0, 0, 0, 0, 0 };
	static const uint8_t pad_tos[] = { 0, 1, 0, 8, 0x41, 1, 8, 1 };
	static const uint8_t avail0[] = { 0, 1, 0, 8, 0x84, 2, 0, 0 };
	static const uint8_t avail3[] = { 0, 1, 0, 8, 0x85, 1, 3, 0 };
	static const uint8_t parity3[] = { 0, 1, 0, 8, 0x85, 2, 3, 0 };
	static const uint8_t reserve2[] = { 0, 1, 0, 8, 0x85, 2, 1, 2 };
	static const uint8_t headless[] = { 0, 1, 0, 4 };
	/* Not defined by the draft: ignored, even with odd lengths. */
	static const uint8_t unsupported[] = {
		0, 1, 0, 8, 0x44, 0x01, 0x05, 0x78,        /* TFO on leg 1 */
		0, 1, 0, 8, 0x01, 0x01, 0x10, 0x00,        /* TOS on leg 0 */
		0, 1, 0, 12, 0x84, 0x09, 1, 2, 3, 4, 5, 6, /* TCP code 9 */
		0, 1, 0, 8, 0x82, 0x01, 0x10, 0x00,        /* IPv4 level TOS */
	};
	s6_s6stack st = { 1, 4, 1, 0, 0 };
	uint8_t mem[16];
	s6_s6opt_buf b;

	parse_fails(long_tos, sizeof(long_tos), S6_ERR_MALFORMED);
	parse_fails(pad_tos, sizeof(pad_tos), S6_ERR_MALFORMED);
	parse_fails(avail0, sizeof(avail0), S6_ERR_MALFORMED);
	parse_fails(avail3, sizeof(avail3), S6_ERR_MALFORMED);
	parse_fails(parity3, sizeof(parity3), S6_ERR_MALFORMED);
	parse_fails(reserve2, sizeof(reserve2), S6_ERR_MALFORMED);
	parse_fails(headless, sizeof(headless), S6_ERR_MALFORMED);
	parse_ok(unsupported, sizeof(unsupported));
	ck_assert_uint_eq(opts.n_stack, 0);
	ck_assert_uint_eq(opts.n_ignored, 4);

	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &st), S6_ERR_INVALID_ARG); /* leg 1 TFO */
	st = (s6_s6stack){ 1, 1, 1, 256, 0 };
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &st), S6_ERR_INVALID_ARG); /* TOS 256 */
	st = (s6_s6stack){ 2, 4, 2, 3, 0 };
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &st), S6_ERR_INVALID_ARG); /* avail 3 */
	st = (s6_s6stack){ 2, 1, 3, 5, 1 };
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &st), S6_ERR_INVALID_ARG); /* TTL reserve */
	st = (s6_s6stack){ 2, 4, 1, 5, 1 };
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &st), S6_ERR_INVALID_ARG); /* TFO reserve */
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(stack_duplicates)
{
	static const uint8_t two_legs[] = {
		0, 1, 0, 8, 0x41, 1, 0x10, 0,
		0, 1, 0, 8, 0x81, 1, 0x20, 0,
	};
	static const uint8_t overlap[] = {
		0, 1, 0, 8, 0x41, 1, 0x10, 0,
		0, 1, 0, 8, 0xc1, 1, 0x10, 0,
	};
	static const uint8_t same[] = {
		0, 1, 0, 8, 0x84, 1, 0, 0,
		0, 1, 0, 8, 0x84, 1, 0, 0,
	};

	parse_ok(two_legs, sizeof(two_legs));
	ck_assert_uint_eq(opts.n_stack, 2);
	ck_assert_uint_eq(s6_s6opts_find_stack(&opts, 1, 1, 1)->value, 0x10);
	ck_assert_uint_eq(s6_s6opts_find_stack(&opts, 1, 1, 2)->value, 0x20);
	ck_assert_ptr_null(s6_s6opts_find_stack(&opts, 1, 3, 3));
	parse_fails(overlap, sizeof(overlap), S6_ERR_MALFORMED);
	parse_fails(same, sizeof(same), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(auth_method_options)
{
	static const uint8_t adv1[] = { 0, 2, 0, 8, 0x00, 0x64, 0x02, 0x00 };
	static const uint8_t adv3[] = { 0, 2, 0, 12, 0x40, 0x00, 1, 2, 3, 0, 0, 0 };
	static const uint8_t adv0[] = { 0, 2, 0, 8, 0, 0, 0, 0 };
	static const uint8_t sel[] = { 0, 3, 0, 8, 0x02, 0, 0, 0 };
	static const uint8_t m123[] = { 1, 2, 3 };
	static const uint8_t m2 = 2;

	CHECK_ENC(adv1, s6_s6opt_put_auth_adv(B, 100, &m2, 1));
	CHECK_ENC(adv3, s6_s6opt_put_auth_adv(B, 16384, m123, 3));
	CHECK_ENC(adv0, s6_s6opt_put_auth_adv(B, 0, NULL, 0));
	CHECK_ENC(sel, s6_s6opt_put_auth_select(B, 2));

	parse_ok(adv1, sizeof(adv1));
	ck_assert(opts.has_auth_adv);
	ck_assert_uint_eq(opts.initial_data_len, 100);
	ck_assert_uint_eq(opts.n_methods, 1);
	ck_assert_uint_eq(opts.methods[0], 2);
	ck_assert(s6_s6opts_advertises(&opts, 2));
	ck_assert(s6_s6opts_advertises(&opts, 0));
	ck_assert(!s6_s6opts_advertises(&opts, 1));
	parse_ok(adv3, sizeof(adv3));
	ck_assert_uint_eq(opts.initial_data_len, 16384);
	ck_assert_uint_eq(opts.n_methods, 3);
	ck_assert_mem_eq(opts.methods, m123, 3);
	parse_ok(sel, sizeof(sel));
	ck_assert(opts.has_auth_select);
	ck_assert_uint_eq(opts.auth_select, 2);
	parse_ok(adv0, 0);
	ck_assert(!s6_s6opts_advertises(&opts, 0));
}
END_TEST

START_TEST(auth_method_invalid)
{
	/* zeros inside the list are "no auth" (implied); repeats collapse */
	static const uint8_t zero_dup[] = { 0, 2, 0, 12, 0, 0, 0, 2, 1, 2, 0, 0 };
	static const uint8_t idl_big[] = { 0, 2, 0, 8, 0x40, 0x01, 2, 0 };
	static const uint8_t short_adv[] = { 0, 2, 0, 4 };
	static const uint8_t two_adv[] = { 0, 2, 0, 8, 0, 0, 2, 0, 0, 2, 0, 8, 0, 0, 2, 0 };
	static const uint8_t sel_pad[] = { 0, 3, 0, 8, 2, 0, 1, 0 };
	static const uint8_t sel_long[] = { 0, 3, 0, 12, 2, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t sel_two[] = { 0, 3, 0, 8, 2, 0, 0, 0, 0, 3, 0, 8, 1, 0, 0, 0 };
	static const uint8_t bad_m[] = { 2, 0 };
	uint8_t mem[16];
	s6_s6opt_buf b;

	parse_ok(zero_dup, sizeof(zero_dup));
	ck_assert_uint_eq(opts.n_methods, 2);
	ck_assert_uint_eq(opts.methods[0], 2);
	ck_assert_uint_eq(opts.methods[1], 1);
	parse_fails(idl_big, sizeof(idl_big), S6_ERR_MALFORMED);
	parse_fails(short_adv, sizeof(short_adv), S6_ERR_MALFORMED);
	parse_fails(two_adv, sizeof(two_adv), S6_ERR_MALFORMED);
	parse_fails(sel_pad, sizeof(sel_pad), S6_ERR_MALFORMED);
	parse_fails(sel_long, sizeof(sel_long), S6_ERR_MALFORMED);
	parse_fails(sel_two, sizeof(sel_two), S6_ERR_MALFORMED);
	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_auth_adv(&b, 16385, NULL, 0), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_s6opt_put_auth_adv(&b, 0, bad_m, 2), S6_ERR_INVALID_ARG);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(auth_data)
{
	static const uint8_t ad[] = { 0, 4, 0, 8, 0x02, 'a', 'b', 'c' };
	static const uint8_t ad_pad[] = { 0, 4, 0, 12, 0x80, 'x', 'y', 'z', 'w', 0, 0, 0 };
	static const uint8_t ad_dup[] = { 0, 4, 0, 8, 2, 1, 1, 1, 0, 4, 0, 8, 2, 1, 1, 1 };
	static const uint8_t ad_empty[] = { 0, 4, 0, 4 };
	uint8_t many[(S6_S6_AUTHDATA_MAX + 1) * 8];
	const s6_s6authdata *got;
	size_t i;

	CHECK_ENC(ad, s6_s6opt_put_auth_data(B, 2, (const uint8_t *)"abc", 3));
	CHECK_ENC(ad_pad, s6_s6opt_put_auth_data(B, 0x80, (const uint8_t *)"xyzw", 4));
	parse_ok(ad_pad, sizeof(ad_pad));
	got = s6_s6opts_find_auth_data(&opts, 0x80);
	ck_assert_ptr_nonnull(got);
	/* The slice points into the input and keeps the padding. */
	ck_assert_ptr_eq(got->data, ad_pad + 5);
	ck_assert_uint_eq(got->len, 7);
	ck_assert_ptr_null(s6_s6opts_find_auth_data(&opts, 2));
	parse_fails(ad_dup, sizeof(ad_dup), S6_ERR_MALFORMED);
	parse_fails(ad_empty, sizeof(ad_empty), S6_ERR_MALFORMED);

	for (i = 0; i <= S6_S6_AUTHDATA_MAX; i++) {
		uint8_t *p = many + i * 8;

		memcpy(p, ad, sizeof(ad));
		p[4] = (uint8_t)(i + 1);
	}
	parse_ok(many, S6_S6_AUTHDATA_MAX * 8);
	ck_assert_uint_eq(opts.n_auth_data, S6_S6_AUTHDATA_MAX);
	parse_fails(many, sizeof(many), S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(session_options)
{
	static const uint8_t req[] = { 0, 5, 0, 4 };
	static const uint8_t id[] = { 0, 6, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t ok[] = { 0, 8, 0, 4 };
	static const uint8_t inval[] = { 0, 9, 0, 4 };
	static const uint8_t down[] = { 0, 10, 0, 4 };
	static const uint8_t all[] = { 0, 5, 0, 4, 0, 8, 0, 4, 0, 10, 0, 4,
				       0, 6, 0, 8, 9, 9, 9, 9 };

	CHECK_ENC(req, s6_s6opt_put_session_request(B));
	CHECK_ENC(id, s6_s6opt_put_session_id(B, id + 4, 8));
	CHECK_ENC(ok, s6_s6opt_put_session_ok(B));
	CHECK_ENC(inval, s6_s6opt_put_session_invalid(B));
	CHECK_ENC(down, s6_s6opt_put_session_teardown(B));

	parse_ok(all, sizeof(all));
	ck_assert(opts.session_request && opts.session_ok && opts.session_teardown);
	ck_assert(!opts.session_invalid);
	ck_assert(opts.has_session_id);
	ck_assert_uint_eq(opts.session_id_len, 4);
	ck_assert_mem_eq(opts.session_id, all + 16, 4);
	parse_ok(id, sizeof(id));
	ck_assert_uint_eq(opts.session_id_len, 8);
	ck_assert(!opts.session_request);
	parse_ok(inval, sizeof(inval));
	ck_assert(opts.session_invalid);
}
END_TEST

START_TEST(session_invalid_input)
{
	static const uint8_t req8[] = { 0, 5, 0, 8, 0, 0, 0, 0 };
	static const uint8_t id_empty[] = { 0, 6, 0, 4 };
	static const uint8_t id_two[] = { 0, 6, 0, 8, 1, 1, 1, 1, 0, 6, 0, 8, 1, 1, 1, 2 };
	static const uint8_t id_same[] = { 0, 6, 0, 8, 1, 1, 1, 1, 0, 6, 0, 8, 1, 1, 1, 1 };
	static const uint8_t ok_inval[] = { 0, 8, 0, 4, 0, 9, 0, 4 };
	uint8_t big[4 + S6_S6_SESSION_ID_MAX + 4], mem[300];
	s6_s6opt_buf b;

	parse_fails(req8, sizeof(req8), S6_ERR_MALFORMED);
	parse_fails(id_empty, sizeof(id_empty), S6_ERR_MALFORMED);
	parse_fails(id_two, sizeof(id_two), S6_ERR_MALFORMED);
	parse_ok(id_same, sizeof(id_same));
	parse_fails(ok_inval, sizeof(ok_inval), S6_ERR_MALFORMED);

	memset(big, 0x5a, sizeof(big));
	big[0] = 0;
	big[1] = 6;
	big[2] = 1;
	big[3] = 4;   /* 260: 256 bytes of ID */
	parse_ok(big, 260);
	ck_assert_uint_eq(opts.session_id_len, 256);
	big[3] = 8;   /* 264: 260 bytes of ID */
	parse_fails(big, 264, S6_ERR_TOO_LONG);

	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, big, 0), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, big, 6), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, big, 260), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, big, 256), S6_OK);
	ck_assert_uint_eq(b.len, 260);
}
END_TEST

START_TEST(idempotence_options)
{
	static const uint8_t req[] = { 0, 11, 0, 8, 0, 0, 1, 0 };
	static const uint8_t win[] = { 0, 12, 0, 12, 0xff, 0xff, 0xff, 0xf0,
				       0x7f, 0xff, 0xff, 0xff };
	static const uint8_t exp[] = { 0, 13, 0, 8, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t acc[] = { 0, 14, 0, 4 };
	static const uint8_t rej[] = { 0, 15, 0, 4 };

	CHECK_ENC(req, s6_s6opt_put_idem_request(B, 256));
	CHECK_ENC(win, s6_s6opt_put_idem_window(B, 0xfffffff0u, 0x7fffffffu));
	CHECK_ENC(exp, s6_s6opt_put_idem_expend(B, 0xdeadbeefu));
	CHECK_ENC(acc, s6_s6opt_put_idem_accepted(B));
	CHECK_ENC(rej, s6_s6opt_put_idem_rejected(B));

	parse_ok(req, sizeof(req));
	ck_assert(opts.has_idem_request);
	ck_assert_uint_eq(opts.idem_request_size, 256);
	parse_ok(win, sizeof(win));
	ck_assert(opts.has_idem_window);
	ck_assert_uint_eq(opts.idem_window_base, 0xfffffff0u);
	ck_assert_uint_eq(opts.idem_window_size, 0x7fffffffu);
	parse_ok(exp, sizeof(exp));
	ck_assert(opts.has_idem_expend);
	ck_assert_uint_eq(opts.idem_token, 0xdeadbeefu);
	parse_ok(acc, sizeof(acc));
	ck_assert(opts.idem_accepted && !opts.idem_rejected);
	parse_ok(rej, sizeof(rej));
	ck_assert(opts.idem_rejected && !opts.idem_accepted);
}
END_TEST

START_TEST(idempotence_invalid)
{
	static const uint8_t win0[] = { 0, 12, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t win31[] = { 0, 12, 0, 12, 0, 0, 0, 1, 0x80, 0, 0, 0 };
	static const uint8_t win8[] = { 0, 12, 0, 8, 0, 0, 0, 1 };
	/* The figure's Length = 4 has no room for the token. */
	static const uint8_t exp4[] = { 0, 13, 0, 4 };
	static const uint8_t exp12[] = { 0, 13, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t acc_rej[] = { 0, 14, 0, 4, 0, 15, 0, 4 };
	static const uint8_t req4[] = { 0, 11, 0, 4 };
	uint8_t mem[16];
	s6_s6opt_buf b;

	parse_fails(win0, sizeof(win0), S6_ERR_MALFORMED);
	parse_fails(win31, sizeof(win31), S6_ERR_MALFORMED);
	parse_fails(win8, sizeof(win8), S6_ERR_MALFORMED);
	parse_fails(exp4, sizeof(exp4), S6_ERR_MALFORMED);
	parse_fails(exp12, sizeof(exp12), S6_ERR_MALFORMED);
	parse_fails(acc_rej, sizeof(acc_rej), S6_ERR_MALFORMED);
	parse_fails(req4, sizeof(req4), S6_ERR_MALFORMED);
	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_idem_window(&b, 1, 0), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_s6opt_put_idem_window(&b, 1, 0x80000000u), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_s6opt_put_idem_request(&b, 0), S6_ERR_INVALID_ARG);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(framing_errors)
{
	static const uint8_t trunc_hdr[] = { 0, 5, 0, 4, 0, 5 };
	static const uint8_t len0[] = { 0, 5, 0, 0 };
	static const uint8_t len2[] = { 0, 5, 0, 2 };
	static const uint8_t len6[] = { 0x12, 0x34, 0, 6, 0, 0, 0, 0 };
	static const uint8_t len9[] = { 0x12, 0x34, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* Would frame cleanly as 6 + 4 bytes if lengths were not checked. */
	static const uint8_t len6_ok[] = { 0x12, 0x34, 0, 6, 0, 0, 0, 5, 0, 4 };
	static const uint8_t overrun[] = { 0, 5, 0, 4, 0, 4, 0, 12, 2, 0, 0, 0 };
	s6_s6opt_iter it;
	s6_s6opt o;

	parse_fails(trunc_hdr, sizeof(trunc_hdr), S6_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(why, "offset 4"));
	parse_fails(len0, sizeof(len0), S6_ERR_MALFORMED);
	parse_fails(len2, sizeof(len2), S6_ERR_MALFORMED);
	parse_fails(len6, sizeof(len6), S6_ERR_MALFORMED);
	parse_fails(len9, sizeof(len9), S6_ERR_MALFORMED);
	parse_fails(len6_ok, sizeof(len6_ok), S6_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(why, "multiple of 4"));
	parse_fails(overrun, sizeof(overrun), S6_ERR_MALFORMED);
	parse_fails(overrun, 2, S6_ERR_MALFORMED);
	parse_ok(NULL, 0);

	/* The iterator yields the good option, then stops with the error. */
	s6_s6opt_iter_init(&it, overrun, sizeof(overrun));
	ck_assert(s6_s6opt_next(&it, &o));
	ck_assert_uint_eq(o.kind, 5);
	ck_assert_uint_eq(o.len, 4);
	ck_assert_uint_eq(o.data_len, 0);
	ck_assert(!s6_s6opt_next(&it, &o));
	ck_assert_int_eq(it.err, S6_ERR_MALFORMED);
	ck_assert_uint_eq(it.off, 4);
	ck_assert(!s6_s6opt_next(&it, &o));
}
END_TEST

START_TEST(total_limit)
{
	static uint8_t big[S6_S6OPT_TOTAL_MAX + 4];
	static uint8_t mem[S6_S6OPT_TOTAL_MAX + 64];
	s6_s6opt_buf b;

	/* One unknown option of exactly 16384 bytes is fine; 16388 is not. */
	memset(big, 0, sizeof(big));
	big[0] = 0xfc;
	big[2] = 0x40;
	parse_ok(big, S6_S6OPT_TOTAL_MAX);
	ck_assert_uint_eq(opts.n_ignored, 1);
	big[3] = 4;
	parse_fails(big, sizeof(big), S6_ERR_TOO_LONG);

	/* The encoder stops at 16384 whatever the buffer holds. */
	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put(&b, 0xfc00, big, S6_S6OPT_TOTAL_MAX - 12, NULL, 0), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, big, 8), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, big, 4), S6_OK);
	ck_assert_uint_eq(b.len, S6_S6OPT_TOTAL_MAX);
	ck_assert_int_eq(s6_s6opt_put_session_ok(&b), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(b.len, S6_S6OPT_TOTAL_MAX);
	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put(&b, 0xfc00, big, SIZE_MAX, NULL, 0), S6_ERR_TOO_LONG);
	/* A small buffer: TOO_LONG, and nothing written. */
	s6_s6opt_buf_init(&b, mem, 7);
	ck_assert_int_eq(s6_s6opt_put_idem_expend(&b, 1), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(unknown_skipped)
{
	static const uint8_t msg[] = {
		0x00, 0x00, 0x00, 0x04,                   /* kind 0 */
		0x00, 0x07, 0x00, 0x08, 1, 2, 3, 4,       /* old Session Untrusted */
		0x00, 0x10, 0x00, 0x08, 9, 9, 9, 9,       /* old Resolution Request */
		0x00, 0x05, 0x00, 0x04,                   /* Session Request */
		0xfc, 0x00, 0x00, 0x0c, 0, 0, 0, 0, 1, 1, 1, 1,  /* experimental */
		0xff, 0xff, 0x00, 0x04,
		0x00, 0x03, 0x00, 0x08, 0x02, 0, 0, 0,    /* Method Selection */
	};

	parse_ok(msg, sizeof(msg));
	ck_assert_uint_eq(opts.n_ignored, 5);
	ck_assert(opts.session_request);
	ck_assert(opts.has_auth_select);
	ck_assert_uint_eq(opts.auth_select, 2);
}
END_TEST

/* A full request's options, encoded then parsed back. */
START_TEST(round_trip)
{
	static const uint8_t methods[] = { 2, 0x80 };
	static const uint8_t sid[] = { 0xa, 0xb, 0xc, 0xd, 1, 2, 3, 4 };
	s6_s6stack tfo = { 2, 4, 1, 0, 0 }, tos = { 3, 1, 1, 0x28, 0 };
	uint8_t mem[256];
	s6_s6opt_buf b;

	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &tfo), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_stack(&b, &tos), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_auth_adv(&b, 517, methods, 2), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_auth_data(&b, 0x80, (const uint8_t *)"tok", 3), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_session_id(&b, sid, sizeof(sid)), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_idem_request(&b, 64), S6_OK);
	ck_assert_int_eq(s6_s6opt_put_idem_expend(&b, 7), S6_OK);
	ck_assert_uint_eq(b.len, 8 + 8 + 8 + 8 + 12 + 8 + 8);

	parse_ok(mem, b.len);
	ck_assert_uint_eq(opts.n_stack, 2);
	ck_assert_uint_eq(s6_s6opts_find_stack(&opts, 4, 1, 2)->value, 0);
	ck_assert_uint_eq(s6_s6opts_find_stack(&opts, 1, 1, 1)->value, 0x28);
	ck_assert_uint_eq(opts.initial_data_len, 517);
	ck_assert_uint_eq(opts.n_methods, 2);
	ck_assert_mem_eq(opts.methods, methods, 2);
	ck_assert_mem_eq(s6_s6opts_find_auth_data(&opts, 0x80)->data, "tok", 3);
	ck_assert_uint_eq(opts.session_id_len, 8);
	ck_assert_mem_eq(opts.session_id, sid, 8);
	ck_assert_uint_eq(opts.idem_request_size, 64);
	ck_assert_uint_eq(opts.idem_token, 7);
	ck_assert_uint_eq(opts.n_ignored, 0);
}
END_TEST

static Suite *socks6_opt_suite(void)
{
	Suite *s = suite_create("socks6_opt");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, kinds_iana);
	tcase_add_loop_test(tc, stack_layouts, 0,
			    (int)(sizeof(stack_cases) / sizeof(stack_cases[0])));
	tcase_add_test(tc, stack_invalid);
	tcase_add_test(tc, stack_duplicates);
	tcase_add_test(tc, auth_method_options);
	tcase_add_test(tc, auth_method_invalid);
	tcase_add_test(tc, auth_data);
	tcase_add_test(tc, session_options);
	tcase_add_test(tc, session_invalid_input);
	tcase_add_test(tc, idempotence_options);
	tcase_add_test(tc, idempotence_invalid);
	tcase_add_test(tc, framing_errors);
	tcase_add_test(tc, total_limit);
	tcase_add_test(tc, unknown_skipped);
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socks6_opt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

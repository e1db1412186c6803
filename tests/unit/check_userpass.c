/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 1929 username/password: exact layouts, length limits, incremental
 * parsing, and the SOCKS6 Authentication Data carriage (method 2). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_userpass.h"

static const uint8_t wire_bob[] = { 0x01, 0x03, 'b', 'o', 'b', 0x02, 'p', 'w' };

START_TEST(pack_layout)
{
	uint8_t buf[S6_UP_REQUEST_MAX];
	size_t n = 0;

	ck_assert_int_eq(s6_userpass_pack("bob", 3, "pw", 2, buf, sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, sizeof(wire_bob));
	ck_assert_mem_eq(buf, wire_bob, sizeof(wire_bob));
}
END_TEST

START_TEST(pack_limits)
{
	static char name[256];
	uint8_t buf[S6_UP_REQUEST_MAX + 8];
	size_t n = 0;

	memset(name, 'u', sizeof(name));
	ck_assert_int_eq(s6_userpass_pack(name, 0, "p", 1, buf, sizeof(buf), &n),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_userpass_pack("u", 1, name, 0, buf, sizeof(buf), &n),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_userpass_pack(name, 256, "p", 1, buf, sizeof(buf), &n),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_userpass_pack("u", 1, name, 256, buf, sizeof(buf), &n),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_userpass_pack(name, 255, name, 255, buf, sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, S6_UP_REQUEST_MAX);
	ck_assert_uint_eq(buf[1], 255);
	ck_assert_uint_eq(buf[257], 255);
	ck_assert_int_eq(s6_userpass_pack("bob", 3, "pw", 2, buf, 7, &n), S6_ERR_TOO_LONG);
}
END_TEST

/* Every strict prefix asks for more, and never for more than is missing. */
START_TEST(parse_incremental)
{
	s6_userpass up;
	size_t used = 0, need = 0, i;

	for (i = 0; i < sizeof(wire_bob); i++) {
		ck_assert_int_eq(s6_userpass_parse(wire_bob, i, &up, &used, &need),
				 S6_ERR_NEED_MORE);
		ck_assert_uint_ge(need, 1);
		ck_assert_uint_le(i + need, sizeof(wire_bob));
	}
	ck_assert_int_eq(s6_userpass_parse(wire_bob, 2, &up, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 4);   /* "bob" and PLEN */
	ck_assert_int_eq(s6_userpass_parse(wire_bob, sizeof(wire_bob), &up, &used, &need),
			 S6_OK);
	ck_assert_uint_eq(used, sizeof(wire_bob));
	ck_assert_uint_eq(up.ulen, 3);
	ck_assert_str_eq((const char *)up.user, "bob");
	ck_assert_uint_eq(up.plen, 2);
	ck_assert_str_eq((const char *)up.pass, "pw");
}
END_TEST

START_TEST(parse_errors)
{
	static const uint8_t v5[] = { 0x05, 0x01 };
	static const uint8_t ulen0[] = { 0x01, 0x00, 0x01, 'p' };
	static const uint8_t plen0[] = { 0x01, 0x01, 'u', 0x00 };
	static uint8_t full[S6_UP_REQUEST_MAX + 4];
	s6_userpass up;
	size_t used = 0, need = 0;

	ck_assert_int_eq(s6_userpass_parse(v5, 1, &up, &used, &need), S6_ERR_BAD_VERSION);
	ck_assert_int_eq(s6_userpass_parse(ulen0, sizeof(ulen0), &up, &used, &need),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_userpass_parse(plen0, sizeof(plen0), &up, &used, &need),
			 S6_ERR_MALFORMED);
	/* 255 / 255 with trailing bytes: only the request is used. */
	memset(full, 'x', sizeof(full));
	full[0] = 1;
	full[1] = 255;
	full[257] = 255;
	ck_assert_int_eq(s6_userpass_parse(full, sizeof(full), &up, &used, &need), S6_OK);
	ck_assert_uint_eq(used, S6_UP_REQUEST_MAX);
	ck_assert_uint_eq(up.ulen, 255);
	ck_assert_uint_eq(up.plen, 255);
	ck_assert_uint_eq(up.user[255], 0);
}
END_TEST

START_TEST(reply)
{
	static const uint8_t bad[] = { 0x05, 0x00 };
	uint8_t out[2], status = 9;
	size_t used = 0, need = 0;

	s6_userpass_reply_pack(S6_UP_SUCCESS, out);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(out[1], 0);
	ck_assert_int_eq(s6_userpass_reply_parse(out, 1, &status, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 1);
	ck_assert_int_eq(s6_userpass_reply_parse(out, 2, &status, &used, &need), S6_OK);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(used, 2);
	s6_userpass_reply_pack(S6_UP_FAILURE, out);
	ck_assert_int_eq(s6_userpass_reply_parse(out, 2, &status, &used, &need), S6_OK);
	ck_assert_uint_eq(status, 1);
	ck_assert_int_eq(s6_userpass_reply_parse(bad, 2, &status, &used, &need),
			 S6_ERR_BAD_VERSION);
}
END_TEST

/* Authentication Data, method 2: 4 + 1 + 8 = 13 bytes, padded to 16. */
static const uint8_t opt_bob[] = {
	0x00, 0x04, 0x00, 0x10, 0x02,
	0x01, 0x03, 'b', 'o', 'b', 0x02, 'p', 'w', 0x00, 0x00, 0x00,
};

static s6_s6opts opts;

START_TEST(authdata_request)
{
	uint8_t mem[32];
	s6_s6opt_buf b;
	s6_userpass up;

	memset(mem, 0xee, sizeof(mem));
	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_userpass(&b, "bob", 3, "pw", 2), S6_OK);
	ck_assert_uint_eq(b.len, sizeof(opt_bob));
	ck_assert_mem_eq(mem, opt_bob, sizeof(opt_bob));
	ck_assert_int_eq(s6_s6opt_put_userpass(&b, "", 0, "pw", 2), S6_ERR_INVALID_ARG);
	ck_assert_uint_eq(b.len, sizeof(opt_bob));

	ck_assert_int_eq(s6_s6opts_parse(opt_bob, sizeof(opt_bob), &opts, NULL, 0), S6_OK);
	ck_assert_int_eq(s6_userpass_from_authdata(
		s6_s6opts_find_auth_data(&opts, S6_S6_METHOD_USERPASS), &up), S6_OK);
	ck_assert_uint_eq(up.ulen, 3);
	ck_assert_mem_eq(up.user, "bob", 3);
	ck_assert_mem_eq(up.pass, "pw", 2);
}
END_TEST

static s6_err from_bytes(const uint8_t *data, size_t len)
{
	s6_s6authdata ad = { S6_S6_METHOD_USERPASS, data, len };
	s6_userpass up;

	return s6_userpass_from_authdata(&ad, &up);
}

START_TEST(authdata_request_invalid)
{
	uint8_t d[16];
	s6_s6authdata other = { 0x80, opt_bob + 5, 11 };
	s6_userpass up;

	/* opt_bob's data after the method byte: request (8) + padding (3). */
	memcpy(d, opt_bob + 5, 11);
	ck_assert_int_eq(from_bytes(d, 11), S6_OK);
	d[10] = 1;                                           /* dirty padding */
	ck_assert_int_eq(from_bytes(d, 11), S6_ERR_MALFORMED);
	d[10] = 0;
	memset(d + 11, 0, 4);                                /* padding of 7 */
	ck_assert_int_eq(from_bytes(d, 15), S6_ERR_MALFORMED);
	ck_assert_int_eq(from_bytes(d, 7), S6_ERR_MALFORMED); /* truncated */
	d[5] = 0x09;                                         /* PLEN past end */
	ck_assert_int_eq(from_bytes(d, 11), S6_ERR_MALFORMED);
	d[0] = 0x05;
	ck_assert_int_eq(from_bytes(d, 11), S6_ERR_BAD_VERSION);
	ck_assert_int_eq(s6_userpass_from_authdata(&other, &up), S6_ERR_INVALID_ARG);
}
END_TEST

START_TEST(authdata_reply)
{
	static const uint8_t ok[] = { 0x00, 0x04, 0x00, 0x08, 0x02, 0x01, 0x00, 0x00 };
	static const uint8_t fail[] = { 0x00, 0x04, 0x00, 0x08, 0x02, 0x01, 0x01, 0x00 };
	static const uint8_t dirty[] = { 0x00, 0x04, 0x00, 0x08, 0x02, 0x01, 0x00, 0x07 };
	static const uint8_t longer[] = { 0x00, 0x04, 0x00, 0x0c, 0x02, 0x01, 0x00, 0x00,
					  0, 0, 0, 0 };
	uint8_t mem[8], status = 9;
	s6_s6opt_buf b;

	s6_s6opt_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(s6_s6opt_put_userpass_reply(&b, S6_UP_SUCCESS), S6_OK);
	ck_assert_mem_eq(mem, ok, sizeof(ok));

	ck_assert_int_eq(s6_s6opts_parse(ok, sizeof(ok), &opts, NULL, 0), S6_OK);
	ck_assert_int_eq(s6_userpass_reply_from_authdata(&opts.auth_data[0], &status), S6_OK);
	ck_assert_uint_eq(status, 0);
	ck_assert_int_eq(s6_s6opts_parse(fail, sizeof(fail), &opts, NULL, 0), S6_OK);
	ck_assert_int_eq(s6_userpass_reply_from_authdata(&opts.auth_data[0], &status), S6_OK);
	ck_assert_uint_eq(status, 1);
	ck_assert_int_eq(s6_s6opts_parse(dirty, sizeof(dirty), &opts, NULL, 0), S6_OK);
	ck_assert_int_eq(s6_userpass_reply_from_authdata(&opts.auth_data[0], &status),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_s6opts_parse(longer, sizeof(longer), &opts, NULL, 0), S6_OK);
	ck_assert_int_eq(s6_userpass_reply_from_authdata(&opts.auth_data[0], &status),
			 S6_ERR_MALFORMED);
}
END_TEST

static Suite *userpass_suite(void)
{
	Suite *s = suite_create("userpass");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, pack_layout);
	tcase_add_test(tc, pack_limits);
	tcase_add_test(tc, parse_incremental);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, reply);
	tcase_add_test(tc, authdata_request);
	tcase_add_test(tc, authdata_request_invalid);
	tcase_add_test(tc, authdata_reply);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(userpass_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

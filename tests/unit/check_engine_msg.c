/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine's handoff header and status record (s6_engine_msg.h): round
 * trips, every truncation, oversized and malformed input. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "s6_engine_msg.h"

static void fill_hdr(s6_eng_hdr *h)
{
	memset(h, 0, sizeof *h);
	for (int i = 0; i < S6_ENG_SECRET_LEN; i++)
		h->secret[i] = (uint8_t)(i * 7 + 1);
	h->verify = true;
	h->port = 8443;
	h->early_len = 77;
	strcpy(h->host, "proxy.test");
	strcpy(h->sni, "proxy.test");
	strcpy(h->ca_file, "/etc/ssl/ca.pem");
	h->n_pins = 2;
	memset(h->pins[0], 0xab, S6_ENG_PIN_LEN);
	memset(h->pins[1], 0xcd, S6_ENG_PIN_LEN);
}

START_TEST(test_hdr_roundtrip)
{
	static uint8_t buf[S6_ENG_HDR_MAX];
	s6_eng_hdr h, out;
	size_t len, used = 0, need = 0;

	fill_hdr(&h);
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_HDR_FIXED + 10 + 10 + 15 + 64);
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, len);
	ck_assert(out.verify);
	ck_assert_uint_eq(out.port, 8443);
	ck_assert_uint_eq(out.early_len, 77);
	ck_assert_str_eq(out.host, "proxy.test");
	ck_assert_str_eq(out.sni, "proxy.test");
	ck_assert_str_eq(out.ca_file, "/etc/ssl/ca.pem");
	ck_assert_uint_eq(out.n_pins, 2);
	ck_assert_int_eq(memcmp(out.pins, h.pins, 2 * S6_ENG_PIN_LEN), 0);
	ck_assert(s6_eng_secret_equal(out.secret, h.secret));
	/* Bytes after the header (the Request) are not the header's. */
	ck_assert_int_eq(s6_eng_hdr_parse(buf, sizeof buf, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, len);
}
END_TEST

START_TEST(test_hdr_truncated)
{
	static uint8_t buf[S6_ENG_HDR_MAX];
	s6_eng_hdr h, out;
	size_t len, used, need;

	fill_hdr(&h);
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	for (size_t i = 0; i < len; i++) {
		need = 0;
		ck_assert_int_eq(s6_eng_hdr_parse(buf, i, &out, &used, &need), S6_ERR_NEED_MORE);
		ck_assert(need > i && need <= len);
	}
}
END_TEST

START_TEST(test_hdr_bad)
{
	static uint8_t buf[S6_ENG_HDR_MAX], copy[S6_ENG_HDR_MAX];
	s6_eng_hdr h, out;
	size_t len, used, need;

	fill_hdr(&h);
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	memcpy(copy, buf, len);
	copy[0] = 'X'; /* judged on the first byte already */
	ck_assert_int_eq(s6_eng_hdr_parse(copy, 1, &out, &used, &need), S6_ERR_MALFORMED);
	memcpy(copy, buf, len);
	copy[4] = 2;
	ck_assert_int_eq(s6_eng_hdr_parse(copy, 5, &out, &used, &need), S6_ERR_BAD_VERSION);
	memcpy(copy, buf, len);
	copy[5] = 0x80; /* unknown flag */
	ck_assert_int_eq(s6_eng_hdr_parse(copy, len, &out, &used, &need), S6_ERR_MALFORMED);
	memcpy(copy, buf, len);
	copy[42] = 0; /* empty host */
	ck_assert_int_eq(s6_eng_hdr_parse(copy, len, &out, &used, &need), S6_ERR_MALFORMED);
	memcpy(copy, buf, len);
	copy[46] = S6_ENG_PINS_MAX + 1;
	ck_assert_int_eq(s6_eng_hdr_parse(copy, len, &out, &used, &need), S6_ERR_MALFORMED);
	memcpy(copy, buf, len);
	copy[44] = 0xff; /* ca-file length over the limit */
	ck_assert_int_eq(s6_eng_hdr_parse(copy, len, &out, &used, &need), S6_ERR_MALFORMED);
	memcpy(copy, buf, len);
	copy[S6_ENG_HDR_FIXED + 3] = 0; /* NUL inside the host */
	ck_assert_int_eq(s6_eng_hdr_parse(copy, len, &out, &used, &need), S6_ERR_MALFORMED);
	memcpy(copy, buf, len);
	copy[38] = copy[39] = 0; /* port 0 */
	ck_assert_int_eq(s6_eng_hdr_parse(copy, len, &out, &used, &need), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(test_hdr_encode_limits)
{
	static uint8_t buf[S6_ENG_HDR_MAX];
	s6_eng_hdr h;
	size_t len;

	fill_hdr(&h);
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, 50, &len), S6_ERR_TOO_LONG);
	h.host[0] = '\0';
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	fill_hdr(&h);
	h.n_pins = S6_ENG_PINS_MAX + 1;
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_ERR_INVALID_ARG);
	/* The largest header fits S6_ENG_HDR_MAX exactly. */
	fill_hdr(&h);
	memset(h.host, 'h', S6_ENG_HOST_MAX);
	memset(h.sni, 's', S6_ENG_HOST_MAX);
	memset(h.ca_file, 'c', S6_ENG_PATH_MAX);
	h.n_pins = S6_ENG_PINS_MAX;
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_HDR_MAX);
}
END_TEST

START_TEST(test_status)
{
	uint8_t buf[S6_ENG_STATUS_MAX + 8];
	s6_eng_status s = {.code = S6_ENG_FAILED, .err = ECONNREFUSED}, out;
	size_t len, used, need;

	strcpy(s.reason, "tls: certificate has expired");
	ck_assert_int_eq(s6_eng_status_encode(&s, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_STATUS_FIXED + strlen(s.reason));
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(s6_eng_status_parse(buf, i, &out, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_int_eq(s6_eng_status_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(out.code, S6_ENG_FAILED);
	ck_assert_uint_eq(out.err, ECONNREFUSED);
	ck_assert_str_eq(out.reason, "tls: certificate has expired");
	/* ok carries no errno, a failure must carry one. */
	buf[6] = buf[7] = 0;
	ck_assert_int_eq(s6_eng_status_parse(buf, len, &out, &used, &need), S6_ERR_MALFORMED);
	s = (s6_eng_status){.code = S6_ENG_OK};
	ck_assert_int_eq(s6_eng_status_encode(&s, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_STATUS_FIXED);
	ck_assert_int_eq(s6_eng_status_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(out.code, S6_ENG_OK);
	buf[5] = 9;
	ck_assert_int_eq(s6_eng_status_parse(buf, len, &out, &used, &need), S6_ERR_MALFORMED);
	buf[0] = 'Q';
	ck_assert_int_eq(s6_eng_status_parse(buf, 1, &out, &used, &need), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(test_status_oversized)
{
	uint8_t buf[S6_ENG_STATUS_MAX];
	s6_eng_status s = {.code = S6_ENG_FAILED, .err = EACCES}, out;
	size_t len, used, need;

	memset(s.reason, 'r', S6_ENG_REASON_MAX); /* the longest reason */
	ck_assert_int_eq(s6_eng_status_encode(&s, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, S6_ENG_STATUS_MAX);
	ck_assert_int_eq(s6_eng_status_encode(&s, buf, sizeof buf - 1, &len), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_eng_status_parse(buf, S6_ENG_STATUS_MAX, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(strlen(out.reason), S6_ENG_REASON_MAX);
}
END_TEST

/* Each flag travels alone: the bits are not confused with one another. */
START_TEST(test_hdr_flags)
{
	static uint8_t buf[S6_ENG_HDR_MAX];
	s6_eng_hdr h, out;
	size_t len, used = 0, need = 0;

	fill_hdr(&h);
	h.verify = false;
	h.no_tfo = true;
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(buf[5], S6_ENG_FLAG_NO_TFO);
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert(out.no_tfo && !out.verify && !out.cip);
	h.no_tfo = false;
	h.cip = true;
	ck_assert_int_eq(s6_eng_hdr_encode(&h, buf, sizeof buf, &len), S6_OK);
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert(!out.no_tfo && out.cip);
	buf[5] = 0x08; /* the next bit is still unknown */
	ck_assert_int_eq(s6_eng_hdr_parse(buf, len, &out, &used, &need), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(test_secret_equal)
{
	uint8_t a[S6_ENG_SECRET_LEN] = {1}, b[S6_ENG_SECRET_LEN] = {1};

	ck_assert(s6_eng_secret_equal(a, b));
	b[S6_ENG_SECRET_LEN - 1] = 1;
	ck_assert(!s6_eng_secret_equal(a, b));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_msg");
	TCase *tc = tcase_create("engine_msg");

	tcase_add_test(tc, test_hdr_roundtrip);
	tcase_add_test(tc, test_hdr_truncated);
	tcase_add_test(tc, test_hdr_bad);
	tcase_add_test(tc, test_hdr_flags);
	tcase_add_test(tc, test_hdr_encode_limits);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_status_oversized);
	tcase_add_test(tc, test_secret_equal);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
